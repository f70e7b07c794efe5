using System.Globalization;
using System.Text;
using Glossa.Common;

namespace Glossa.Scoring;

/// <summary>
/// sclite's STM reference format: <c>id channel speaker start end [&lt;labels&gt;] words...</c>,
/// ";;" comment lines. The official PHOENIX references use start 0.0 and end 1.79769e+308.
/// </summary>
public static class StmFile
{
    /// <summary>End time the official scripts write (the largest double).</summary>
    public const string OpenEnd = "1.79769e+308";

    /// <summary>Reads an STM file; every utterance id must be unique.</summary>
    public static List<Utterance> Read(string path)
    {
        TextFile.RequireFile(path, "reference file", ".stm");
        var result = new List<Utterance>();
        var seen = new Dictionary<string, int>(AsciiCase.Comparer); // sclite's rule: U1 and u1 are one id
        int lineNo = 0;
        foreach (string raw in TextFile.ReadLines(path, "reference file"))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(";;", StringComparison.Ordinal)) continue;
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || !IsNumber(f[3]) || !IsNumber(f[4]))
                throw new GlossaException($"{path}:{lineNo}: not an STM line (expected 'id channel speaker start end words...'): '{Shorten(line)}'");
            double start = double.Parse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture), end = double.Parse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture);
            if (!double.IsFinite(start) || start < 0 || double.IsNaN(end) || end < start)
                throw new GlossaException($"{path}:{lineNo}: start {f[3]} and end {f[4]} must be numbers with 0 <= start <= end: '{Shorten(line)}'");
            int first = 5;
            if (first < f.Length && f[first].StartsWith('<'))
            {
                while (first < f.Length && !f[first].EndsWith('>')) first++;
                first++;
            }
            if (!seen.TryAdd(f[0], lineNo))
                throw new GlossaException($"{path}:{lineNo}: utterance id '{f[0]}' already appears on line {seen[f[0]]}; one STM line per utterance");
            result.Add(new Utterance(f[0], f[2], first < f.Length ? f[first..] : [], $"{path}:{lineNo}"));
        }
        return result;
    }

    /// <summary>Writes utterances as STM lines in the given order (channel 1, start 0.0, open end).</summary>
    public static void Write(TextWriter w, IEnumerable<Utterance> utterances)
    {
        foreach (var u in utterances)
        {
            CheckToken(u.Id, "utterance id");
            CheckToken(u.Speaker, "speaker");
            w.Write(u.Id); w.Write(" 1 "); w.Write(u.Speaker); w.Write(" 0.0 "); w.Write(OpenEnd);
            foreach (string word in u.Words) { w.Write(' '); w.Write(word); }
            w.Write('\n');
        }
    }

    /// <summary>Writes an STM file.</summary>
    public static void Write(string path, IEnumerable<Utterance> utterances)
    {
        SafeWrite.Stream(path, s => { using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true); Write(w, utterances); });
    }

    internal static void CheckToken(string s, string what)
    {
        if (s.Length == 0 || s.Any(char.IsWhiteSpace))
            throw new GlossaException($"{what} '{s}' is empty or contains whitespace; sclite files are space-separated");
    }

    internal static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>A line as quoted in an error: at most 80 characters, control characters (a binary file) shown as '?'.</summary>
    internal static string Shorten(string s)
    {
        string shown = string.Create(Math.Min(s.Length, 80), s, (span, text) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = char.IsControl(text[i]) || text[i] == '\uFFFD' ? '?' : text[i];
        });
        return s.Length <= 80 ? shown : shown[..77] + "...";
    }
}
