using System.Text;

namespace Glossa.Common;

/// <summary>
/// Text files read strictly as UTF-8 (ASCII is UTF-8; a byte-order mark is skipped). A file with bytes that are not UTF-8
/// (Latin-1 or GBK, common in older corpora) is refused in one line naming the file, line and byte: decoding it leniently
/// turns every such byte into U+FFFD, so distinct words (MÄDCHEN and MÖDCHEN in Latin-1) would become equal and a WER or a
/// vocabulary would be wrong without a word said (a new user's trial, 2026-12-07).
/// </summary>
public static class TextFile
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Throws a one-line <see cref="GlossaException"/> unless <paramref name="path"/> is a file: a folder is named as a
    /// folder, with the files of <paramref name="extensions"/> it holds (the file that was probably meant), a missing
    /// path as "<paramref name="what"/> not found". <paramref name="what"/> names the file's role ("reference file").
    /// </summary>
    public static void RequireFile(string path, string what, params string[] extensions)
    {
        if (File.Exists(path)) return;
        if (Directory.Exists(path))
        {
            var held = Directory.EnumerateFiles(path)
                .Where(f => extensions.Any(x => f.EndsWith(x, StringComparison.OrdinalIgnoreCase)))
                .Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
            string kinds = string.Join(" or ", extensions);
            string hint = held.Count == 0 ? $"give the {kinds} file itself (it holds none)"
                : held.Count == 1 ? $"give the file itself, e.g. {Path.Combine(path, held[0])}"
                : $"give one of its {kinds} files ({string.Join(", ", held.Take(4))}{(held.Count > 4 ? ", ..." : "")}), e.g. {Path.Combine(path, held[0])}";
            throw new GlossaException($"{path}: is a folder, not a {what}; {hint}");
        }
        throw new GlossaException($"{path}: {what} not found");
    }

    /// <summary>The file's lines (split as <see cref="File.ReadLines(string)"/> splits them); <paramref name="what"/> names the file's role in the error.</summary>
    public static IReadOnlyList<string> ReadLines(string path, string what = "file")
    {
        byte[] bytes = File.ReadAllBytes(path);
        string text;
        try
        {
            text = Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            if (bytes is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
                throw new GlossaException($"{path}: the {what} is UTF-16 (its byte-order mark); Glossa reads UTF-8 text: convert it, e.g. iconv -f utf-16 -t utf-8", e);
            int at = Math.Clamp(e.Index, 0, Math.Max(0, bytes.Length - 1)), line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == (byte)'\n') line++;
            throw new GlossaException($"{path}:{line}: the {what} is not UTF-8 (byte 0x{(bytes.Length > 0 ? bytes[at] : 0):X2}); Glossa reads UTF-8 text, " +
                $"so that distinct words cannot merge: convert it, e.g. iconv -f latin1 -t utf-8 (German) or -f gb18030 (Chinese)", e);
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var lines = new List<string>();
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } l) lines.Add(l);
        return lines;
    }
}
