using Glossa.Training;
using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>What every rule sees: the history so far (sorted by epoch, last = current), the static context, thresholds.</summary>
internal sealed record RuleInput(IReadOnlyList<EpochMetrics> History, RunContext Context, DoctorOptions Options)
{
    public EpochMetrics Last => History[^1];

    /// <summary>Options every proposed train command carries: a critical ctc_infeasible's fix (<see cref="HealthMonitor"/> sets it).</summary>
    public IReadOnlyList<(string Name, object Value)> Carried { get; init; } = [];

    /// <summary>Ready-to-run training commands built from the run's own options.</summary>
    public TrainCommandBuilder Commands { get; } = new(Context, Options.Program);

    /// <summary>The options the run used, as typed values (from its resolved config).</summary>
    public RunOptions Run { get; } = RunOptions.From(Context.Config);

    /// <summary>Current value of a numeric training option: the typed resolved options first, else whatever the command names.</summary>
    public double? Option(string name) => name switch
    {
        "dropout" when Run.Dropout is { } d => d,
        "weight-decay" when Run.WeightDecay is { } w => w,
        "hidden-dim" when Run.HiddenDim is { } h => h,
        "learning-rate" when Run.PeakLearningRate is { } lr => lr,
        "epochs" when Run.Epochs is { } e => e,
        "label-smoothing" when Run.LabelSmoothing is { } s => s,
        "frame-size" when Run.FrameSize is { } f => f,
        _ => double.TryParse(Commands.Get(name), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : null,
    };

    /// <summary>The learning rate in use at the last epoch (after warm-up, decay and plateau cuts), else the configured one.</summary>
    public double? LearningRate => Last.LearningRate ?? Option("learning-rate") ?? Option("lr");

    /// <summary>True when a schedule or reduce-on-plateau has taken the last epoch's rate below <see cref="DoctorOptions.UnderfitDecayedShare"/> of the peak.</summary>
    public bool RateDecayed => PeakLearningRate is > 0 and var peak && Finite(Last.LearningRate) && Last.LearningRate < Options.UnderfitDecayedShare * peak;

    /// <summary>The configured peak learning rate; without a config, the largest rate the history shows.</summary>
    public double? PeakLearningRate =>
        Option("learning-rate") ?? Option("lr") ?? (Series(History, m => m.LearningRate) is { Count: > 0 } s ? s.Max(p => p.V) : null);
}
