namespace Glossa.Corpora;

/// <summary>
/// Lists frame files without opening them: a glob like <c>id/1/*.png</c> resolved under a base
/// folder, or every image in a folder, sorted in natural order (digit runs compared as numbers,
/// so <c>fn10</c> follows <c>fn9</c> even without zero padding).
/// </summary>
internal static class FrameFolder
{
    /// <summary>Extensions accepted as frame images.</summary>
    public static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp"];

    /// <summary>Extensions accepted as video files (decoded through ffmpeg).</summary>
    public static readonly string[] VideoExtensions = [".mp4", ".avi", ".mkv", ".webm", ".mov", ".mpg", ".mpeg", ".m4v"];

    static readonly EnumerationOptions Options = new()
    {
        MatchType = MatchType.Simple,
        MatchCasing = MatchCasing.PlatformDefault,
        RecurseSubdirectories = false,
        IgnoreInaccessible = true,
        AttributesToSkip = 0,
    };

    public static bool IsImage(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    public static bool IsVideo(string path) =>
        VideoExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Every image file directly inside <paramref name="folder"/>, naturally sorted; empty if the folder is absent.</summary>
    public static List<string> ListImages(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        var files = Directory.EnumerateFiles(folder, "*", Options).Where(IsImage).ToList();
        files.Sort(NaturalComparer.Instance);
        return files;
    }

    /// <summary>
    /// Files matching a relative glob (<c>*</c> and <c>?</c> in any path component) under
    /// <paramref name="baseFolder"/>, naturally sorted by full path; empty if nothing matches.
    /// </summary>
    public static List<string> Glob(string baseFolder, string pattern)
    {
        string[] parts = pattern.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var folders = new List<string> { baseFolder };
        for (int i = 0; i < parts.Length - 1 && folders.Count > 0; i++)
        {
            string part = parts[i];
            var next = new List<string>();
            foreach (var f in folders)
            {
                if (!HasWildcard(part))
                {
                    string d = Path.Combine(f, part);
                    if (Directory.Exists(d)) next.Add(d);
                }
                else if (Directory.Exists(f))
                    next.AddRange(Directory.EnumerateDirectories(f, part, Options));
            }
            folders = next;
        }
        if (parts.Length == 0) return [];
        string last = parts[^1];
        var files = new List<string>();
        foreach (var f in folders)
        {
            if (!HasWildcard(last))
            {
                string p = Path.Combine(f, last);
                if (File.Exists(p)) files.Add(p);
            }
            else if (Directory.Exists(f))
                files.AddRange(Directory.EnumerateFiles(f, last, Options));
        }
        files.Sort(NaturalComparer.Instance);
        return files;
    }

    static bool HasWildcard(string s) => s.Contains('*') || s.Contains('?');

    /// <summary>Compares strings with digit runs ordered by value, then ordinally.</summary>
    public sealed class NaturalComparer : IComparer<string>
    {
        public static readonly NaturalComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
                {
                    int si = i, sj = j;
                    while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
                    while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
                    var a = x.AsSpan(si, i - si).TrimStart('0');
                    var b = y.AsSpan(sj, j - sj).TrimStart('0');
                    if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
                    int c = a.SequenceCompareTo(b);
                    if (c != 0) return c;
                }
                else
                {
                    if (x[i] != y[j]) return x[i].CompareTo(y[j]);
                    i++;
                    j++;
                }
            }
            int rest = (x.Length - i).CompareTo(y.Length - j);
            return rest != 0 ? rest : string.CompareOrdinal(x, y);
        }
    }
}
