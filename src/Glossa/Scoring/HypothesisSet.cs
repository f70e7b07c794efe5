using System.Text;
using Glossa.Common;

namespace Glossa.Scoring;

/// <summary>
/// Hypotheses read from a file (CTM or "id gloss gloss ..." text), remembering the line that
/// introduced each id so that errors can name it.
/// </summary>
public sealed class HypothesisSet
{
    readonly Dictionary<string, IReadOnlyList<string>> words;
    readonly Dictionary<string, int> lines;

    internal HypothesisSet(string path, Dictionary<string, IReadOnlyList<string>> words, Dictionary<string, int> lines)
    {
        Path = path;
        this.words = words;
        this.lines = lines;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Words per utterance id, in file order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Words => words;

    /// <summary>The 1-based line where <paramref name="id"/> first appears.</summary>
    public int LineOf(string id) => lines[id];

    /// <summary>Fails, naming the line, when an id is not among the reference utterances.</summary>
    public void CheckIds(IReadOnlyList<Utterance> references)
    {
        var known = new HashSet<string>(references.Select(r => r.Id), AsciiCase.Comparer);
        foreach (var (id, line) in lines.OrderBy(p => p.Value))
            if (!known.Contains(id))
                throw new GlossaException($"{Path}:{line}: utterance id '{id}' is not in the reference; check that hypothesis and reference come from the same split");
    }

    /// <summary>Reads a CTM (by extension .ctm or by content) or a text file of "id gloss gloss ..." lines.</summary>
    public static HypothesisSet Read(string path)
    {
        TextFile.RequireFile(path, "hypothesis file", ".ctm", ".txt");
        return LooksLikeCtm(path) ? CtmFile.Read(path) : ReadText(path);
    }

    /// <summary>Reads "id gloss gloss ..." lines; an id alone means an empty hypothesis; ids must be unique.</summary>
    public static HypothesisSet ReadText(string path)
    {
        TextFile.RequireFile(path, "hypothesis file", ".txt");
        var words = new Dictionary<string, IReadOnlyList<string>>(AsciiCase.Comparer);
        var lines = new Dictionary<string, int>(AsciiCase.Comparer);
        int lineNo = 0;
        foreach (string raw in TextFile.ReadLines(path, "hypothesis file"))
        {
            lineNo++;
            var f = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0 || f[0].StartsWith(";;", StringComparison.Ordinal)) continue;
            if (!lines.TryAdd(f[0], lineNo))
                throw new GlossaException($"{path}:{lineNo}: utterance id '{f[0]}' already appears on line {lines[f[0]]}; one line per utterance");
            words[f[0]] = f[1..];
        }
        return new HypothesisSet(path, words, lines);
    }

    /// <summary>
    /// CTM when named .ctm, or when every line has the CTM shape (id channel start duration word
    /// [confidence]). One line cannot decide: "n1 1 2 3 4" is also a text hypothesis of four numeric
    /// glosses. When every id is on one line only and every "word" is a number, the text reading
    /// is taken, since a CTM holds one line per word and numeric glosses are the exception.
    /// </summary>
    static bool LooksLikeCtm(string path)
    {
        if (path.EndsWith(".ctm", StringComparison.OrdinalIgnoreCase)) return true;
        var ids = new HashSet<string>(AsciiCase.Comparer);
        bool anyLine = false, repeatedId = false, wordsAllNumbers = true;
        foreach (string raw in TextFile.ReadLines(path, "hypothesis file"))
        {
            var f = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0 || f[0].StartsWith(";;", StringComparison.Ordinal)) continue;
            bool ctmShaped = f.Length >= 5 && StmFile.IsNumber(f[2]) && StmFile.IsNumber(f[3]) && (f.Length == 5 || CtmFile.IsConfidence(f[5]));
            if (!ctmShaped) return false;
            anyLine = true;
            repeatedId |= !ids.Add(f[0]);
            wordsAllNumbers &= StmFile.IsNumber(f[4]);
        }
        return anyLine && (repeatedId || !wordsAllNumbers);
    }
}
