using System.Globalization;
using System.Text;
using Glossa.Common;

namespace Glossa.Decoding;

/// <summary>
/// A back-off n-gram language model read from an ARPA file (orders 1-4, up to 65,534 words),
/// scored in natural logs. A context state packs the most recent words into a <see cref="ulong"/>
/// (16 bits per word), so the beam search can store it per prefix without allocation.
/// </summary>
public sealed class ArpaLanguageModel
{
    const int Bits = 16;
    const ulong WordMask = (1UL << Bits) - 1;
    static readonly double Ln10 = Math.Log(10);

    readonly Dictionary<string, int> words = new(StringComparer.Ordinal);
    // ngrams[k] maps a packed k-gram (oldest word in the highest bits) to (ln prob, ln back-off).
    readonly Dictionary<ulong, (float LogProb, float Backoff)>[] ngrams;
    readonly ulong stateMask;

    ArpaLanguageModel(int order)
    {
        Order = order;
        ngrams = new Dictionary<ulong, (float, float)>[order + 1];
        for (int k = 1; k <= order; k++) ngrams[k] = new();
        stateMask = order == 1 ? 0 : (order - 1) * Bits >= 64 ? ulong.MaxValue : (1UL << ((order - 1) * Bits)) - 1;
    }

    /// <summary>Highest n-gram order.</summary>
    public int Order { get; }

    /// <summary>Number of distinct words (unigrams).</summary>
    public int WordCount => words.Count;

    /// <summary>Natural-log probability used for a word the model does not know and that has no &lt;unk&gt; entry (log10 = -10).</summary>
    public double UnknownLogProb { get; init; } = -10 * Math.Log(10);

    /// <summary>Word id of <paramref name="word"/>, or -1 when unknown (the &lt;unk&gt; id if the model has one).</summary>
    public int WordId(string word) =>
        words.TryGetValue(word, out int id) ? id : words.TryGetValue("<unk>", out int unk) ? unk : -1;

    /// <summary>The state after the sentence start &lt;s&gt;.</summary>
    public ulong StartState => words.TryGetValue("<s>", out int s) ? Push(0, s) : 0;

    /// <summary>Id of the sentence end &lt;/s&gt;, or -1.</summary>
    public int EndId => words.TryGetValue("</s>", out int e) ? e : -1;

    ulong Push(ulong state, int word) => ((state << Bits) | (ulong)(uint)(word + 1)) & stateMask;

    /// <summary>Natural-log P(word | state) with back-off, and the next state. A word id of -1 scores <see cref="UnknownLogProb"/> and clears the context.</summary>
    public double Score(ulong state, int word, out ulong next)
    {
        if (word < 0) { next = 0; return UnknownLogProb; }
        next = Push(state, word);
        ulong w = (ulong)(uint)(word + 1);
        int contextLength = 0;
        for (ulong s = state; s != 0; s >>= Bits) contextLength++;
        double backoff = 0;
        for (int k = contextLength; k >= 0; k--)
        {
            ulong context = k == 0 ? 0 : state & ((1UL << (k * Bits)) - 1);
            if (ngrams[k + 1].TryGetValue((context << Bits) | w, out var e)) return backoff + e.LogProb;
            if (k > 0 && ngrams[k].TryGetValue(context, out var c)) backoff += c.Backoff;
        }
        return UnknownLogProb;
    }

    /// <summary>Natural-log probability of a whole sentence, &lt;s&gt; and &lt;/s&gt; included.</summary>
    public double SentenceLogProb(IEnumerable<string> sentence)
    {
        ulong state = StartState;
        double total = 0;
        foreach (string w in sentence) total += Score(state, WordId(w), out state);
        if (EndId >= 0) total += Score(state, EndId, out _);
        return total;
    }

    /// <summary>Reads an ARPA file (\data\, \N-grams: sections, \end\).</summary>
    public static ArpaLanguageModel Load(string path)
    {
        TextFile.RequireFile(path, "language model file", ".arpa", ".lm");
        var lines = TextFile.ReadLines(path, "language model").ToArray();
        int i = 0;
        while (i < lines.Length && lines[i].Trim() != "\\data\\") i++;
        if (i == lines.Length) throw new GlossaException($"{path}: no \\data\\ header; not an ARPA language model");
        int order = 0;
        for (i++; i < lines.Length && lines[i].Trim().StartsWith("ngram ", StringComparison.Ordinal); i++)
        {
            var parts = lines[i].Trim()[6..].Split('=');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int n)) throw new GlossaException($"{path}:{i + 1}: malformed 'ngram N=count' line");
            order = Math.Max(order, n);
        }
        if (order is < 1 or > 4) throw new GlossaException($"{path}: n-gram order {order} is not supported (1 to 4)");
        var lm = new ArpaLanguageModel(order);
        int section = 0;
        var pending = new List<(int Line, int N, string[] Fields)>();
        for (; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0) continue;
            if (line == "\\end\\") break;
            if (line.StartsWith('\\'))
            {
                if (!line.EndsWith("-grams:", StringComparison.Ordinal) || !int.TryParse(line[1..^7], out section) || section < 1 || section > order)
                    throw new GlossaException($"{path}:{i + 1}: unexpected section header '{line}'");
                continue;
            }
            if (section == 0) throw new GlossaException($"{path}:{i + 1}: n-gram line outside a section");
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != section + 1 && f.Length != section + 2)
                throw new GlossaException($"{path}:{i + 1}: a {section}-gram line needs a log-prob, {section} words and an optional back-off");
            if (section == 1)
            {
                if (!lm.words.ContainsKey(f[1])) lm.words[f[1]] = lm.words.Count;
                if (lm.words.Count >= (int)WordMask) throw new GlossaException($"{path}: more than {WordMask - 1} words");
            }
            pending.Add((i + 1, section, f));
        }
        foreach (var (line, n, f) in pending) lm.Add(path, line, n, f);
        return lm;
    }

    void Add(string path, int line, int n, string[] f)
    {
        ulong key = 0;
        for (int k = 1; k <= n; k++)
        {
            if (!words.TryGetValue(f[k], out int id))
                throw new GlossaException($"{path}:{line}: word '{f[k]}' has no unigram entry");
            key = (key << Bits) | (ulong)(uint)(id + 1);
        }
        float logProb = ParseLog(path, line, f[0]);
        float backoff = f.Length == n + 2 ? ParseLog(path, line, f[n + 1]) : 0f;
        ngrams[n][key] = (logProb, backoff);
    }

    static float ParseLog(string path, int line, string s)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || double.IsNaN(v))
            throw new GlossaException($"{path}:{line}: '{s}' is not a log10 number");
        return (float)(v * Ln10);
    }
}
