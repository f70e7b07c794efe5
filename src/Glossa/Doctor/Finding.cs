namespace Glossa.Doctor;

/// <summary>
/// One diagnosis: which rule fired, how serious it is, the numbers behind it, a plain
/// explanation and what to do.
/// </summary>
public sealed record Finding
{
    /// <summary>The rule id, one of <see cref="RuleIds"/>.</summary>
    public required string Rule { get; init; }
    /// <summary>How serious it is.</summary>
    public required Severity Severity { get; init; }
    /// <summary>The epoch whose metrics raised the finding in this form (null for static findings made before training).</summary>
    public int? Epoch { get; init; }
    /// <summary>The first epoch in which the rule fired at any severity (how early Glossa saw it).</summary>
    public int? FirstEpoch { get; init; }
    /// <summary>A one-line summary, e.g. "97% of frames are blank for 6 epochs".</summary>
    public required string Title { get; init; }
    /// <summary>The numbers (and epochs) the finding rests on.</summary>
    public required IReadOnlyList<Evidence> Evidence { get; init; }
    /// <summary>What is happening and why, in plain words.</summary>
    public required string Explanation { get; init; }
    /// <summary>What to do, most useful first.</summary>
    public required IReadOnlyList<FindingAction> Actions { get; init; }

    /// <summary>The finding as a few log lines for the console and training.log.</summary>
    public IEnumerable<string> ToLogLines()
    {
        string where = Epoch is { } e ? $"epoch {e}: " : "";
        yield return $"[doctor] {SeverityName(Severity).ToUpperInvariant()} {Rule}: {where}{Title}";
        if (Evidence.Count > 0)
            yield return "[doctor]   evidence: " + string.Join("; ", Evidence.Select(x => x.ToString()));
        foreach (var a in Actions)
        {
            yield return "[doctor]   - " + a.Description;
            if (a.Command is not null)
                yield return "[doctor]     " + a.Command;
        }
    }

    /// <summary>The lower-case name used in JSON and reports (critical, warning, info).</summary>
    public static string SeverityName(Severity s) => s switch
    {
        Severity.Critical => "critical",
        Severity.Warning => "warning",
        _ => "info",
    };

    /// <summary>The lower-case name of a verdict (stop, continue, healthy).</summary>
    public static string VerdictName(Verdict v) => v switch
    {
        Verdict.Stop => "stop",
        Verdict.Continue => "continue",
        _ => "healthy",
    };
}
