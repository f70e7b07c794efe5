namespace Glossa.Corpora;

/// <summary>
/// Reads RWTH-PHOENIX-Weather 2014 (multisigner and SI5) and 2014-T: one <c>|</c>-separated
/// annotation file per split under <c>annotations/manual/</c>, frames under
/// <c>features/fullFrame-210x260px/{split}/</c> found through the row's folder glob.
/// </summary>
internal static class PhoenixReader
{
    public static readonly string[] SplitNames = ["train", "dev", "test"];

    /// <summary>Column layout of one PHOENIX flavour.</summary>
    sealed record Layout(string Header, int IdColumn, int FolderColumn, int SignerColumn, int GlossColumn, Func<string, string> FileName)
    {
        public int Columns => Header.Split('|').Length;
    }

    static readonly Layout P2014 = new("id|folder|signer|annotation", 0, 1, 2, 3, split => $"{split}.corpus.csv");
    static readonly Layout P2014T = new("name|video|start|end|speaker|orth|translation", 0, 1, 4, 5, split => $"PHOENIX-2014-T.{split}.corpus.csv");

    /// <summary>
    /// Annotation file of a split: <c>{split}.corpus.csv</c> (multisigner), <c>{split}.SI5.corpus.csv</c>
    /// (signer-independent release) or <c>PHOENIX-2014-T.{split}.corpus.csv</c>. Returns the first
    /// that exists, or the usual name when none does.
    /// </summary>
    public static string AnnotationFile(string root, CorpusFormat format, string split)
    {
        string manual = Path.Combine(root, "annotations", "manual");
        if (format == CorpusFormat.Phoenix2014T) return Path.Combine(manual, P2014T.FileName(split));
        string si5 = Path.Combine(manual, $"{split}.SI5.corpus.csv");
        string plain = Path.Combine(manual, P2014.FileName(split));
        return !File.Exists(plain) && File.Exists(si5) ? si5 : plain;
    }

    public static Corpus Read(string root, CorpusFormat format, CorpusProblems problems)
    {
        var layout = format == CorpusFormat.Phoenix2014T ? P2014T : P2014;
        var splits = new Dictionary<string, IReadOnlyList<Sample>>(StringComparer.Ordinal);
        foreach (var split in SplitNames)
        {
            if (!problems.Reads(split)) continue;
            string file = AnnotationFile(root, format, split);
            if (!File.Exists(file))
            {
                problems.Error(CorpusProblemKind.MissingFile, file, null, null,
                    $"annotation file for split '{split}' not found; the release should have annotations/manual/{Path.GetFileName(file)}" +
                    (format == CorpusFormat.Phoenix2014 ? $" (or {split}.SI5.corpus.csv in the signer-independent release)" : ""));
                continue;
            }
            string frameRoot = Path.Combine(root, "features", "fullFrame-210x260px", split);
            bool framesThere = problems.FramesOptional || Directory.Exists(frameRoot);
            if (!framesThere)
                problems.Error(CorpusProblemKind.MissingFrames, frameRoot, null, null, MissingFrameRoot(root, split));
            splits[split] = ReadSplit(file, split, frameRoot, layout, problems, framesThere);
        }
        return new Corpus(format, root, Path.GetFileName(root), splits);
    }

    /// <summary>
    /// One line for a split whose whole frame folder is missing (instead of one per row): what
    /// features/ holds, e.g. a folder renamed after the frames' size.
    /// </summary>
    static string MissingFrameRoot(string root, string split)
    {
        string features = Path.Combine(root, "features");
        string[] found = Directory.Exists(features)
            ? Directory.GetDirectories(features).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray()
            : [];
        string holds = found.Length > 0 ? $"features/ holds {string.Join(", ", found)}" : Directory.Exists(features) ? "features/ is empty" : "there is no features/ folder";
        return $"frame folder for split '{split}' not found ({holds}); the PHOENIX layout keeps every split's frames under " +
            $"features/fullFrame-210x260px/{split}/ whatever their size: move or rename the frames there";
    }

    static IReadOnlyList<Sample> ReadSplit(string file, string split, string frameRoot, Layout layout, CorpusProblems problems, bool framesThere = true)
    {
        var builder = new SplitBuilder(split, problems);
        string[] lines = SplitBuilder.ReadLines(file, problems);
        if (lines.Length > 0 && InHeaderOrder(layout, lines[0]) is { } named)
        {
            layout = named; // the same columns in another order: read by name
        }
        else
        {
            string found = lines.Length == 0 ? "an empty file" : $"'{Truncate(lines[0])}'";
            // Its rows are not read: read by position under another header they gave garbage (a new user's signer|id|...
            // file made six duplicate-id errors and a vocabulary of signer names).
            problems.Error(CorpusProblemKind.MalformedLine, file, 1, null,
                $"expected the header '{layout.Header}' but found {found}, so its rows were not read; is this the right format (give it with --corpus-format)?");
            return builder.Samples;
        }
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var sample = ReadRow(lines[i], file, i + 1, split, frameRoot, layout, builder, problems, framesThere);
            if (sample is not null) builder.Add(sample);
        }
        builder.WarnEmptySigners();
        if (lines.Length > 0 && lines.Skip(1).All(string.IsNullOrWhiteSpace))
            problems.Error(CorpusProblemKind.MalformedLine, file, 1, null, $"holds only the header and no samples; split '{split}' needs one row per sample");
        return builder.Samples;
    }

    /// <summary><paramref name="layout"/> with its columns where <paramref name="header"/> names them (any order, any case), or null when the header does not name exactly its columns.</summary>
    static Layout? InHeaderOrder(Layout layout, string header)
    {
        string[] expected = layout.Header.Split('|'), found = header.Split('|').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        if (found.Length != expected.Length || !found.Order().SequenceEqual(expected.Order())) return null;
        int At(int column) => Array.IndexOf(found, expected[column]);
        return layout with
        {
            Header = string.Join('|', found), IdColumn = At(layout.IdColumn), FolderColumn = At(layout.FolderColumn),
            SignerColumn = At(layout.SignerColumn), GlossColumn = At(layout.GlossColumn),
        };
    }

    static Sample? ReadRow(string text, string file, int line, string split, string frameRoot, Layout layout,
        SplitBuilder builder, CorpusProblems problems, bool framesThere)
    {
        string[] cols = text.Split('|');
        if (cols.Length != layout.Columns)
        {
            problems.Error(CorpusProblemKind.MalformedLine, file, line, null,
                $"expected {layout.Columns} '|'-separated columns ({layout.Header}) but found {cols.Length}; fix or remove the line");
            return null;
        }
        string id = cols[layout.IdColumn].Trim();
        string folder = cols[layout.FolderColumn].Trim();
        if (id.Length == 0 || folder.Length == 0)
        {
            problems.Error(CorpusProblemKind.MalformedLine, file, line, null,
                "empty id or frame folder column; every row needs both");
            return null;
        }
        if (!builder.Claim(id, file, line)) return null;
        bool ok = true;
        string[] glosses = SplitBuilder.Glosses(cols[layout.GlossColumn], problems, file, line, id);
        if (glosses.Length == 0)
        {
            problems.Error(CorpusProblemKind.EmptyAnnotation, file, line, id,
                "the gloss column is empty; annotate the sentence or remove the row");
            ok = false;
        }
        if (!framesThere) return null; // the split's frame folder is missing: said once, not per row
        var frames = ResolveFrames(frameRoot, folder, out string tried);
        if (frames.Count == 0 && !problems.FramesOptional)
        {
            problems.Error(CorpusProblemKind.MissingFrames, file, line, id,
                $"no frames found at {tried}; check that the frames were extracted under {frameRoot}");
            ok = false;
        }
        if (!ok) return null;
        return new Sample(id, split, builder.Signer(cols[layout.SignerColumn], file, line), glosses, frames, null, $"{file}:{line}");
    }

    /// <summary>
    /// Resolves the row's folder glob (e.g. <c>id/1/*.png</c>). PHOENIX-2014-T ships its frames
    /// without the <c>1/</c> level its annotations name, so both spellings are tried.
    /// </summary>
    internal static List<string> ResolveFrames(string frameRoot, string folder, out string tried)
    {
        string pattern = folder.Replace('\\', '/');
        if (!pattern.Contains('*') && !pattern.Contains('?')) pattern = pattern.TrimEnd('/') + "/*";
        var frames = FrameFolder.Glob(frameRoot, pattern).Where(FrameFolder.IsImage).ToList();
        tried = Path.Combine(frameRoot, pattern);
        if (frames.Count > 0) return frames;

        string? alternative = AlternativePattern(pattern);
        if (alternative is null) return frames;
        tried += $" or {Path.Combine(frameRoot, alternative)}";
        return FrameFolder.Glob(frameRoot, alternative).Where(FrameFolder.IsImage).ToList();
    }

    static string? AlternativePattern(string pattern)
    {
        // "<id>/1/*.png" <-> "<id>/*.png"
        var parts = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Count >= 3 && parts[^2] == "1") { parts.RemoveAt(parts.Count - 2); return string.Join('/', parts); }
        if (parts.Count == 2) { parts.Insert(1, "1"); return string.Join('/', parts); }
        return null;
    }

    static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
