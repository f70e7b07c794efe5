using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// Collects the errors and warnings found while reading or checking a corpus. In strict mode
/// (training) the first error is thrown as a <see cref="GlossaException"/>; otherwise (the
/// <c>corpus check</c> command) every problem is kept so the user sees all of them at once.
/// Thread-safe, because frame checks run in parallel.
/// </summary>
public sealed class CorpusProblems
{
    readonly List<CorpusProblem> errors = [];
    readonly List<CorpusProblem> warnings = [];
    readonly Lock gate = new();

    /// <param name="strict">Throw the first error instead of collecting it.</param>
    public CorpusProblems(bool strict = false) => Strict = strict;

    /// <summary>True when the first error is thrown.</summary>
    public bool Strict { get; }

    /// <summary>
    /// Annotations only: rows whose frames are missing are kept (with no frames) instead of being
    /// an error. Scoring against a corpus split needs the glosses, not the frames.
    /// </summary>
    public bool FramesOptional { get; init; }

    /// <summary>
    /// When set, only these splits are read (and checked); the others are left out of the corpus
    /// unread. Evaluating the test split needs no dev or train rows, nor their faults.
    /// </summary>
    public IReadOnlySet<string>? OnlySplits { get; init; }

    /// <summary>True when <paramref name="split"/> is to be read.</summary>
    public bool Reads(string split) => OnlySplits is null || OnlySplits.Contains(split);

    /// <summary>Errors so far, in the order found (parallel checks are sorted by <see cref="Sort"/>).</summary>
    public IReadOnlyList<CorpusProblem> Errors { get { lock (gate) return errors.ToList(); } }

    /// <summary>Warnings so far.</summary>
    public IReadOnlyList<CorpusProblem> Warnings { get { lock (gate) return warnings.ToList(); } }

    /// <summary>True when at least one error was reported.</summary>
    public bool HasErrors { get { lock (gate) return errors.Count > 0; } }

    /// <summary>Reports an error; throws it in strict mode.</summary>
    public void Error(CorpusProblemKind kind, string file, int? line, string? sample, string message)
    {
        var p = new CorpusProblem(kind, file, line, sample, message);
        if (Strict) throw new GlossaException(p.ToString());
        lock (gate) errors.Add(p);
    }

    /// <summary>Reports a warning (never thrown).</summary>
    public void Warn(CorpusProblemKind kind, string file, int? line, string? sample, string message)
    {
        lock (gate) warnings.Add(new CorpusProblem(kind, file, line, sample, message));
    }

    /// <summary>Orders both lists by file, line and sample so parallel checks print reproducibly.</summary>
    public void Sort()
    {
        static int Cmp(CorpusProblem a, CorpusProblem b)
        {
            int c = string.CompareOrdinal(a.File, b.File);
            if (c != 0) return c;
            c = (a.Line ?? 0).CompareTo(b.Line ?? 0);
            return c != 0 ? c : string.CompareOrdinal(a.Sample, b.Sample);
        }
        lock (gate)
        {
            errors.Sort(Cmp);
            warnings.Sort(Cmp);
        }
    }
}
