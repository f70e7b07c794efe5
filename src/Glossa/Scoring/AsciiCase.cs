namespace Glossa.Scoring;

/// <summary>
/// sclite's case rule for words, utterance ids and speakers: ASCII letters compare without case, every other character
/// (and byte) exactly. sclite also prints speakers in lower case, so per-speaker rows of SpkA and spka are one row, spka,
/// and changes only ASCII letters when it prints words in upper or lower case (ÄRZTIN stays Ärztin in lower case).
/// </summary>
public sealed class AsciiCase : IEqualityComparer<string>
{
    /// <summary>The comparer for dictionaries keyed by utterance id or speaker.</summary>
    public static AsciiCase Comparer { get; } = new();

    /// <summary><paramref name="s"/> with ASCII capitals lowered (other characters unchanged).</summary>
    public static string Lower(string s)
    {
        if (!s.Any(c => c is >= 'A' and <= 'Z')) return s;
        return string.Create(s.Length, s, (span, src) =>
        {
            for (int i = 0; i < src.Length; i++) span[i] = src[i] is >= 'A' and <= 'Z' ? (char)(src[i] + 32) : src[i];
        });
    }

    /// <summary><paramref name="s"/> with ASCII small letters raised (other characters unchanged: sclite prints MäDCHEN, not MÄDCHEN).</summary>
    public static string Upper(string s)
    {
        if (!s.Any(c => c is >= 'a' and <= 'z')) return s;
        return string.Create(s.Length, s, (span, src) =>
        {
            for (int i = 0; i < src.Length; i++) span[i] = src[i] is >= 'a' and <= 'z' ? (char)(src[i] - 32) : src[i];
        });
    }

    /// <inheritdoc/>
    public bool Equals(string? x, string? y) => x is null || y is null ? x == y : ScliteAligner.WordsEqual(x, y);

    /// <inheritdoc/>
    public int GetHashCode(string s)
    {
        var h = new HashCode();
        foreach (char c in s) h.Add(c is >= 'a' and <= 'z' ? (char)(c - 32) : c);
        return h.ToHashCode();
    }
}
