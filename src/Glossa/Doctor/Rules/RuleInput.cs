using Glossa.Training;

namespace Glossa.Doctor.Rules;

/// <summary>What every rule sees: the history so far (sorted by epoch, last = current), the static context, thresholds.</summary>
internal sealed record RuleInput(IReadOnlyList<EpochMetrics> History, RunContext Context, DoctorOptions Options)
{
    public EpochMetrics Last => History[^1];

    /// <summary>Ready-to-run training commands built from the run's own options.</summary>
    public TrainCommandBuilder Commands { get; } = new(Context, Options.Program);

    /// <summary>Current value of a numeric training option (from the command line or config.json), if known.</summary>
    public double? Option(string name) =>
        double.TryParse(Commands.Get(name), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : null;

    /// <summary>The learning rate in use: the last epoch's, else the configured one.</summary>
    public double? LearningRate => Last.LearningRate ?? Option("learning-rate") ?? Option("lr");
}
