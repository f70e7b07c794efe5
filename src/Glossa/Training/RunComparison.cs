using System.Text.Json;
using Glossa.Common;
using Glossa.Models;

namespace Glossa.Training;

/// <summary>
/// Reads run folders for <c>glossa compare</c>: config.json (model, frame size, teacher),
/// summary.json (status, best epoch, speed), metrics.jsonl (epochs, seconds) and the results
/// of <c>glossa evaluate</c> found under the folder (<c>eval-*/SPLIT.DECODER.results.json</c>, those of
/// the <c>best</c> checkpoint first).
/// </summary>
public static class RunComparison
{
    /// <summary>One row per run folder, in the given order.</summary>
    public static IReadOnlyList<RunComparisonRow> Read(IEnumerable<string> runDirs) => runDirs.Select(ReadOne).ToList();

    /// <summary>
    /// Each run folder by the fewest trailing path parts that tell it from the others: out21/run and out22/run, not run
    /// twice (a new user's demo runs are all called run).
    /// </summary>
    public static IReadOnlyList<string> DisplayNames(IReadOnlyList<string> runs)
    {
        var parts = runs.Select(r => r.TrimEnd('/').Split('/', StringSplitOptions.RemoveEmptyEntries)).ToList();
        int most = parts.Count == 0 ? 1 : parts.Max(p => p.Length);
        for (int n = 1; ; n++)
        {
            var names = parts.Select(p => (n >= p.Length ? "/" : "") + string.Join('/', p.Skip(Math.Max(0, p.Length - n)))).ToList();
            if (n >= most || names.Distinct(StringComparer.Ordinal).Count() == names.Count) return names;
        }
    }

    /// <summary>Reads one run folder; throws a <see cref="GlossaException"/> naming it when it is not one.</summary>
    /// <summary>True when the runs name training corpora that are not the same folder (a corpus root and its variant folder count as one).</summary>
    public static bool TrainedOnDifferentCorpora(IReadOnlyList<RunComparisonRow> rows)
    {
        var known = rows.Select(r => r.Corpus).OfType<string>().ToList();
        return known.Skip(1).Any(c => !Evaluator.SameCorpus(c, known[0]));
    }

    public static RunComparisonRow ReadOne(string runDir)
    {
        string dir = Path.GetFullPath(runDir.TrimEnd('/'));
        if (!Directory.Exists(dir))
            throw new GlossaException($"{runDir}: run folder not found");
        string configPath = Path.Combine(dir, RunFolder.ConfigFile);
        if (!File.Exists(configPath))
            throw new GlossaException($"{runDir}: not a run folder (no {RunFolder.ConfigFile}); give folders written by glossa train or glossa distill");
        using var config = Parse(configPath);
        var root = config.RootElement;
        if (!root.TryGetProperty("model", out var modelJson))
            throw new GlossaException($"{configPath}: has no 'model' section; was it written by glossa train?");
        var model = ModelConfig.FromJson(modelJson.GetRawText(), configPath);
        string? teacher = root.TryGetProperty("distillation", out var kd) && kd.TryGetProperty("teacher", out var t) ? t.GetString() : null;

        // The options of the latest resume (term weights may change on --resume) or of the start.
        var latest = RunFolder.ReadLatestConfig(dir)?["training"] as System.Text.Json.Nodes.JsonObject;
        var metrics = RunFolder.ReadMetrics(dir);
        string summaryPath = Path.Combine(dir, RunFolder.SummaryFile);
        TrainingOutcome? summary = File.Exists(summaryPath) ? Read<TrainingOutcome>(summaryPath) : null;
        var best = metrics.Where(m => m.ValWer is not null).OrderBy(m => m.ValWer).ThenBy(m => m.Epoch).FirstOrDefault();
        string? corpus = root.TryGetProperty("training", out var training) && training.TryGetProperty("corpus", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString() : null;
        var (devResult, testResult) = Pair(Evaluations(dir, "dev", corpus), Evaluations(dir, "test", corpus));
        var (dev, devDecoder, devMs) = Figures(devResult);
        var (test, testDecoder, testMs) = Figures(testResult);

        return new RunComparisonRow
        {
            Run = dir,
            Model = model.Name,
            Parameters = CountParameters(model),
            FrameSize = model.FrameSize,
            Teacher = teacher,
            Corpus = corpus,
            Status = summary is null ? "running" : JsonNamingPolicy.KebabCaseLower.ConvertName(summary.Status.ToString()),
            StopCause = summary is { Status: TrainingStatus.EarlyStopped } ? summary.Cause ?? CauseFromMessage(summary.Message) : null,
            Epochs = summary?.Epochs ?? (metrics.Count > 0 ? metrics[^1].Epoch : 0),
            BestEpoch = (summary?.BestEpoch ?? best?.Epoch) is int e && e > 0 ? e : null, // 0: no epoch finished, no best
            Recipe = latest?["recipe"] is System.Text.Json.Nodes.JsonValue r && r.TryGetValue<string>(out var recipe) ? recipe : null,
            Objective = Objective(latest, teacher is not null),
            BestValWer = summary?.BestWer ?? best?.ValWer,
            ClipsPerSecond = summary is { ClipsPerSecond: > 0 } ? summary.ClipsPerSecond : null,
            SecondsPerEpoch = metrics.Count > 0 && metrics.All(m => m.Seconds is not null) ? metrics.Average(m => m.Seconds!.Value) : null,
            DevWer = dev,
            TestWer = test,
            Decoder = devDecoder ?? testDecoder,
            DevDecoder = devDecoder,
            TestDecoder = testDecoder,
            EvalMsPerClip = devMs ?? testMs,
        };
    }

    /// <summary>
    /// The terms a run trains: <c>ctc</c> (<c>ctc(sum)</c> with VAC's reduction), <c>conv_ctc</c> and <c>align</c> (VAC)
    /// when weighted, <c>kd</c> for a distillation, and ", shared head" for SMKD's shared classifier; what tells a VAC run
    /// from an SMKD one of the same model.
    /// </summary>
    static string Objective(System.Text.Json.Nodes.JsonObject? training, bool distilled)
    {
        static double Weight(System.Text.Json.Nodes.JsonNode? n) => n is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<double>(out double d) ? d : 0;
        var terms = training?["objectives"] as System.Text.Json.Nodes.JsonObject;
        bool sum = training?["ctc_reduction"] is System.Text.Json.Nodes.JsonValue r && r.TryGetValue<string>(out var reduction) && reduction == CtcObjective.Sum;
        var parts = new List<string> { sum ? "ctc(sum)" : "ctc" };
        if (Weight(terms?["conv_ctc_weight"]) > 0) parts.Add("conv_ctc");
        if (Weight(terms?["align_weight"]) > 0) parts.Add("align");
        if (distilled) parts.Add("kd");
        bool shared = terms?["shared_classifier"] is System.Text.Json.Nodes.JsonValue s && s.TryGetValue<bool>(out bool b) && b;
        return string.Join('+', parts) + (shared ? ", shared head" : "");
    }

    /// <summary>
    /// Summaries written before <see cref="TrainingOutcome.Cause"/> named early stops: their message begins with the
    /// budget that ended them.
    /// </summary>
    static string CauseFromMessage(string message) =>
        message.StartsWith("time budget:", StringComparison.Ordinal) ? TrainingOutcome.CauseTimeBudget
        : message.StartsWith("wall-clock limit:", StringComparison.Ordinal) ? TrainingOutcome.CauseWallClock
        : TrainingOutcome.CausePatience;

    /// <summary>
    /// The run's evaluations of <paramref name="split"/>, preferred first: the best checkpoint's, then the newest.
    /// Evaluations of another corpus than the run's own (<paramref name="corpus"/>) are not the run's dev and test WER and
    /// are left out.
    /// </summary>
    static List<EvaluationResult> Evaluations(string dir, string split, string? corpus) =>
        // SPLIT.DECODER.results.json (SPLIT.results.json from older evaluations); RUN/eval is the demo's evaluation of best.
        Directory.GetDirectories(dir, "eval*")
            .SelectMany(d => Directory.GetFiles(d, $"{split}.*results.json"))
            .OrderBy(f => Path.GetFileName(Path.GetDirectoryName(f)) is var folder && (folder == $"eval-best-{split}" || folder == "eval") ? 0 : 1)
            .ThenByDescending(File.GetLastWriteTimeUtc)
            .Select(f => Read<EvaluationResult>(f) ?? throw new GlossaException($"{f}: empty evaluation result"))
            .Where(r => corpus is null || r.Corpus.Length == 0 || Evaluator.SameCorpus(r.Corpus, corpus))
            .ToList();

    /// <summary>
    /// Dev and test read with the same decoder where the folder has both splits in one (the most preferred dev evaluation
    /// that has a test partner: a demo's beam-10 pair beside a later greedy dev evaluation), else each split's first.
    /// </summary>
    static (EvaluationResult? Dev, EvaluationResult? Test) Pair(List<EvaluationResult> dev, List<EvaluationResult> test)
    {
        foreach (var d in dev)
            if (test.FirstOrDefault(t => t.Decoder == d.Decoder) is { } partner)
                return (d, partner);
        return (dev.FirstOrDefault(), test.FirstOrDefault());
    }

    /// <summary>WER, decoder and forward ms per clip (after the first batch when recorded) of one evaluation.</summary>
    static (double? Wer, string? Decoder, double? MsPerClip) Figures(EvaluationResult? r) => r is null ? (null, null, null)
        : (r.Wer, r.Decoder, r.ForwardMsPerClip ?? (r.Utterances > 0 ? 1000 * r.ForwardSeconds / r.Utterances : null));

    static long CountParameters(ModelConfig config)
    {
        using var model = ModelFactory.Create(config);
        return model.parameters().Sum(p => p.numel());
    }

    /// <summary>A run-folder JSON file as <typeparamref name="T"/>; a damaged one is named in one line.</summary>
    static T? Read<T>(string path)
    {
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Checkpoint.Json); }
        catch (JsonException e) { throw new GlossaException($"{path}: not valid JSON (line {e.LineNumber + 1}); the run folder is damaged: fix or delete this file", e); }
    }

    static JsonDocument Parse(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new GlossaException($"{path}: not valid JSON ({e.Message})", e); }
    }
}
