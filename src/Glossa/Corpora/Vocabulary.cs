using System.Text;
using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// Gloss vocabulary with the CTC blank at index 0. Built from the training split (sorted
/// ordinally, so the same corpus always gives the same indices), saved as UTF-8 text, one token
/// per line, the first line being the blank token.
/// </summary>
public sealed class Vocabulary
{
    /// <summary>Index of the CTC blank.</summary>
    public const int Blank = 0;

    /// <summary>Token written for the blank in vocabulary files.</summary>
    public const string BlankToken = "<blank>";

    readonly List<string> tokens;
    readonly Dictionary<string, int> index;

    Vocabulary(List<string> tokens)
    {
        this.tokens = tokens;
        index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
        {
            if (!index.TryAdd(tokens[i], i))
                throw new GlossaException($"vocabulary: token '{tokens[i]}' appears twice (line {i + 1}); each gloss must be listed once");
        }
    }

    /// <summary>Number of classes, blank included (the model's output size).</summary>
    public int Count => tokens.Count;

    /// <summary>Number of glosses, blank excluded.</summary>
    public int GlossCount => tokens.Count - 1;

    /// <summary>All tokens, blank first.</summary>
    public IReadOnlyList<string> Tokens => tokens;

    /// <summary>The token of class <paramref name="id"/>.</summary>
    public string this[int id] => tokens[id];

    /// <summary>Builds the vocabulary from the glosses of the given samples (normally the training split).</summary>
    public static Vocabulary Build(IEnumerable<Sample> samples)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in samples)
            foreach (var g in s.Glosses)
                set.Add(g);
        set.Remove(BlankToken);
        var list = new List<string>(set.Count + 1) { BlankToken };
        list.AddRange(set);
        return new Vocabulary(list);
    }

    /// <summary>Builds a vocabulary from an explicit token list (blank excluded).</summary>
    public static Vocabulary FromGlosses(IEnumerable<string> glosses)
    {
        var list = new List<string> { BlankToken };
        list.AddRange(glosses);
        return new Vocabulary(list);
    }

    /// <summary>Class index of a gloss, or -1 when the gloss is outside the vocabulary.</summary>
    public int IndexOf(string gloss) => index.TryGetValue(gloss, out int i) ? i : -1;

    /// <summary>True if the gloss has a class.</summary>
    public bool Contains(string gloss) => index.ContainsKey(gloss);

    /// <summary>
    /// Encodes a gloss sequence. Glosses outside the vocabulary are skipped and counted in
    /// <paramref name="unknown"/> (the caller reports them; evaluation never crashes on them).
    /// </summary>
    public int[] Encode(IEnumerable<string> glosses, out int unknown)
    {
        var ids = new List<int>();
        unknown = 0;
        foreach (var g in glosses)
        {
            int i = IndexOf(g);
            if (i > 0) ids.Add(i);
            else unknown++;
        }
        return ids.ToArray();
    }

    /// <summary>Decodes class indices to glosses, dropping blanks.</summary>
    public string[] Decode(IEnumerable<int> ids) =>
        ids.Where(i => i != Blank).Select(i => tokens[i]).ToArray();

    /// <summary>Writes the vocabulary atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, string.Join('\n', tokens) + "\n", new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads a vocabulary written by <see cref="Save"/>.</summary>
    public static Vocabulary Load(string path)
    {
        TextFile.RequireFile(path, "vocabulary file", ".txt");
        var lines = TextFile.ReadLines(path, "vocabulary").ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0 || lines[0] != BlankToken)
            throw new GlossaException($"{path}:1: a vocabulary file must start with the blank token '{BlankToken}'");
        for (int i = 1; i < lines.Count; i++)
            if (string.IsNullOrWhiteSpace(lines[i]) || lines[i].Contains(' '))
                throw new GlossaException($"{path}:{i + 1}: empty or space-containing gloss; one gloss per line");
        return new Vocabulary(lines);
    }
}
