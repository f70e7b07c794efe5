using System.Collections.Concurrent;
using Glossa.Common;
using SkiaSharp;

namespace Glossa.Corpora;

/// <summary>
/// Validates a loaded corpus before training: every frame's image header is decoded (in
/// parallel; pixels are not), videos are probed for their length, clips too short for CTC at the
/// model's stride are named, and dev/test glosses unseen in train are counted.
/// </summary>
public static class CorpusChecker
{
    /// <summary>
    /// The fewest output frames CTC needs for a label sequence: its length plus one blank between
    /// each pair of identical neighbours (<c>A A B</c> needs 3 + 1 = 4).
    /// </summary>
    public static int MinimumOutputLength<T>(IReadOnlyList<T> labels)
    {
        // CTC must put a blank between two equal labels, so each immediate repeat costs a frame.
        int repeats = 0;
        for (int i = 1; i < labels.Count; i++)
            if (EqualityComparer<T>.Default.Equals(labels[i], labels[i - 1])) repeats++;
        return labels.Count + repeats;
    }

    /// <summary>True when a clip of <paramref name="frames"/> frames yields enough outputs (floor(T/stride)) for its glosses.</summary>
    public static bool IsCtcFeasible(int frames, IReadOnlyList<string> glosses, int stride) =>
        frames / stride >= MinimumOutputLength(glosses);

    /// <summary>
    /// Checks every sample of <paramref name="corpus"/>, adding errors and warnings to
    /// <paramref name="problems"/> (which should be the non-strict collector the corpus was loaded with,
    /// so load problems appear in the report too). <paramref name="progress"/> receives the number of samples done.
    /// </summary>
    public static CorpusCheckReport Check(Corpus corpus, CorpusProblems problems, CorpusCheckOptions? options = null, IProgress<int>? progress = null)
    {
        options ??= new CorpusCheckOptions();
        options.Validate();
        var lengths = MeasureLengths(corpus, problems, options, progress);
        var trainVocabulary = corpus.Splits.TryGetValue("train", out var train)
            ? train.SelectMany(s => s.Glosses).ToHashSet(StringComparer.Ordinal)
            : null;

        var trainSigners = train is null ? null : SignerCounts.Named(train);
        var stats = new Dictionary<string, SplitStatistics>(StringComparer.Ordinal);
        foreach (var (name, samples) in corpus.Splits)
        {
            foreach (var s in samples)
            {
                if (!lengths.TryGetValue(s, out int t) || t < 0) continue;
                int need = MinimumOutputLength(s.Glosses);
                int steps = options.OutputLength is { } outputs ? outputs(t) : t / options.Stride;
                if (steps >= need) continue;
                var (file, line) = SplitSource(s.Source);
                string counted = options.Model is { } model
                    ? $"{t} frames give {model} {steps} output frames"
                    : $"{Words.Count(t, "frame")} give{(t == 1 ? "s" : "")} floor({t}/{options.Stride}) = {Words.Count(steps, "CTC step")}";
                problems.Error(CorpusProblemKind.CtcInfeasible, file, line, s.Id,
                    $"{counted} but its {s.Glosses.Count} glosses need at least {need} (label length + immediate repeats); drop the sample or train a model of smaller temporal stride (the --temporal-conv and --i3d-stride options of glossa train)");
            }
            stats[name] = name == "train"
                ? Statistics(name, samples, lengths, null, null, corpus.Root, problems)
                : Statistics(name, samples, lengths, trainVocabulary, trainSigners, corpus.Root, problems);
        }
        WarnSharedIds(corpus, problems);
        foreach (string needed in new[] { "train", "dev", "test" })
            if (!corpus.HasSplit(needed))
                problems.Warn(CorpusProblemKind.MissingSplit, corpus.Root, null, null, needed switch
                {
                    "train" => "no 'train' split: glossa train has nothing to train on",
                    "dev" => "no 'dev' split: glossa train validates on it (the best checkpoint and early stopping are chosen there); add dev clips, or name another split with --val-split",
                    _ => "no 'test' split: glossa demo and 'evaluate --split test' report on it",
                });
        problems.Sort();
        return new CorpusCheckReport(corpus.Format, corpus.Name, corpus.Root, options.Stride, trainVocabulary?.Count ?? 0,
            stats, problems.Errors, problems.Warnings) with { Model = options.Model };
    }

    /// <summary>Warns about ids declared in more than one split: evaluation would see training clips.</summary>
    static void WarnSharedIds(Corpus corpus, CorpusProblems problems, int maxListed = 20)
    {
        var first = new Dictionary<string, Sample>(StringComparer.Ordinal);
        int shared = 0;
        foreach (var (name, samples) in corpus.Splits)
            foreach (var s in samples)
            {
                if (!first.TryGetValue(s.Id, out var earlier)) { first[s.Id] = s; continue; }
                if (earlier.Split == name || ++shared > maxListed) continue;
                var (file, line) = SplitSource(s.Source);
                problems.Warn(CorpusProblemKind.SharedId, file, line, s.Id,
                    $"also in split '{earlier.Split}' ({earlier.Source}); a clip in two splits lets evaluation see training data; keep each id in one split");
            }
        if (shared > maxListed)
            problems.Warn(CorpusProblemKind.SharedId, corpus.Root, null, null, $"{shared - maxListed} more ids shared between splits (only the first {maxListed} are listed)");
    }

    static ConcurrentDictionary<Sample, int> MeasureLengths(Corpus corpus, CorpusProblems problems, CorpusCheckOptions options, IProgress<int>? progress)
    {
        var all = corpus.Splits.Values.SelectMany(s => s).ToList();
        var lengths = new ConcurrentDictionary<Sample, int>(ReferenceEqualityComparer.Instance);
        // One line for a missing or broken ffprobe, not an unreadable-video error per video (GLOSSA_FFPROBE=/bin/false).
        string? noProbe = options.ProbeVideos && all.Any(s => s.VideoPath is not null) ? ExternalTool.Ffprobe.Unusable() : null;
        bool haveProbe = options.ProbeVideos && noProbe is null;
        if (noProbe is not null)
            problems.Warn(CorpusProblemKind.Skipped, corpus.Root, null, null,
                $"{noProbe}: the length of video samples is not checked; {ExternalTool.Ffprobe.Remedy("ffmpeg")} to check it");
        int done = 0;
        Parallel.ForEach(all, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism }, s =>
        {
            if (s.VideoPath is null)
            {
                lengths[s] = s.FramePaths.Count;
                if (options.CheckFrames || options.DecodePixels) CheckFrames(s, problems, options.MaxFrameErrorsPerSample, options.DecodePixels);
            }
            else
                lengths[s] = haveProbe ? ProbeVideo(s, problems, options.DecodePixels) : -1;
            progress?.Report(Interlocked.Increment(ref done));
        });
        return lengths;
    }

    static void CheckFrames(Sample s, CorpusProblems problems, int maxErrors, bool decodePixels)
    {
        int bad = 0;
        (int W, int H)? first = null;
        bool mixedNamed = false;
        foreach (var frame in s.FramePaths)
        {
            var (problem, size) = Header(frame, decodePixels);
            // Frames of one clip in two sizes are each resized to the model's frame, so one is stretched against the other:
            // a warning, once per clip (a new user's re-extracted frame passed silently).
            if (size is { } wh && (first ??= wh) != wh && !mixedNamed)
            {
                mixedNamed = true;
                problems.Warn(CorpusProblemKind.MixedFrameSizes, frame, null, s.Id,
                    $"this frame is {wh.W}x{wh.H} but the clip's first is {first.Value.W}x{first.Value.H}: each frame is resized to the model's frame size, so the clip's frames are scaled differently; re-extract the clip's frames at one size");
            }
            if (problem is null) continue;
            if (++bad <= maxErrors)
                problems.Error(CorpusProblemKind.UnreadableFrame, frame, null, s.Id, problem);
        }
        if (bad > maxErrors)
        {
            var (file, line) = SplitSource(s.Source);
            problems.Error(CorpusProblemKind.UnreadableFrame, file, line, s.Id,
                $"{bad - maxErrors} more unreadable frames in this sample (only the first {maxErrors} are listed)");
        }
    }

    /// <summary>Opens the file and decodes the image header only (the pixels are not decoded); null when it is a usable frame.</summary>
    internal static string? HeaderProblem(string path) => Header(path, decodePixels: false).Problem;

    /// <summary>
    /// What <see cref="HeaderProblem"/> finds, and the image's size when its header decodes; with <paramref name="decodePixels"/>
    /// the pixels are decoded too, as training decodes them (damaged compressed data behind a sound header and end marker).
    /// </summary>
    static (string? Problem, (int W, int H)? Size) Header(string path, bool decodePixels)
    {
        const string corrupt = "the image header cannot be decoded (corrupt or not an image); re-extract this frame";
        if (FrameHeader.MissingProblem(path) is { } missing) return (missing, null);
        try
        {
            using var codec = SKCodec.Create(path);
            if (codec is null) return (corrupt, null);
            var (w, h) = (codec.Info.Width, codec.Info.Height);
            string? problem = FrameHeader.SizeProblem(w, h) ?? FrameHeader.TruncationProblem(path);
            if (problem is null && decodePixels) problem = PixelProblem(codec);
            return (problem, (w, h));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (corrupt, null);
        }
    }

    [ThreadStatic] static byte[]? pixelBuffer;

    /// <summary>Why the pixels behind a sound header do not decode (as training's decoder would fail on them), or null.</summary>
    static unsafe string? PixelProblem(SKCodec codec)
    {
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888,
            codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul);
        if (pixelBuffer is null || pixelBuffer.Length < info.BytesSize) pixelBuffer = new byte[info.BytesSize];
        SKCodecResult result;
        fixed (byte* p = pixelBuffer) result = codec.GetPixels(info, (IntPtr)p);
        return result == SKCodecResult.Success ? null
            : $"the image header is sound but its pixels do not decode ({result}: damaged or cut image data), and training would stop on it; re-extract this frame";
    }

    static int ProbeVideo(Sample s, CorpusProblems problems, bool decode)
    {
        string video = s.VideoPath!;
        var (file, line) = SplitSource(s.Source); // the row naming the video (the message names the video itself)
        try
        {
            var (frames, problem) = VideoLength.Count(video, decode);
            if (problem is not null)
                problems.Warn(CorpusProblemKind.UnreadableVideo, file, line, s.Id,
                    $"{video}: ffprobe reports errors while reading the video ({problem}): it may be truncated or damaged, and then its {frames} frames are fewer than the clip's or do not all decode; re-encode it or download it again");
            return frames;
        }
        catch (GlossaException e)
        {
            problems.Error(CorpusProblemKind.UnreadableVideo, file, line, s.Id, e.Message.StartsWith(video + ": ", StringComparison.Ordinal) ? e.Message : $"{video}: {e.Message}");
            return -1;
        }
    }

    static SplitStatistics Statistics(string split, IReadOnlyList<Sample> samples, ConcurrentDictionary<Sample, int> lengths,
        HashSet<string>? trainVocabulary, HashSet<string>? trainSigners, string root, CorpusProblems problems)
    {
        var signers = SignerCounts.Named(samples); // "unknown" or empty names no signer
        var known = samples.Select(s => lengths.TryGetValue(s, out int t) ? t : -1).Where(t => t >= 0).ToList();
        var glosses = samples.SelectMany(s => s.Glosses).ToList();
        var distinct = glosses.ToHashSet(StringComparer.Ordinal);
        int oov = 0;
        if (trainVocabulary is not null)
        {
            var unseen = distinct.Where(g => !trainVocabulary.Contains(g)).Order(StringComparer.Ordinal).ToList();
            oov = unseen.Count;
            if (oov > 0)
            {
                int tokens = glosses.Count(g => !trainVocabulary.Contains(g));
                problems.Warn(CorpusProblemKind.OutOfVocabulary, root, null, null,
                    $"split '{split}': {oov} glosses ({tokens} occurrences) never occur in train and cannot be recognised " +
                    $"(e.g. {string.Join(", ", unseen.Take(8))}); they count as errors when scoring");
            }
        }
        return new SplitStatistics(
            Sentences: samples.Count,
            Frames: known.Sum(t => (long)t),
            MeanFrames: known.Count == 0 ? 0 : known.Average(),
            MaxFrames: known.Count == 0 ? 0 : known.Max(),
            MeanGlosses: samples.Count == 0 ? 0 : samples.Average(s => s.Glosses.Count),
            MaxGlosses: samples.Count == 0 ? 0 : samples.Max(s => s.Glosses.Count),
            Glosses: distinct.Count,
            GlossTokens: glosses.Count,
            Signers: signers.Count,
            OutOfVocabulary: oov,
            VideosWithoutLength: samples.Count(s => s.VideoPath is not null && !(lengths.TryGetValue(s, out int t) && t >= 0)),
            UnseenSigners: trainSigners is null or { Count: 0 } ? 0 : signers.Count(g => !trainSigners.Contains(g)));
    }

    /// <summary>Splits a <see cref="Sample.Source"/> ("file:line") into its parts.</summary>
    internal static (string File, int? Line) SplitSource(string source)
    {
        int colon = source.LastIndexOf(':');
        if (colon > 0 && int.TryParse(source.AsSpan(colon + 1), out int line)) return (source[..colon], line);
        return (source, null);
    }
}
