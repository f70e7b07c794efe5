namespace Glossa.Bench;

/// <summary>What one benchmark reports into the document (kept as JSON beside it, so --only can rerun some and keep the rest).</summary>
/// <param name="Name">The benchmark's name (loader, decode, ...).</param>
/// <param name="Title">What it measures.</param>
/// <param name="Commands">The commands a user runs to repeat it, from the repository root.</param>
/// <param name="Body">Its markdown: tables and notes.</param>
/// <param name="Targets">The targets it judges.</param>
/// <param name="Load">The load average before and after it ran.</param>
/// <param name="Seconds">How long it ran.</param>
public sealed record BenchSection(string Name, string Title, IReadOnlyList<string> Commands, string Body, IReadOnlyList<BenchTarget> Targets, string Load, double Seconds)
{
    /// <summary>When the benchmark ran (UTC); sections kept from an earlier run keep their own time.</summary>
    public DateTime MeasuredUtc { get; init; }
}
