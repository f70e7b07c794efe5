using System.Diagnostics;
using System.Text.Json;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Decoding;
using Glossa.Frames;
using Glossa.Models;
using Glossa.Scoring;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// <c>glossa evaluate</c>: loads a checkpoint (<see cref="CheckpointModel"/>), decodes a split with
/// <see cref="CtcDecoder"/> (greedy or beam), scores it with the official rules (sclite-exact
/// alignment, corpus cleanup) and writes the CTM, STM, per-utterance alignments and a WER summary,
/// named per decoder (SPLIT.greedy.ctm, SPLIT.beam-10.ctm) so runs of both sit side by side.
/// </summary>
public static class Evaluator
{
    /// <summary>
    /// RUN/eval-CHECKPOINT-SPLIT for the corpus the checkpoint was trained on (its training.json says which), and
    /// RUN/eval-CHECKPOINT-SPLIT-CORPUS (the corpus folder's name) for any other, so evaluating a run on a second
    /// corpus does not overwrite the evaluation of its own.
    /// </summary>
    public static string DefaultOutputDir(string checkpoint, string split, string corpus) => OutputDirFor("eval", checkpoint, split, corpus);

    /// <summary>
    /// RUN/PREFIX-CHECKPOINT-SPLIT[-CORPUS] (see <see cref="DefaultOutputDir"/>), in the run folder also for a checkpoint
    /// kept under RUN/checkpoints/ (whose unreferenced folders the trainer prunes). A name already taken by another
    /// corpus of the same folder name gets -2, -3, ...
    /// </summary>
    public static string OutputDirFor(string prefix, string checkpoint, string split, string corpus)
    {
        string full = Path.GetFullPath(checkpoint.TrimEnd('/'));
        string dir = Path.Combine(Checkpoint.RunFolderOf(full), $"{prefix}-{Path.GetFileName(full)}-{split}");
        string? trainedOn = TrainingCorpus(full);
        if (trainedOn is null || SameCorpus(trainedOn, corpus)) return dir;
        string real = Resolved(corpus);
        string name = new(Path.GetFileName(real).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        string stem = $"{dir}-{(name.Length > 0 ? name : "corpus")}", candidate = stem;
        for (int k = 2; k < 100 && WrittenForOtherCorpus(candidate, real); k++)
            candidate = $"{stem}-{k}";
        return candidate;
    }

    /// <summary>Whether <paramref name="folder"/> holds results of a corpus other than <paramref name="corpus"/>.</summary>
    static bool WrittenForOtherCorpus(string folder, string corpus)
    {
        if (!Directory.Exists(folder)) return false;
        foreach (string file in Directory.GetFiles(folder, "*.results.json"))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                if (doc.RootElement.TryGetProperty("corpus", out var c) && c.GetString() is { Length: > 0 } other && !SameCorpus(other, corpus))
                    return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { }
        }
        return false;
    }

    /// <summary>The absolute path with symbolic links resolved (a link to a corpus is that corpus), no trailing slash.</summary>
    internal static string Resolved(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd('/');
        try
        {
            FileSystemInfo info = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full);
            if (info.ResolveLinkTarget(returnFinalTarget: true) is { } target) return target.FullName.TrimEnd('/');
        }
        catch (IOException) { }
        return full.Length == 0 ? "/" : full;
    }

    /// <summary>The corpus in the checkpoint's training.json, or null when it does not say (or cannot be read).</summary>
    static string? TrainingCorpus(string checkpoint)
    {
        string path = Path.Combine(checkpoint, Checkpoint.OptionsFile);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("corpus", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return null; }
    }

    /// <summary>
    /// The same folder, or one inside the other (a corpus root and its phoenix-2014-multisigner folder). A relative
    /// <paramref name="trainedOn"/> (a run's options keep the path as given, from a folder not known here) matches any
    /// <paramref name="corpus"/> whose absolute path contains it.
    /// </summary>
    internal static bool SameCorpus(string trainedOn, string corpus)
    {
        string y = Resolved(corpus) + "/";
        if (!Path.IsPathRooted(trainedOn))
            return y.Contains("/" + string.Join('/', trainedOn.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p is not "." and not "..")) + "/", StringComparison.Ordinal);
        string x = Resolved(trainedOn) + "/";
        return x.StartsWith(y, StringComparison.Ordinal) || y.StartsWith(x, StringComparison.Ordinal);
    }

    /// <summary>Decodes and scores one split; <paramref name="progress"/> gets (clips done, total).</summary>
    public static EvaluationResult Run(EvaluationOptions options, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var device = ComputeDevice.Resolve(options.Device);
        if (options.Threads > 0) set_num_threads(options.Threads);
        string checkpoint = options.Checkpoint.TrimEnd('/');
        using var inference = CheckpointModel.Load(checkpoint, device, Models.Inference.PrecisionSupport.Parse(options.Precision),
            Models.Inference.EngineSelection.Parse(options.Engine));

        var corpus = CorpusLoader.LoadSplit(options.Corpus, options.CorpusFormat is null ? null : CorpusLoader.ParseFormat(options.CorpusFormat), options.Split);
        var samples = corpus.Split(options.Split);
        var cleanup = CleanupRules.Parse(options.CleanupIsAuto ? CorpusLoader.CleanupName(corpus.Format) : options.Cleanup);
        var decoder = CtcDecoder.Create(options.Beam, inference.Vocabulary.Count);
        // Videos ffprobe reads with errors are scored as they decode: say so, as training and recognize do.
        var warnings = new List<string>();
        var videoLengths = CtcFeasibility.VideoLengths(samples, warnings, "are not checked, so clips too short for CTC among them are not named");
        // Clips too short for their label at the model's stride cannot be recognised in full: scored all the same (training's
        // validation scores them too), and named, so a WER they raise is not read as the model's (a new user's trial).
        var (_, rejected) = CtcFeasibility.Split(samples, inference.Vocabulary, n => FramePolicy.KeptFrames(inference.Frames, n),
            n => (int)Math.Max(0, inference.Model.ComputeOutputLength(n)), videoLengths);
        var tooShort = rejected.Where(r => r.TooShort).ToList();
        // A clip the model gives no output frame cannot go through it: an empty hypothesis, as training's validation scores it.
        var (decodable, noOutput) = CtcFeasibility.ByOutput(samples, tooShort);
        if (tooShort.Count > 0)
            warnings.Add($"{tooShort.Count} of {samples.Count} clips are too short for CTC at the model's temporal stride {inference.Model.TemporalStride} " +
                $"(e.g. {string.Join(", ", tooShort.Take(3).Select(r => $"{r.Sample.Id}: {r.InputFrames} frames -> {r.OutputFrames} output frames, needs {r.RequiredFrames}"))}): " +
                "their glosses cannot all be recognised, and the ones missed count in the WER" +
                (noOutput.Count > 0 ? $"; {noOutput.Count} give no output frame at all and are scored as empty" : "") +
                $"; 'glossa corpus check {options.Corpus} {CtcFeasibility.CheckOptions(inference.Model)}' lists them, as does the results' too_short_clips");

        var unknown = samples.SelectMany(s => s.Glosses).Where(g => !inference.Vocabulary.Contains(g))
            .GroupBy(g => g, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var decoded = Decode(inference, decoder, decodable, noOutput, options, progress, cancel);
        warnings.AddRange(decoded.DecodeErrors); // scored as they decode, and said
        // As the official ground truth holds them (the STM written beside the results too).
        var references = samples.Select(s => cleanup.GroundTruth(s.ToUtterance())).ToList();
        var report = WerScorer.Score(references, decoded.Hypotheses, ScoreOptions.With(cleanup));

        string outDir = options.OutputDir ?? DefaultOutputDir(checkpoint, options.Split, options.Corpus);
        outDir = SafeWrite.Folder(outDir, "--output-dir");
        var files = FileNames(outDir, options.Split, decoder.Name);
        var t = report.Totals;
        var result = new EvaluationResult
        {
            Checkpoint = inference.Checkpoint,
            CheckpointEpoch = Checkpoint.SavedEpoch(checkpoint),
            Corpus = Resolved(options.Corpus),
            Split = options.Split,
            Decoder = decoder.Name,
            Engine = Models.Inference.EngineSelection.Name(inference.Engine),
            Cleanup = cleanup.Name,
            Wer = Math.Round(report.WerPercent, 2),
            Substitutions = t.Substitutions,
            Deletions = t.Deletions,
            Insertions = t.Insertions,
            ReferenceWords = t.ReferenceWords,
            Utterances = references.Count,
            ForwardSeconds = Math.Round(decoded.ForwardSeconds, 2),
            ForwardMsPerClip = decoded.WarmMsPerClip is double w ? Math.Round(w, 2) : null,
            DecodeSeconds = Math.Round(decoded.DecodeSeconds, 3),
            UnknownGlosses = unknown.Sum(g => g.Count()),
            UnknownGlossExamples = unknown.Take(5).Select(g => g.Key).ToList(),
            TooShortClips = tooShort.Select(r => new TooShortClip(r.Sample.Id, r.InputFrames, r.OutputFrames, r.RequiredFrames)).ToList(),
            Warnings = warnings,
            Files = files,
        };
        try
        {
            Write(files, references, decoded.Hypotheses, report, result);
            File.WriteAllText(files["results"], JsonSerializer.Serialize(result, GlossaJson.Files));
        }
        catch (Exception e) when (SafeWrite.IsOutputFailure(e))
        {
            // A full disk must not leave half a CTM beside a summary that looks complete.
            foreach (string file in files.Values)
                try { File.Delete(file); } catch (IOException) { }
            throw SafeWrite.Describe(e, outDir);
        }
        return result;
    }

    /// <summary>Hypotheses, forward and decode seconds, and forward milliseconds per clip after the first batch (null with one batch).</summary>
    sealed record Decoded(Dictionary<string, IReadOnlyList<string>> Hypotheses, double ForwardSeconds, double DecodeSeconds, double? WarmMsPerClip)
    {
        /// <summary>The clips whose video decoded with errors (<see cref="LoaderStats.DecodeErrors"/>).</summary>
        public IReadOnlyList<string> DecodeErrors { get; init; } = [];
    }

    /// <summary>Runs the model over the split in eval mode and decodes every clip it gives output frames; the clips in <paramref name="noOutput"/> get empty hypotheses.</summary>
    static Decoded Decode(CheckpointModel inference, CtcDecoder decoder, IReadOnlyList<Sample> decodable, IReadOnlyList<Sample> noOutput,
        EvaluationOptions options, Action<int, int>? progress, CancellationToken cancel)
    {
        var hypotheses = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var s in noOutput) hypotheses[s.Id] = [];
        if (decodable.Count == 0) return new Decoded(hypotheses, 0, 0, null);
        var loader = new BatchLoader(decodable, inference.Vocabulary, new LoaderOptions
        {
            Frames = inference.Frames,
            Mode = FrameMode.Eval,
            BatchSize = options.BatchSize,
            CacheDirectory = options.CacheDir,
        });
        var forward = new Stopwatch();
        var decode = new Stopwatch();
        double firstSeconds = 0;
        int firstClips = 0;
        foreach (var batch in loader.Epoch(0, cancel))
        {
            using var b = batch;
            forward.Start();
            var logProbs = inference.LogProbs(b.Frames, b.Lengths);
            forward.Stop();
            if (firstClips == 0)
            {
                // The first batch also pays the process's one-time costs (kernel selection, first allocations): 74 against 15
                // ms per clip for the same model on 30 clips, cold process against the demo's warm one.
                firstSeconds = forward.Elapsed.TotalSeconds;
                firstClips = b.Count;
            }
            decode.Start();
            int[][] ids = decoder.BestBatch(logProbs);
            decode.Stop();
            for (int i = 0; i < b.Count; i++)
                hypotheses[b.Ids[i]] = inference.Vocabulary.Decode(ids[i]);
            progress?.Invoke(hypotheses.Count, decodable.Count + noOutput.Count);
        }
        if (cancel.IsCancellationRequested)
            throw new OperationCanceledException("evaluation interrupted");
        int warmClips = hypotheses.Count - noOutput.Count - firstClips;
        double? warm = warmClips > 0 ? 1000 * (forward.Elapsed.TotalSeconds - firstSeconds) / warmClips : null;
        return new Decoded(hypotheses, forward.Elapsed.TotalSeconds, decode.Elapsed.TotalSeconds, warm) { DecodeErrors = loader.Stats.DecodeErrors };
    }

    /// <summary>SPLIT.stm and SPLIT.DECODER.{ctm,pra,wer-summary.txt,results.json} in <paramref name="outDir"/>, by kind.</summary>
    static Dictionary<string, string> FileNames(string outDir, string split, string decoder)
    {
        string Out(string ext) => Path.Combine(outDir, $"{split}.{decoder}.{ext}");
        return new Dictionary<string, string>
        {
            ["ctm"] = Out("ctm"), ["stm"] = Path.Combine(outDir, $"{split}.stm"), ["pra"] = Out("pra"),
            ["summary"] = Out("wer-summary.txt"), ["results"] = Out("results.json"),
        };
    }

    /// <summary>Writes every file but results.json, which is written last; the summary starts with what was scored.</summary>
    static void Write(Dictionary<string, string> files, IReadOnlyList<Utterance> references,
        IReadOnlyDictionary<string, IReadOnlyList<string>> hypotheses, ScoreReport report, EvaluationResult result)
    {
        CtmFile.Write(files["ctm"], references, hypotheses);
        StmFile.Write(files["stm"], references);
        using (var w = new StreamWriter(files["pra"])) report.WritePra(w);
        using (var w = new StreamWriter(files["summary"]))
        {
            string epoch = result.CheckpointEpoch is int e ? $" (saved after epoch {e})" : "";
            w.WriteLine($"checkpoint: {Resolved(result.Checkpoint)}{epoch}");
            w.WriteLine($"corpus: {result.Corpus}, split {result.Split}, decoder {result.Decoder}");
            report.WriteSummary(w);
        }
    }
}
