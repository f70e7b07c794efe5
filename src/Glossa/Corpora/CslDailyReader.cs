using System.Text.RegularExpressions;

namespace Glossa.Corpora;

/// <summary>
/// Reads CSL-Daily: <c>sentence_label/video_map.txt</c> (<c>index|name|length|gloss|char|word|postag</c>)
/// for the glosses, <c>sentence_label/split_1.txt</c> (<c>name|split</c>) for the splits, and frames in
/// <c>sentence/frames_512x512/&lt;name&gt;/*.jpg</c>. Glosses are UTF-8 Chinese and kept as they are.
/// </summary>
internal static partial class CslDailyReader
{
    public const string LabelFile = "sentence_label/video_map.txt";
    public const string SplitFile = "sentence_label/split_1.txt";
    public const string FrameFolder = "sentence/frames_512x512";

    public static Corpus Read(string root, CorpusProblems problems)
    {
        string labels = Path.Combine(root, LabelFile);
        string splitsFile = Path.Combine(root, SplitFile);
        var splitOf = ReadSplits(splitsFile, problems);
        var builders = new Dictionary<string, SplitBuilder>(StringComparer.Ordinal);
        foreach (var name in splitOf.Values.Distinct().Order(StringComparer.Ordinal))
            if (problems.Reads(name)) builders[name] = new SplitBuilder(name, problems);

        var unassigned = new List<string>();
        var labelled = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(labels))
            problems.Error(CorpusProblemKind.MissingFile, labels, null, null,
                $"CSL-Daily label file not found; the release should have {LabelFile}");
        else
            ReadLabels(root, labels, splitOf, builders, unassigned, labelled, problems);

        if (unassigned.Count > 0)
            problems.Warn(CorpusProblemKind.UnassignedSample, splitsFile, null, null,
                $"{unassigned.Count} labelled samples have no split and are ignored (e.g. {string.Join(", ", unassigned.Take(3))})");
        var unlabelled = splitOf.Keys.Where(n => !labelled.Contains(n)).ToList();
        if (unlabelled.Count > 0 && File.Exists(labels))
            problems.Warn(CorpusProblemKind.UnassignedSample, labels, null, null,
                $"{unlabelled.Count} samples of the split file have no usable label row (none, or one reported above as malformed) and are ignored (e.g. {string.Join(", ", unlabelled.Take(3))})");

        var splits = builders.ToDictionary(kv => kv.Key, kv => kv.Value.Samples, StringComparer.Ordinal);
        return new Corpus(CorpusFormat.CslDaily, root, Path.GetFileName(root), splits);
    }

    static Dictionary<string, string> ReadSplits(string file, CorpusProblems problems)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(file))
        {
            problems.Error(CorpusProblemKind.MissingFile, file, null, null,
                $"CSL-Daily split file not found; the release should have {SplitFile}");
            return result;
        }
        string[] lines = SplitBuilder.ReadLines(file, problems);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            string[] cols = lines[i].Split('|');
            if (cols.Length != 2)
            {
                problems.Error(CorpusProblemKind.MalformedLine, file, i + 1, null,
                    $"expected 'name|split' but found {cols.Length} columns; fix or remove the line");
                continue;
            }
            string name = cols[0].Trim(), split = cols[1].Trim().ToLowerInvariant();
            if (i == 0 && split == "split") continue; // header
            if (split is not ("train" or "dev" or "test"))
            {
                problems.Error(CorpusProblemKind.MalformedLine, file, i + 1, name,
                    $"unknown split '{cols[1].Trim()}'; use train, dev or test");
                continue;
            }
            if (!result.TryAdd(name, split))
                problems.Error(CorpusProblemKind.DuplicateId, file, i + 1, name,
                    "sample listed twice in the split file; keep one row");
        }
        return result;
    }

    static void ReadLabels(string root, string file, Dictionary<string, string> splitOf, Dictionary<string, SplitBuilder> builders,
        List<string> unassigned, HashSet<string> labelled, CorpusProblems problems)
    {
        string[] lines = SplitBuilder.ReadLines(file, problems);
        string[] header = lines.Length > 0 ? lines[0].Split('|').Select(h => h.Trim().ToLowerInvariant()).ToArray() : [];
        int nameCol = Array.IndexOf(header, "name"), glossCol = Array.IndexOf(header, "gloss"), lengthCol = Array.IndexOf(header, "length");
        if (nameCol < 0 || glossCol < 0)
        {
            problems.Error(CorpusProblemKind.MalformedLine, file, 1, null,
                "expected a header with at least the columns 'name' and 'gloss' (index|name|length|gloss|char|word|postag)");
            return;
        }
        string frameRoot = Path.Combine(root, FrameFolder);
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            int line = i + 1;
            string[] cols = lines[i].Split('|');
            if (cols.Length != header.Length)
            {
                problems.Error(CorpusProblemKind.MalformedLine, file, line, null,
                    $"expected {header.Length} '|'-separated columns like the header but found {cols.Length}; fix or remove the line");
                continue;
            }
            string name = cols[nameCol].Trim();
            labelled.Add(name);
            if (!splitOf.TryGetValue(name, out var split)) { unassigned.Add(name); continue; }
            if (!builders.TryGetValue(split, out var builder)) continue; // a split not asked for
            if (!builder.Claim(name, file, line)) continue;
            var sample = ReadSample(name, split, cols, glossCol, lengthCol, frameRoot, file, line, problems);
            if (sample is not null) builder.Add(sample);
        }
    }

    static Sample? ReadSample(string name, string split, string[] cols, int glossCol, int lengthCol, string frameRoot,
        string file, int line, CorpusProblems problems)
    {
        bool ok = true;
        string[] glosses = SplitBuilder.Glosses(cols[glossCol], problems, file, line, name);
        if (glosses.Length == 0)
        {
            problems.Error(CorpusProblemKind.EmptyAnnotation, file, line, name, "the gloss column is empty; annotate the sentence or remove the row");
            ok = false;
        }
        string folder = Path.Combine(frameRoot, name);
        var frames = Corpora.FrameFolder.ListImages(folder);
        if (frames.Count == 0 && !problems.FramesOptional)
        {
            problems.Error(CorpusProblemKind.MissingFrames, file, line, name,
                $"no frames found in {folder}; extract the frames there (frames_512x512/<name>/*.jpg)");
            ok = false;
        }
        if (!ok) return null;
        if (frames.Count > 0 && lengthCol >= 0 && int.TryParse(cols[lengthCol].Trim(), out int declared) && declared != frames.Count)
            problems.Warn(CorpusProblemKind.LengthMismatch, file, line, name,
                $"the length column says {declared} frames but {folder} holds {frames.Count}; the frames on disk are used");
        return new Sample(name, split, SignerOf(name), glosses, frames, null, $"{file}:{line}");
    }

    /// <summary>CSL-Daily names are S{sentence}_P{person}_T{take}; the person is the signer.</summary>
    static string SignerOf(string name)
    {
        var m = SignerPattern().Match(name);
        return m.Success ? m.Groups[1].Value : "unknown";
    }

    [GeneratedRegex(@"_(P\d+)(_|$)")]
    private static partial Regex SignerPattern();
}
