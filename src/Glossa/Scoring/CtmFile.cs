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
        if (!File.Exists(path)) throw new GlossaException($"{path}: hypothesis file not found");
        var timed = new Dictionary<string, List<(double Start, string Word)>>(StringComparer.Ordinal);
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        string? current = null;
        int lineNo = 0;
        foreach (string raw in File.ReadLines(path, Encoding.UTF8))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(";;", StringComparison.Ordinal)) continue;
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length is < 5 or > 6
                || !double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double start)
                || !StmFile.IsNumber(f[3]) || f.Length == 6 && !StmFile.IsNumber(f[5]))
                throw new GlossaException($"{path}:{lineNo}: not a CTM line (expected 'id channel start duration word [confidence]'): '{StmFile.Shorten(line)}'");
            string id = f[0];
            if (id != current)
            {
                if (!lines.TryAdd(id, lineNo))
                    throw new GlossaException($"{path}:{lineNo}: utterance id '{id}' reappears after other ids (first on line {lines[id]}); keep each utterance's lines together");
                timed[id] = [];
                current = id;
            }
            timed[id].Add((start, f[4]));
        }
        var words = new Dictionary<string, IReadOnlyList<string>>(timed.Count, StringComparer.Ordinal);
        foreach (var (id, list) in timed)
            words[id] = list.Select((x, i) => (x, i)).OrderBy(p => p.x.Start).ThenBy(p => p.i).Select(p => p.x.Word).ToArray();
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
        var known = new HashSet<string>(references.Select(r => r.Id), StringComparer.Ordinal);
        foreach (string id in hypotheses.Keys)
            if (!known.Contains(id)) throw new GlossaException($"hypothesis id '{id}' is not in the reference");
        var inv = CultureInfo.InvariantCulture;
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
                w.Write(string.Format(inv, "{0} 1 {1:F3} {2:F3} {3}\n", u.Id, i / 100.0, (i + 1) / 100.0, words[i]));
            }
        }
    }

    /// <summary>Writes a CTM file (see <see cref="Write(TextWriter, IReadOnlyList{Utterance}, IReadOnlyDictionary{string, IReadOnlyList{string}}, bool)"/>).</summary>
    public static void Write(string path, IReadOnlyList<Utterance> references, IReadOnlyDictionary<string, IReadOnlyList<string>> hypotheses, bool fillEmpty = true)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        Write(w, references, hypotheses, fillEmpty);
    }
}
