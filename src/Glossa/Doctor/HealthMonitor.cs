using Glossa.Common;
using Glossa.Doctor.Rules;
using Glossa.Training;

namespace Glossa.Doctor;

/// <summary>
/// The training doctor's live side. Create one per run with the static <see cref="RunContext"/>,
/// call <see cref="Observe"/> after every epoch with that epoch's <see cref="EpochMetrics"/>, print
/// the findings it returns (<see cref="Finding.ToLogLines"/>), and with <c>--auto-stop</c> end the
/// run when <see cref="ShouldStop"/> says so. <see cref="Diagnose"/> replays a finished history.
/// </summary>
public sealed class HealthMonitor
{
    readonly DoctorOptions options;
    readonly RunContext context;
    readonly List<EpochMetrics> history = [];
    readonly Dictionary<string, Finding> active = new(StringComparer.Ordinal);
    readonly Dictionary<string, int?> firstEpoch = new(StringComparer.Ordinal);
    readonly List<Finding> raised = [];
    /// <summary>The highest severity returned so far per rule: a finding that resolves and comes back (a noisy dev set) is not reported again at the same level.</summary>
    readonly Dictionary<string, Severity> reported = new(StringComparer.Ordinal);
    readonly List<Finding> pendingStatic = [];
    Finding? reportedNonFinite;

    static readonly Func<RuleInput, Finding?>[] EpochRules =
    [
        NonFiniteRule.Evaluate,
        UnderfittingRule.Evaluate,
        BlankCollapseRule.Evaluate,
        OverfittingRule.Evaluate,
        NotLearningRule.Evaluate,
        UnstableRule.Evaluate,
        StaticRules.Capacity,
    ];

    /// <summary>Creates a monitor; the context-only rules (ctc_infeasible, data_mismatch) are judged here
    /// and returned by the first <see cref="Observe"/> (and listed in <see cref="Findings"/> at once).</summary>
    public HealthMonitor(RunContext? context = null, DoctorOptions? options = null)
    {
        this.options = (options ?? new DoctorOptions()).Validate();
        this.context = context ?? new RunContext();
        var input = new RuleInput([], this.context, this.options);
        foreach (var rule in new Func<RuleInput, Finding?>[] { StaticRules.DataMismatch, StaticRules.CtcInfeasible })
        {
            if (rule(input) is { } f)
            {
                Record(f);
                pendingStatic.Add(f);
                if (f.Rule == RuleIds.CtcInfeasible && f.Severity == Severity.Critical)
                    carried = StaticRules.CtcFix(input);
            }
        }
    }

    /// <summary>
    /// A critical ctc_infeasible's fix, which every other finding's train command carries: a restart that only trains longer
    /// or regularises more would meet the same short clips (a new user's trial: underfitting's restart lacked the stride fix).
    /// </summary>
    readonly IReadOnlyList<(string Name, object Value)> carried = [];

    /// <summary>The live log's train commands (without their folder) and the folder each was given (<see cref="Observe"/>).</summary>
    readonly Dictionary<string, string> liveFolders = new(StringComparer.Ordinal);

    /// <summary>The thresholds in use.</summary>
    public DoctorOptions Options => options;

    /// <summary>The static context given at creation.</summary>
    public RunContext Context => context;

    /// <summary>The epochs observed so far, in epoch order.</summary>
    public IReadOnlyList<EpochMetrics> History => history;

    /// <summary>The findings that hold now (one per rule, latest evidence), most serious first.</summary>
    public IReadOnlyList<Finding> Findings =>
        TrainCommandBuilder.SeparateRunFolders(active.Values.OrderByDescending(f => f.Severity).ThenBy(f => IndexOf(f.Rule)).ToList());

    /// <summary>Every finding returned by <see cref="Observe"/> so far, in order (the live log).</summary>
    public IReadOnlyList<Finding> Raised => raised;

    /// <summary>stop if a critical finding holds, continue if a warning does, else healthy.</summary>
    public Verdict Verdict =>
        active.Values.Any(f => f.Severity == Severity.Critical) ? Verdict.Stop
        : active.Values.Any(f => f.Severity == Severity.Warning) ? Verdict.Continue
        : Verdict.Healthy;

    /// <summary>
    /// Adds one epoch and evaluates every rule on the history so far. Returns the findings that are
    /// new this epoch: a rule firing for the first time, or at a higher severity than before.
    /// Observing an epoch again (a resumed run) replaces the earlier metrics of that epoch.
    /// </summary>
    public IReadOnlyList<Finding> Observe(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        // A resumed run re-observes epochs: forget the old metrics from that epoch on.
        history.RemoveAll(m => m.Epoch >= metrics.Epoch);
        history.Add(metrics);

        var fresh = new List<Finding>(pendingStatic);
        pendingStatic.Clear();
        var input = new RuleInput(history, context, options) { Carried = carried };
        var epochRuleIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in EpochRules)
        {
            if (rule(input) is not { } f) continue;
            epochRuleIds.Add(f.Rule);
            if (Record(f)) fresh.Add(active[f.Rule]);
        }
        if (reportedNonFinite is not null) epochRuleIds.Add(RuleIds.NonFinite);
        // Epoch rules that no longer fire are resolved (e.g. a spike that passed); context rules stay.
        foreach (var id in active.Keys.Where(k => IsEpochRule(k) && !epochRuleIds.Contains(k)).ToList())
            active.Remove(id);
        // Each distinct train command of the live log its own folder, numbered against every command printed before (a
        // finding's three restarts had shared one folder, and the second was then refused as a run already there).
        fresh = [.. TrainCommandBuilder.SeparateRunFolders(fresh, liveFolders)];
        raised.AddRange(fresh);
        return fresh;
    }

    /// <summary>
    /// Records a non-finite loss or activation found by the trainer (e.g. with <see cref="NonFiniteProbe"/>)
    /// and returns the critical finding to print. <paramref name="module"/> is the first module whose output
    /// was not finite, or null if unknown; <paramref name="quantity"/> names what was not finite (e.g. "train_loss").
    /// </summary>
    public Finding ReportNonFinite(int epoch, long? step, string? module, string quantity = "train_loss", double value = double.NaN)
    {
        var f = NonFiniteRule.Build(new RuleInput(history.Count > 0 ? history : [new EpochMetrics { Epoch = epoch, TrainLoss = value }], context, options),
            epoch, step, module, quantity, value);
        Record(f, force: true);
        reportedNonFinite = f;
        raised.Add(f);
        return f;
    }

    /// <summary>A run that ended in an error other than a non-finite value (its summary says 'failed'): a critical finding with the cause.</summary>
    public Finding ReportFailure(string cause)
    {
        int? epoch = history.Count > 0 ? history[^1].Epoch : null;
        var f = new Finding
        {
            Rule = RuleIds.Failed,
            Severity = Severity.Critical,
            Epoch = epoch,
            Title = $"the run failed: {cause}",
            Evidence = [],
            Explanation = "The run stopped with an error before it finished; the metrics of its complete epochs may look fine, but the run is not.",
            Actions = [new("Fix the cause above, then continue from the last good checkpoint with --resume.")],
        };
        Record(f, force: true);
        raised.Add(f);
        return f;
    }

    /// <summary>
    /// True when a critical finding holds (the run will not improve as configured); <paramref name="reason"/>
    /// is one line for the run summary, e.g. "doctor: blank_collapse: 97% of frames blank ... (epoch 6)".
    /// </summary>
    public bool ShouldStop(out string reason)
    {
        var critical = Findings.FirstOrDefault(f => f.Severity == Severity.Critical);
        reason = critical is null ? "" : $"doctor: {critical.Rule}: {critical.Title}"
            + (critical.Epoch is { } e && !critical.Title.Contains($"epoch {e}") ? $" (epoch {e})" : "");
        return critical is not null;
    }

    /// <summary>Replays a finished history (any order; sorted by epoch) and returns the monitor holding the diagnosis.</summary>
    public static HealthMonitor Diagnose(IEnumerable<EpochMetrics> history, RunContext? context = null, DoctorOptions? options = null)
    {
        var monitor = new HealthMonitor(context, options);
        var sorted = history.OrderBy(m => m.Epoch).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Epoch == sorted[i - 1].Epoch)
                throw new GlossaException($"history: epoch {sorted[i].Epoch} appears twice; keep one line per epoch");
        foreach (var m in sorted)
            monitor.Observe(m);
        return monitor;
    }

    /// <summary>Stores the finding as the active one of its rule; true if it is new or more severe than any reported before for its rule.</summary>
    bool Record(Finding f, bool force = false)
    {
        // The trainer's own non-finite report names the module; keep it over the history-based one.
        if (!force && reportedNonFinite is not null && f.Rule == RuleIds.NonFinite) return false;
        if (!firstEpoch.ContainsKey(f.Rule)) firstEpoch[f.Rule] = f.Epoch;
        var stamped = f with { FirstEpoch = firstEpoch[f.Rule] };
        bool higher = !reported.TryGetValue(f.Rule, out var before) || f.Severity > before;
        if (higher) reported[f.Rule] = f.Severity;
        active[f.Rule] = stamped;
        return force || higher;
    }

    static bool IsEpochRule(string rule) => rule is not (RuleIds.CtcInfeasible or RuleIds.DataMismatch);

    static int IndexOf(string rule)
    {
        int i = RuleIds.All.ToList().IndexOf(rule);
        return i < 0 ? int.MaxValue : i;
    }
}
