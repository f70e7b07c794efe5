using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// Reads Glossa's generic manifest: a UTF-8 text file with a header naming the columns
/// (<c>id|split|path|signer|glosses</c>, any order, <c>signer</c> optional, extra columns ignored),
/// separated by <c>|</c> (or tabs when the header has tabs and no <c>|</c>). <c>path</c> is a folder
/// of frame images or a video file, relative to the manifest. Blank lines and lines starting with
/// <c>#</c> are ignored. See docs/corpus-formats.md.
/// </summary>
internal static class ManifestReader
{
    /// <summary>File names looked for when a folder is given.</summary>
    public static readonly string[] FileNames = ["glossa-manifest.csv", "glossa-manifest.tsv", "glossa-manifest.txt"];

    /// <summary>True when the file's first non-comment line is a manifest header.</summary>
    public static bool LooksLikeManifest(string file)
    {
        try
        {
            foreach (var line in File.ReadLines(file).Take(50))
            {
                if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#')) continue;
                var cols = SplitHeader(line, out _);
                return cols.Contains("id") && cols.Contains("path") && cols.Contains("glosses");
            }
        }
        catch (IOException) { }
        return false;
    }

    /// <summary>
    /// For a file that looks like a table (its first line that is not blank or a comment has three
    /// or more '|' or tab separated columns) but is no manifest: that line's number, the line, and
    /// the manifest columns it lacks (<see cref="Missing"/>). Null for any other file.
    /// </summary>
    public static (int Line, string Header, string Missing)? HeaderWithoutManifestColumns(string file)
    {
        try
        {
            int number = 0;
            foreach (var line in File.ReadLines(file).Take(50))
            {
                number++;
                if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#')) continue;
                if (line.Contains('\0')) return null; // a binary file, not a header to quote
                var cols = SplitHeader(line, out _);
                string[] required = ["id", "path", "glosses"];
                return cols.Length >= 3 && required.Any(c => !cols.Contains(c)) ? (number, line.Trim(), Missing(cols, required)) : null;
            }
        }
        catch (IOException) { }
        return null;
    }

    static string[] SplitHeader(string line, out char separator)
    {
        separator = line.Contains('\t') && !line.Contains('|') ? '\t' : '|';
        return line.Split(separator).Select(c => c.Trim().ToLowerInvariant()).ToArray();
    }

    public static Corpus Read(string manifest, CorpusProblems problems)
    {
        TextFile.RequireFile(manifest, "manifest", ".csv", ".tsv", ".txt");
        string baseDir = Path.GetDirectoryName(manifest)!;
        var builders = new Dictionary<string, SplitBuilder>(StringComparer.Ordinal);
        string[] lines = SplitBuilder.ReadLines(manifest, problems);
        int headerIndex = Array.FindIndex(lines, l => !string.IsNullOrWhiteSpace(l) && !l.TrimStart().StartsWith('#'));
        var corpus = new Corpus(CorpusFormat.Manifest, baseDir, Path.GetFileName(manifest), new Dictionary<string, IReadOnlyList<Sample>>());
        if (headerIndex < 0)
        {
            problems.Error(CorpusProblemKind.MalformedLine, manifest, 1, null, "the manifest is empty; it needs the header 'id|split|path|signer|glosses' and one row per sample");
            return corpus;
        }
        string[] header = SplitHeader(lines[headerIndex], out char sep);
        int id = Array.IndexOf(header, "id"), split = Array.IndexOf(header, "split"), path = Array.IndexOf(header, "path"),
            signer = Array.IndexOf(header, "signer"), glosses = Array.IndexOf(header, "glosses");
        if (id < 0 || split < 0 || path < 0 || glosses < 0)
        {
            problems.Error(CorpusProblemKind.MalformedLine, manifest, headerIndex + 1, null,
                $"the header lacks {Missing(header, ["id", "split", "path", "glosses"])}: it must name the columns id, split, path and glosses (signer optional), e.g. 'id|split|path|signer|glosses'");
            return corpus;
        }
        for (int i = headerIndex + 1; i < lines.Length; i++)
        {
            string text = lines[i];
            if (string.IsNullOrWhiteSpace(text) || text.TrimStart().StartsWith('#')) continue;
            int line = i + 1;
            string[] cols = text.Split(sep);
            if (cols.Length != header.Length)
            {
                problems.Error(CorpusProblemKind.MalformedLine, manifest, line, null,
                    $"expected {header.Length} '{(sep == '\t' ? "\\t" : "|")}'-separated columns like the header but found {cols.Length}; fix or remove the line");
                continue;
            }
            string sid = cols[id].Trim(), ssplit = cols[split].Trim(), spath = cols[path].Trim();
            if (sid.Length == 0 || ssplit.Length == 0 || spath.Length == 0)
            {
                problems.Error(CorpusProblemKind.MalformedLine, manifest, line, sid.Length == 0 ? null : sid,
                    "id, split and path must not be empty");
                continue;
            }
            if (!problems.Reads(ssplit)) continue;
            if (!builders.TryGetValue(ssplit, out var builder))
                builders[ssplit] = builder = new SplitBuilder(ssplit, problems);
            if (!builder.Claim(sid, manifest, line)) continue;
            string who = signer >= 0 ? builder.Signer(cols[signer], manifest, line) : "unknown";
            var sample = ReadSample(sid, ssplit, who, spath, cols[glosses], baseDir, manifest, line, problems);
            if (sample is not null) builder.Add(sample);
        }
        if (builders.Count == 0 && !problems.HasErrors && problems.OnlySplits is null)
            problems.Error(CorpusProblemKind.MalformedLine, manifest, headerIndex + 1, null, "the manifest holds only its header and no samples; add one row per sample");
        foreach (var builder in builders.Values) builder.WarnEmptySigners();
        foreach (var (name, builder) in builders)
            if (name is not ("train" or "dev" or "test"))
                problems.Warn(CorpusProblemKind.UnknownSplit, manifest, FirstLine(builder), null,
                    $"split '{name}' ({Words.Count(builder.Samples.Count, "sample")}) is not train, dev or test{Suggest(name)}; its samples are used only where this split is named (--val-split)");
        var splits = builders.ToDictionary(kv => kv.Key, kv => kv.Value.Samples, StringComparer.Ordinal);
        return new Corpus(CorpusFormat.Manifest, baseDir, Path.GetFileName(manifest), splits);
    }

    static int? FirstLine(SplitBuilder builder) =>
        builder.Samples.Count > 0 && builder.Samples[0].Source.LastIndexOf(':') is int c and > 0 && int.TryParse(builder.Samples[0].Source[(c + 1)..], out int l) ? l : null;

    /// <summary>" (did you mean 'train'?)" for a name one or two edits (or a swap) away from a standard split.</summary>
    /// <summary>"the column 'glosses' (found 'gloss')": the required columns a header lacks, each with a near miss it holds.</summary>
    internal static string Missing(string[] header, string[] required)
    {
        var missing = required.Where(c => !header.Contains(c)).Select(c =>
            header.FirstOrDefault(h => h.Length > 0 && EditDistance.Of(h, c) <= 2) is { } near ? $"'{c}' (found '{near}')" : $"'{c}'").ToList();
        return $"the column{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)}";
    }

    static string Suggest(string name)
    {
        foreach (string known in new[] { "train", "dev", "test" })
            if (EditDistance.Of(name.ToLowerInvariant(), known) <= 2) return $" (did you mean '{known}'?)";
        return "";
    }

    static Sample? ReadSample(string id, string split, string signer, string relPath, string glossField, string baseDir,
        string manifest, int line, CorpusProblems problems)
    {
        bool ok = true;
        string[] glosses = SplitBuilder.Glosses(glossField, problems, manifest, line, id);
        if (glosses.Length == 0)
        {
            problems.Error(CorpusProblemKind.EmptyAnnotation, manifest, line, id, "the glosses column is empty; annotate the sample or remove the row");
            ok = false;
        }
        string full = Path.GetFullPath(Path.Combine(baseDir, relPath));
        List<string> frames = [];
        string? video = null;
        if (problems.FramesOptional && !Directory.Exists(full) && !File.Exists(full))
        {
            // annotations only: the media is not needed
        }
        else if (Directory.Exists(full))
        {
            frames = FrameFolder.ListImages(full);
            if (frames.Count == 0 && !problems.FramesOptional)
            {
                int videos = Directory.EnumerateFiles(full).Count(FrameFolder.IsVideo);
                problems.Error(CorpusProblemKind.MissingFrames, manifest, line, id,
                    $"the folder {full} holds no frame images ({string.Join(" ", FrameFolder.ImageExtensions)})" +
                    (videos > 0 ? $"; it holds {Words.Count(videos, "video")}: give each video its own row, its path naming the video file" : ""));
                ok = false;
            }
        }
        else if (FrameFolder.IsVideo(full))
        {
            video = full;
            if (!File.Exists(full))
            {
                problems.Error(CorpusProblemKind.MissingFrames, manifest, line, id, $"video file {full} not found; fix the path column (relative paths start at the manifest's folder)");
                ok = false;
            }
        }
        else
        {
            string what = File.Exists(full) ? "is neither a folder of frames nor a video" : "not found";
            problems.Error(CorpusProblemKind.MissingFrames, manifest, line, id,
                $"path {full} {what}; give a folder of frame images or a video ({string.Join(" ", FrameFolder.VideoExtensions)})");
            ok = false;
        }
        return ok ? new Sample(id, split, signer, glosses, frames, video, $"{manifest}:{line}") : null;
    }
}
