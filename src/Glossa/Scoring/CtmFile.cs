using System.Globalization;
using System.Text;
using Glossa.Common;

namespace Glossa.Scoring;

/// <summary>
/// sclite's CTM hypothesis format, one word per line: <c>id channel start duration word [confidence]</c>.
/// Peers write start = i/100 and duration = (i+1)/100 for the i-th gloss of an utterance.
/// </summary>
public static class CtmFile
{
    /// <summary>Reads a CTM. Words of an id are ordered by start time (file order among equal starts); an id's lines must be contiguous.</summary>
    public static HypothesisSet Read(string path)
    {
        TextFile.RequireFile(path, "hypothesis file", ".ctm");
        // Ids compare as sclite compares them: ASCII letters without case (STM U1 and CTM u1 are one utterance).
        var timed = new Dictionary<string, List<(double Start, string Word)>>(AsciiCase.Comparer);
        var lines = new Dictionary<string, int>(AsciiCase.Comparer);
        List<(double Start, string Word)>? current = null;
        string? currentId = null;
        Span<Range> f = stackalloc Range[7];
        int lineNo = 0;
        foreach (string raw in TextFile.ReadLines(path, "hypothesis file"))
        {
            lineNo++;
            var line = raw.AsSpan().Trim();
            if (line.IsEmpty || line.StartsWith(";;")) continue;
            int n = line.SplitAny(f, " \t", StringSplitOptions.RemoveEmptyEntries);
            // NIST's CTM: a confidence (a number or NA) may follow the word, and further fields (a type, a speaker); scoring
            // ignores them all, as sclite does (it reads no confidence, so any value passes).
            if (n < 5
                || !double.TryParse(line[f[2]], NumberStyles.Float, CultureInfo.InvariantCulture, out double start)
                || !double.TryParse(line[f[3]], NumberStyles.Float, CultureInfo.InvariantCulture, out double duration))
                throw new GlossaException($"{path}:{lineNo}: not a CTM line (expected 'id channel start duration word [confidence]'): '{StmFile.Shorten(raw.Trim())}'");
            // A NaN start would reorder the words silently (every comparison with NaN is false).
            if (!double.IsFinite(start) || start < 0 || !double.IsFinite(duration) || duration < 0)
                throw new GlossaException($"{path}:{lineNo}: start {line[f[2]]} and duration {line[f[3]]} must be finite and not negative: '{StmFile.Shorten(raw.Trim())}'");
            var id = line[f[0]];
            if (currentId is null || !ScliteAligner.WordsEqual(id.ToString(), currentId))
            {
                currentId = id.ToString();
                if (!lines.TryAdd(currentId, lineNo))
                    throw new GlossaException($"{path}:{lineNo}: utterance id '{currentId}' reappears after other ids (first on line {lines[currentId]}); keep each utterance's lines together");
                current = [];
                timed[currentId] = current;
            }
            current!.Add((start, line[f[4]].ToString()));
        }
        var words = new Dictionary<string, IReadOnlyList<string>>(timed.Count, AsciiCase.Comparer);
        foreach (var (id, list) in timed)
        {
            // Stable sort by start time (sclite takes words in file order, so the writer sorts).
            bool sorted = true;
            for (int i = 1; i < list.Count && sorted; i++) sorted = list[i - 1].Start <= list[i].Start;
            words[id] = sorted ? list.Select(x => x.Word).ToArray()
                : list.Select((x, i) => (x, i)).OrderBy(p => p.x.Start).ThenBy(p => p.i).Select(p => p.x.Word).ToArray();
        }
        return new HypothesisSet(path, words, lines);
    }

    /// <summary>
    /// Writes hypotheses in the order of <paramref name="references"/> (sclite walks STM and CTM
    /// together), one gloss per line with the peers' timing; utterances without words get
    /// <c>id 1 0.000 0.030 [EMPTY]</c> when <paramref name="fillEmpty"/>, else no line.
    /// Hypothesis ids absent from the reference are an error.
    /// </summary>
    public static void Write(TextWriter w, IReadOnlyList<Utterance> references, IReadOnlyDictionary<string, IReadOnlyList<string>> hypotheses, bool fillEmpty = true)
    {
        var known = new HashSet<string>(references.Select(r => r.Id), AsciiCase.Comparer);
        foreach (string id in hypotheses.Keys)
            if (!known.Contains(id)) throw new GlossaException($"hypothesis id '{id}' is not in the reference");
        foreach (var u in references)
        {
            StmFile.CheckToken(u.Id, "utterance id");
            var words = hypotheses.TryGetValue(u.Id, out var h) ? h : [];
            if (words.Count == 0)
            {
                if (fillEmpty) w.Write($"{u.Id} 1 0.000 0.030 {WerScorer.EmptyWord}\n");
                continue;
            }
            for (int i = 0; i < words.Count; i++)
            {
                StmFile.CheckToken(words[i], $"word of '{u.Id}'");
                w.Write(Line(u.Id, i / 100.0, (i + 1) / 100.0, words[i]) + "\n");
            }
        }
    }

    /// <summary>Writes a CTM file (see <see cref="Write(TextWriter, IReadOnlyList{Utterance}, IReadOnlyDictionary{string, IReadOnlyList{string}}, bool)"/>).</summary>
    public static void Write(string path, IReadOnlyList<Utterance> references, IReadOnlyDictionary<string, IReadOnlyList<string>> hypotheses, bool fillEmpty = true)
    {
        SafeWrite.Stream(path, s => { using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true); Write(w, references, hypotheses, fillEmpty); });
    }

    /// <summary>A CTM confidence field as a hypothesis file's shape test reads it: a number (inf and nan too), or NA (NIST's "not available").</summary>
    internal static bool IsConfidence(ReadOnlySpan<char> field) =>
        field.Equals("NA", StringComparison.OrdinalIgnoreCase) || field.Equals("inf", StringComparison.OrdinalIgnoreCase) ||
        field.Equals("-inf", StringComparison.OrdinalIgnoreCase) || double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>One CTM line on channel 1, times in seconds with three decimals.</summary>
    public static string Line(string id, double start, double duration, string word) =>
        string.Format(CultureInfo.InvariantCulture, "{0} 1 {1:F3} {2:F3} {3}", id, start, duration, word);

    /// <summary>
    /// A CTM utterance id for an input video or frame folder: its name without extension, blanks replaced;
    /// for a PHOENIX frame folder ID/1/ the clip's name, not the "1".
    /// </summary>
    public static string UtteranceId(string input)
    {
        string trimmed = input.TrimEnd('/');
        string name = Path.GetFileNameWithoutExtension(trimmed);
        if (Directory.Exists(trimmed) && name.All(char.IsDigit) && Path.GetFileName(Path.GetDirectoryName(trimmed)) is { Length: > 0 } parent)
            name = parent;
        return string.IsNullOrEmpty(name) ? "input" : name.Replace(' ', '_');
    }
    /// <summary>
    /// <see cref="UtteranceId"/> of each input, made unique: an input whose id an earlier one already has (a/clip.mp4 and
    /// b/clip.mp4, or one input given twice) gets <c>-2</c>, <c>-3</c>, ... appended, so no two inputs' CTM lines merge.
    /// </summary>
    public static IReadOnlyList<string> UtteranceIds(IReadOnlyList<string> inputs)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var ids = new List<string>(inputs.Count);
        foreach (string input in inputs)
        {
            string id = UtteranceId(input), unique = id;
            for (int k = 2; !taken.Add(unique); k++) unique = $"{id}-{k}";
            ids.Add(unique);
        }
        return ids;
    }

}
