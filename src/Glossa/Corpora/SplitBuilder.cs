using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// Accumulates the samples of one split, rejecting duplicate ids (the first declaration wins and
/// the duplicate is reported with both locations).
/// </summary>
internal sealed class SplitBuilder(string split, CorpusProblems problems)
{
    readonly List<Sample> samples = [];
    readonly Dictionary<string, string> seen = new(StringComparer.Ordinal);

    public string Split { get; } = split;

    public IReadOnlyList<Sample> Samples => samples;

    /// <summary>True if <paramref name="id"/> is new in this split; otherwise reports a duplicate.</summary>
    public bool Claim(string id, string file, int line)
    {
        if (seen.TryGetValue(id, out var first))
        {
            problems.Error(CorpusProblemKind.DuplicateId, file, line, id,
                $"id already declared at {first} in split '{Split}'; remove or rename one of the two rows");
            return false;
        }
        seen[id] = $"{file}:{line}";
        return true;
    }

    public void Add(Sample sample) => samples.Add(sample);

    int emptySigners;
    string? firstEmptySigner;

    /// <summary>
    /// The signer of a row whose signer column holds <paramref name="field"/>: "unknown" when it is empty, counted so that
    /// <see cref="WarnEmptySigners"/> can say so once for the split (an empty signer passed silently).
    /// </summary>
    public string Signer(string field, string file, int line)
    {
        string signer = field.Trim();
        if (signer.Length > 0) return signer;
        if (emptySigners++ == 0) firstEmptySigner = $"{file}:{line}";
        return "unknown";
    }

    /// <summary>One warning for the split's rows with an empty signer column, naming the first.</summary>
    public void WarnEmptySigners()
    {
        if (emptySigners == 0) return;
        var (file, line) = CorpusChecker.SplitSource(firstEmptySigner!);
        problems.Warn(CorpusProblemKind.MissingSigner, file, line, null,
            $"split '{Split}': {Words.Count(emptySigners, "row")} with an empty signer column (the first here): they count as one signer, " +
            "'unknown', whom the signer counts leave out, so whether they sign in train cannot be told (signer-independent figures); fill in the signer");
    }

    /// <summary>
    /// <see cref="SplitGlosses"/> of a sample's gloss field, with an error when the field held bytes that are not UTF-8: they
    /// became U+FFFD, and glosses that differ only there would merge into one class (a new user's GBK-encoded CSL-Daily
    /// file went from 8 glosses to 4 with only a warning).
    /// </summary>
    public static string[] Glosses(string field, CorpusProblems problems, string file, int line, string? id)
    {
        if (field.Contains('\uFFFD'))
            problems.EncodingError(file, line, id);
        return SplitGlosses(field);
    }

    /// <summary>Splits a gloss field on any whitespace run (PHOENIX has double spaces).</summary>
    public static string[] SplitGlosses(string field) =>
        field.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Reads a text file's lines as UTF-8, stripping a BOM and carriage returns. Bytes that are not
    /// UTF-8 are reported (first line and count) to <paramref name="problems"/>, not silently
    /// turned into U+FFFD glosses.
    /// </summary>
    public static string[] ReadLines(string path, CorpusProblems? problems = null)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string text;
        try
        {
            text = Strict.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            text = System.Text.Encoding.UTF8.GetString(bytes);
            int at = Math.Max(0, e.Index), line = 1;
            for (int i = 0; i < at && i < bytes.Length; i++) if (bytes[i] == (byte)'\n') line++;
            problems?.NotUtf8(path, line, at < bytes.Length ? bytes[at] : (byte)0, text.Split('\n').Count(l => l.Contains('\uFFFD')));
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1];
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].EndsWith('\r')) lines[i] = lines[i][..^1];
        return lines;
    }

    static readonly System.Text.UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
