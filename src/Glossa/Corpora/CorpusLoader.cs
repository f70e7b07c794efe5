using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// Entry point for reading a corpus. The path may be a release root (e.g. <c>phoenix2014-release/</c>),
/// a variant folder (<c>phoenix-2014-multisigner/</c>, <c>PHOENIX-2014-T/</c>, <c>CSL-Daily/</c>),
/// its <c>annotations/</c> or <c>sentence_label/</c> folder, an annotation file, or a manifest file
/// or the folder holding one. The format is detected unless forced.
/// </summary>
public static class CorpusLoader
{
    /// <summary>Child folders tried first when a release root is given, in order of preference.</summary>
    static readonly string[] PreferredChildren =
        ["phoenix-2014-multisigner", "phoenix-2014-signerindependent-SI5", "PHOENIX-2014-T", "CSL-Daily"];

    /// <summary>
    /// Reads a corpus strictly: the first problem (malformed line, missing frames, duplicate id,
    /// empty annotation, missing split file) is thrown as a <see cref="GlossaException"/> naming the file and line.
    /// </summary>
    public static Corpus Load(string path, CorpusFormat? format = null) =>
        Load(path, format, new CorpusProblems(strict: true));

    /// <summary>
    /// Reads only a corpus's annotations (ids, signers, glosses), strictly, without requiring its
    /// frames or videos to be present: what scoring against a corpus split needs.
    /// </summary>
    public static Corpus LoadAnnotations(string path, CorpusFormat? format = null) =>
        Load(path, format, new CorpusProblems(strict: true) { FramesOptional = true });

    /// <summary>
    /// Reads one split of a corpus strictly, leaving the other splits unread: a fault in dev does
    /// not stop evaluating test. With <paramref name="annotationsOnly"/>, its frames need not be present (scoring).
    /// </summary>
    public static Corpus LoadSplit(string path, CorpusFormat? format, string split, bool annotationsOnly = false)
    {
        var corpus = Load(path, format, new CorpusProblems(strict: true) { OnlySplits = new HashSet<string>([split], StringComparer.Ordinal), FramesOptional = annotationsOnly });
        // A split the corpus lacks: the error names the splits it has, read leniently (their faults are not this call's).
        if (!corpus.HasSplit(split)) Load(path, format, new CorpusProblems { FramesOptional = true }).Split(split);
        return corpus;
    }

    /// <summary>
    /// Reads a corpus, reporting problems into <paramref name="problems"/>. When it is not strict,
    /// faulty rows are left out of the splits and every problem is collected.
    /// </summary>
    public static Corpus Load(string path, CorpusFormat? format, CorpusProblems problems)
    {
        var (fmt, location) = Locate(path, format);
        return fmt switch
        {
            CorpusFormat.Phoenix2014 or CorpusFormat.Phoenix2014T => PhoenixReader.Read(location, fmt, problems),
            CorpusFormat.CslDaily => CslDailyReader.Read(location, problems),
            CorpusFormat.Manifest => ManifestReader.Read(location, problems),
            _ => throw new GlossaException($"{path}: unsupported corpus format {fmt}"),
        };
    }

    /// <summary>
    /// Finds the format and the folder (or manifest file) to read. Throws a
    /// <see cref="GlossaException"/> describing the expected layouts when nothing matches.
    /// </summary>
    public static (CorpusFormat Format, string Location) Locate(string path, CorpusFormat? format = null)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new GlossaException("no corpus path given; pass the corpus folder (e.g. phoenix2014-release/) or a manifest file");
        string full = Path.GetFullPath(path);
        string? givenFile = null;
        if (File.Exists(full))
        {
            // A video or image is not a corpus: say so, instead of quoting its bytes as a header (a new user's .mp4 printed 1.2 KB of binary).
            if (FrameFolder.IsVideo(full) || FrameFolder.IsImage(full))
                throw new GlossaException($"{full}: a {(FrameFolder.IsVideo(full) ? "video" : "frame image")}, not a corpus; pass the corpus folder or a manifest " +
                    "listing it (docs/corpus-formats.md), or recognise it with 'glossa recognize -c CHECKPOINT FILE'");
            if (format is null or CorpusFormat.Manifest && ManifestReader.LooksLikeManifest(full))
                return (CorpusFormat.Manifest, full);
            if (format == CorpusFormat.Manifest)
                throw new GlossaException($"{full}:1: not a Glossa manifest; the first line must be a header like 'id|split|path|signer|glosses'");
            givenFile = full;
            full = Path.GetDirectoryName(full)!; // an annotation file: start from its folder
        }
        else if (!Directory.Exists(full))
            throw new GlossaException($"{full}: no such file or folder; pass the corpus release root, its variant folder or a manifest file");

        full = ClimbOutOfAnnotations(full);
        var match = Probe(full, format);
        if (match is not null) return match.Value;
        foreach (var child in Children(full))
        {
            match = Probe(child, format);
            if (match is not null) return match.Value;
        }
        if (givenFile is not null && ManifestReader.HeaderWithoutManifestColumns(givenFile) is var (line, header, missing))
            throw new GlossaException($"{givenFile}:{line}: the header '{header}' lacks {missing} of a Glossa manifest (e.g. 'id|split|path|signer|glosses'); fix the header, or pass the corpus folder");
        if (givenFile is not null)
            throw new GlossaException($"{givenFile}: neither a Glossa manifest (first line 'id|split|path|signer|glosses') nor a file inside a corpus; pass the corpus folder or a manifest file");
        string wanted = format is CorpusFormat f ? $"{FormatName(f)} corpus" : "supported corpus";
        throw new GlossaException(format is null
            ? $"{full}: holds no {wanted}. Expected {Layouts(format)}; pass the release root, the variant folder, or use --corpus-format to force one"
            : $"{full}: holds no {wanted}. Expected {Layouts(format)}; pass the release root or the variant folder, or leave --corpus-format out to detect the format");
    }

    static string ClimbOutOfAnnotations(string dir)
    {
        string name = Path.GetFileName(dir);
        string? parent = Path.GetDirectoryName(dir);
        if (name == "manual" && parent is not null && Path.GetFileName(parent) == "annotations")
            return Path.GetDirectoryName(parent) ?? dir;
        if (name is "annotations" or "sentence_label" && parent is not null)
            return parent;
        return dir;
    }

    static IEnumerable<string> Children(string dir)
    {
        var all = Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal).ToList();
        foreach (var p in PreferredChildren)
        {
            var hit = all.FirstOrDefault(c => string.Equals(Path.GetFileName(c), p, StringComparison.OrdinalIgnoreCase));
            if (hit is not null) yield return hit;
        }
        foreach (var c in all)
            if (!PreferredChildren.Contains(Path.GetFileName(c), StringComparer.OrdinalIgnoreCase))
                yield return c;
    }

    static (CorpusFormat, string)? Probe(string dir, CorpusFormat? format)
    {
        bool Want(CorpusFormat f) => format is null || format == f;
        if (Want(CorpusFormat.Manifest))
            foreach (var name in ManifestReader.FileNames)
            {
                string m = Path.Combine(dir, name);
                if (File.Exists(m)) return (CorpusFormat.Manifest, m);
            }
        foreach (var f in new[] { CorpusFormat.Phoenix2014, CorpusFormat.Phoenix2014T })
            if (Want(f) && PhoenixReader.SplitNames.Any(s => File.Exists(PhoenixReader.AnnotationFile(dir, f, s))))
                return (f, dir);
        if (Want(CorpusFormat.CslDaily) && File.Exists(Path.Combine(dir, CslDailyReader.LabelFile)))
            return (CorpusFormat.CslDaily, dir);
        return null;
    }

    static string Layouts(CorpusFormat? format)
    {
        var all = new Dictionary<CorpusFormat, string>
        {
            [CorpusFormat.Phoenix2014] = "annotations/manual/{train,dev,test}.corpus.csv or {train,dev,test}.SI5.corpus.csv (PHOENIX-2014 multisigner or SI5)",
            [CorpusFormat.Phoenix2014T] = "annotations/manual/PHOENIX-2014-T.{train,dev,test}.corpus.csv (PHOENIX-2014-T)",
            [CorpusFormat.CslDaily] = $"{CslDailyReader.LabelFile} (CSL-Daily)",
            [CorpusFormat.Manifest] = "glossa-manifest.csv (manifest)",
        };
        return format is CorpusFormat f ? all[f] : string.Join(" or ", all.Values);
    }

    /// <summary>The name of a format as printed and accepted by <see cref="ParseFormat"/>: phoenix2014, phoenix2014t, csl-daily, manifest.</summary>
    public static string FormatName(CorpusFormat format) => format switch
    {
        CorpusFormat.Phoenix2014 => "phoenix2014",
        CorpusFormat.Phoenix2014T => "phoenix2014t",
        CorpusFormat.CslDaily => "csl-daily",
        _ => "manifest",
    };

    /// <summary>The name of the official scoring cleanup of a corpus format (phoenix2014, phoenix2014t), or "none".</summary>
    public static string CleanupName(CorpusFormat? format) => format switch
    {
        CorpusFormat.Phoenix2014 => "phoenix2014",
        CorpusFormat.Phoenix2014T => "phoenix2014t",
        _ => "none",
    };

    /// <summary>Parses a format name as typed on the command line (case, '-' and '_' ignored).</summary>
    public static CorpusFormat ParseFormat(string text)
    {
        string key = new string(text.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        return key switch
        {
            "phoenix2014" or "phoenix" or "phoenix2014multisigner" or "phoenix2014si5" => CorpusFormat.Phoenix2014,
            "phoenix2014t" or "phoenixt" => CorpusFormat.Phoenix2014T,
            "csldaily" or "csl" => CorpusFormat.CslDaily,
            "manifest" or "glossa" => CorpusFormat.Manifest,
            _ => throw new GlossaException($"unknown corpus format '{text}'; use phoenix2014, phoenix2014t, csl-daily or manifest"),
        };
    }
}
