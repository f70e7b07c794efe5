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
    // Files that are not UTF-8: where the first such byte is, and how many lines hold one; reported once per file.
    readonly Dictionary<string, (int Line, byte Value, int Lines)> notUtf8 = new(StringComparer.Ordinal);
    readonly HashSet<string> encodingErrors = new(StringComparer.Ordinal);

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

    /// <summary>
    /// An annotation file that is not UTF-8 (Latin-1, GBK): one warning for the file, which <see cref="EncodingError"/>
    /// turns into an error when a sample's glosses hold such bytes.
    /// </summary>
    internal void NotUtf8(string file, int firstLine, byte value, int lines)
    {
        lock (gate) notUtf8[file] = (firstLine, value, lines);
        Warn(CorpusProblemKind.InvalidEncoding, file, firstLine, null,
            $"the file is not UTF-8 (byte 0x{value:X2}; {Words.Count(lines, "line")} with such bytes, outside the glosses: a signer name or path loses the character); {ResaveAdvice}");
    }

    /// <summary>What to do with a file that is not UTF-8.</summary>
    internal const string ResaveAdvice = "re-save the file as UTF-8, e.g. iconv -f latin1 -t utf-8 (German, PHOENIX) or iconv -f gb18030 -t utf-8 (Chinese, CSL-Daily)";

    /// <summary>
    /// The glosses of <paramref name="sample"/> at <paramref name="file"/>:<paramref name="line"/> hold bytes that are not
    /// UTF-8. One finding per file: the first such sample replaces the file's warning with an error (thrown in strict
    /// mode, as training and evaluation read), later samples of the file add nothing (a Latin-1 PHOENIX file was
    /// reported as a warning and then once per sample).
    /// </summary>
    internal void EncodingError(string file, int line, string? sample)
    {
        (int Line, byte Value, int Lines) bad;
        lock (gate)
        {
            if (!notUtf8.TryGetValue(file, out bad))
                bad = default;
            else if (!encodingErrors.Add(file))
                return;
            else
                warnings.RemoveAll(w => w.Kind == CorpusProblemKind.InvalidEncoding && w.File == file && w.Sample is null);
        }
        Error(CorpusProblemKind.InvalidEncoding, file, line, sample, bad.Lines == 0
            ? "the glosses hold U+FFFD, the mark of bytes that were not UTF-8 when the file was made; distinct glosses would merge into one: restore them from the original file"
            : $"the file is not UTF-8 (byte 0x{bad.Value:X2} on line {bad.Line}; {Words.Count(bad.Lines, "line")} with such bytes), so its glosses would become U+FFFD and distinct glosses would merge; {ResaveAdvice}");
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
