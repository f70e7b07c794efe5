using Glossa.Common;
using Glossa.Corpora;
using Glossa.Frames;
using Glossa.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// Everything a <c>glossa train</c> run is built from: the corpus splits (clips too short for CTC
/// reported and left out), the vocabulary, the model (fresh, pretrained or from the run's last
/// checkpoint) and the batch loaders. <see cref="CreateRun"/> ties them to a
/// <see cref="TrainingRun"/> and its optional live monitor.
/// </summary>
public sealed class TrainingJob : IDisposable
{
    /// <summary>The validated options.</summary>
    public TrainingOptions Options { get; }
    public CslrModel Model { get; }
    public Vocabulary Vocabulary { get; }
    public TrainingData Data { get; }
    public Device Device { get; }
    /// <summary>Lines describing the setup (corpus, rejected clips, model size), logged at the start of the run.</summary>
    public IReadOnlyList<string> Preamble { get; }
    /// <summary>The live health check fed every epoch (the training doctor where the run is composed); none by default.</summary>
    public ITrainingMonitor? Monitor { get; set; }
    /// <summary>The training clips kept (long enough for CTC at the model's stride).</summary>
    public IReadOnlyList<Sample> TrainSamples { get; }
    /// <summary>The training clips left out as too short for CTC, with why.</summary>
    public IReadOnlyList<CtcFeasibility.Rejected> TrainRejected { get; }
    /// <summary>Validation glosses missing from the vocabulary (a vocabulary mismatch), and all validation glosses.</summary>
    public (int Unknown, int Total) ValidationGlosses { get; private init; }
    /// <summary>Signers of the training and validation clips kept (<see cref="SignerCounts"/>); null when the corpus names none.</summary>
    public SignerCounts? Signers { get; private init; }
    /// <summary>Optional variant of the run (distillation attaches its teacher here), handed to the run by <see cref="CreateRun"/>.</summary>
    public TrainingExtension? Extension { get; set; }

    TrainingJob(TrainingOptions options, CslrModel model, Vocabulary vocabulary, TrainingData data, Device device,
        IReadOnlyList<string> preamble, IReadOnlyList<Sample> trainSamples, IReadOnlyList<CtcFeasibility.Rejected> trainRejected)
    {
        Options = options;
        Model = model;
        Vocabulary = vocabulary;
        Data = data;
        Device = device;
        Preamble = preamble;
        TrainSamples = trainSamples;
        TrainRejected = trainRejected;
    }

    /// <summary>Loads the corpus, builds or restores vocabulary and model, and prepares the loaders.</summary>
    public static TrainingJob Prepare(TrainingOptions options)
    {
        options.Validate();
        RunFolder.Check(options.OutputDir, options.Resume, options.Overwrite); // "nothing to resume" before the corpus is looked for
        var preamble = new List<string>();
        options = WithRunsOwn(options, preamble); // on --resume, the run's own threads and device unless given again
        var device = ComputeDevice.Resolve(options.Device);
        set_num_threads(options.EffectiveThreads);
        preamble.AddRange(options.Notes());
        var corpus = LoadCorpus(options, preamble);
        var train = corpus.Split("train");
        var val = corpus.Split(options.ValSplit);
        var (vocabulary, config) = VocabularyAndConfig(options, train, preamble);
        int frameSize = options.FrameSize ?? config.FrameSize;

        random.manual_seed(options.Seed);
        var model = ModelFactory.Create(config);
        if (options.Pretrained is string weights && !options.Resume)
            preamble.Add("  " + LoadPretrained(model, weights));
        model.to(device);
        long parameters = model.parameters().Sum(p => p.numel());
        preamble.Add($"  model {config.Name}: {parameters:N0} parameters, temporal stride {model.TemporalStride}, {frameSize}x{frameSize} frames, {vocabulary.Count} classes");

        var frames = FramePolicy.For(frameSize, options.MaxFrames, options.Augment, options.Flip, options.Zoom, options.TemporalRescale, options.ColourShuffle, options.Stretch);
        int OutputLength(int n) => (int)Math.Max(0, model.ComputeOutputLength(n));
        // The training loader never rescales a clip below what its label needs (ShortestClip), so a
        // training clip is kept when its frames after the cap are enough, as a validation clip is.
        var videoFrames = CtcFeasibility.VideoLengths(train.Concat(val), preamble);
        var (trainKept, trainRejected) = CtcFeasibility.Split(train, vocabulary, n => FramePolicy.KeptFrames(frames, n), OutputLength, videoFrames);
        var (valKept, valRejected) = CtcFeasibility.Split(val, vocabulary, n => FramePolicy.KeptFrames(frames, n), OutputLength, videoFrames);
        string listAll = $"glossa corpus check {options.Corpus} {CtcFeasibility.CheckOptions(model, options.MaxFrames)}";
        preamble.AddRange(CtcFeasibility.Describe("train", train.Count, trainRejected, listAll: listAll));
        // A dev clip none of whose glosses training knows is not short: it is scored like any other, its glosses errors.
        preamble.AddRange(CtcFeasibility.Describe(options.ValSplit, val.Count, [.. valRejected.Where(r => r.TooShort)], scored: true, listAll: listAll));
        // Validation scores every clip, as evaluate does (until 2026-12-07 the short ones were left out, and the dev WER 'best'
        // was chosen by covered half the clips a new user's evaluate scored): the validator leaves the short ones out of the
        // loss only, and scores those the model gives no output frame at all as empty hypotheses.
        var (valScored, valNoOutput) = CtcFeasibility.ByOutput(val, valRejected);
        if (trainKept.Count == 0)
            throw new GlossaException($"{options.Corpus}: no training clip is long enough for CTC with {config.Name} (temporal stride {model.TemporalStride}); raise --max-frames or train a model of smaller temporal stride (the --temporal-conv and --i3d-stride options)");
        if (valKept.Count == 0)
            throw new GlossaException($"{options.Corpus}: no {options.ValSplit} clip is long enough for CTC; check the split");

        var data = Loaders(options, frames, vocabulary, trainKept, valScored, ShortestInput(OutputLength), preamble) with
        {
            ValNoOutput = valNoOutput,
            Cleanup = Scoring.CleanupRules.Parse(CorpusLoader.CleanupName(corpus.Format)),
        };
        return new TrainingJob(options, model, vocabulary, data, device, preamble, trainKept, trainRejected)
        {
            // Every dev clip validation scores, the ones the model gives no output frame (empty hypotheses) included.
            ValidationGlosses = (val.Sum(s => s.Glosses.Count(g => !vocabulary.Contains(g))), val.Sum(s => s.Glosses.Count)),
            Signers = SignerCounts.Of(trainKept, val),
        };
    }

    /// <summary>
    /// The options a run would use, checked as far as they can be without reading the corpus or
    /// touching the run folder (<c>glossa train --dry-run</c>): their validation, the run folder's
    /// state, the run's own options on <c>--resume</c> (as the run would resolve them) and the corpus path.
    /// </summary>
    public static TrainingOptions Resolve(TrainingOptions options) => Resolve(options, out _);

    /// <summary><see cref="Resolve(TrainingOptions)"/>, and the vocabulary the run would train: its <c>last</c> checkpoint's on <c>--resume</c>, the training split's otherwise.</summary>
    public static TrainingOptions Resolve(TrainingOptions options, out Vocabulary vocabulary)
    {
        options.Validate();
        SafeWrite.CheckWritable(options.OutputDir, "--output-dir"); // as the run would fail (exit 4), without creating it
        RunFolder.Check(options.OutputDir, options.Resume, options.Overwrite);
        options = WithRunsOwn(options, []);
        _ = ComputeDevice.Resolve(options.Device); // --device cuda without CUDA fails here, as in the run
        _ = ModelFactory.Named(options.Model, hiddenDim: options.HiddenDim, dropout: options.Dropout); // an unknown --model fails here, as in the run
        var corpus = LoadCorpus(options, []); // its format, annotation files and the train and validation splits, as the run reads them
        // Their videos measured as the run measures them: an unreadable one stops the run at start-up, so the dry run too.
        _ = CtcFeasibility.VideoLengths(corpus.Split("train").Concat(corpus.Split(options.ValSplit)), []);
        vocabulary = ResumedCheckpoint(options) is string last ? ModelCheckpoint.ReadVocabulary(last) : Vocabulary.Build(corpus.Split("train"));
        if (options.Pretrained is string weights && !options.Resume)
        {
            // Read and checked as the run would (an unreadable file, another architecture); the class count is the
            // corpus's, and a classifier of another size is allowed, so any count does here.
            using var model = ModelFactory.Create(BuildConfig(options, ModelConfig.PhoenixClasses));
            _ = LoadPretrained(model, weights);
        }
        return options;
    }

    /// <summary>
    /// On <c>--resume</c>, <paramref name="options"/> as the run continues with them (its own for every option not given,
    /// <see cref="ResumeCompatibility"/>), read from its <c>last</c> checkpoint without the corpus; otherwise <paramref name="options"/>.
    /// </summary>
    public static TrainingOptions RunsOwn(TrainingOptions options)
    {
        RunFolder.Check(options.OutputDir, options.Resume, options.Overwrite);
        return WithRunsOwn(options, []);
    }

    /// <summary>On <c>--resume</c> of a run with a <c>last</c> checkpoint, the options it continues with (<see cref="ResumeCompatibility"/>), what changed added to <paramref name="notes"/>; otherwise <paramref name="options"/>.</summary>
    static TrainingOptions WithRunsOwn(TrainingOptions options, List<string> notes)
    {
        if (ResumedCheckpoint(options) is not string last)
            return options;
        (options, var changed) = ResumeCompatibility.Resolve(options, last);
        notes.AddRange(changed);
        return options;
    }

    /// <summary>The run's <c>last</c> checkpoint when <paramref name="options"/> resume a run that has one; null otherwise.</summary>
    static string? ResumedCheckpoint(TrainingOptions options)
    {
        string last = Path.Combine(Path.GetFullPath(options.OutputDir), "last");
        return options.Resume && Checkpoint.Exists(last) ? last : null;
    }

    static void RequireCorpusPath(TrainingOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Corpus))
            throw new GlossaException("--corpus is required: a corpus root or manifest (or set GLOSSA_CORPUS)");
        if (!File.Exists(options.Corpus) && !Directory.Exists(options.Corpus))
            throw new GlossaException($"{options.Corpus}: corpus not found; pass --corpus PATH (or set GLOSSA_CORPUS); 'glossa synth DIR' writes a synthetic one");
    }

    /// <summary>The training split and the validation split, or one line saying what to add or pass (a new user's manifest without dev rows got "has no split 'dev'").</summary>
    static void RequireSplits(Corpus corpus, string valSplit)
    {
        string available = corpus.Splits.Count == 0 ? "none" : string.Join(", ", corpus.Splits.Keys);
        if (!corpus.HasSplit("train"))
            throw new GlossaException($"{corpus.Root}: corpus '{corpus.Name}' has no 'train' split to train on (available: {available}); add training clips to it");
        if (!corpus.HasSplit(valSplit))
            throw new GlossaException($"{corpus.Root}: corpus '{corpus.Name}' has no '{valSplit}' split to validate on (available: {available}); " +
                $"add {valSplit} clips (the best checkpoint and early stopping are chosen on them), or name another split with --val-split");
    }

    static Corpus LoadCorpus(TrainingOptions options, List<string> preamble)
    {
        RequireCorpusPath(options);
        var corpus = CorpusLoader.Load(options.Corpus, options.CorpusFormat is null ? null : CorpusLoader.ParseFormat(options.CorpusFormat));
        RequireSplits(corpus, options.ValSplit);
        preamble.Add($"  corpus {corpus.Name} ({CorpusLoader.FormatName(corpus.Format)}) at {corpus.Root}: {corpus.Split("train").Count} train, {corpus.Split(options.ValSplit).Count} {options.ValSplit} clips");
        preamble.AddRange(CorpusNotes(corpus, options.ValSplit));
        return corpus;
    }

    /// <summary>
    /// What training would otherwise pass over in silence among the warnings of corpus check: a
    /// split it never reads (a typo such as 'trian' loses those clips) and glosses holding U+FFFD
    /// (annotation bytes that are not UTF-8), which the model learns as glosses of their own.
    /// </summary>
    internal static IEnumerable<string> CorpusNotes(Corpus corpus, string valSplit)
    {
        foreach (var (name, samples) in corpus.Splits.OrderBy(s => s.Key, StringComparer.Ordinal))
            if (name is not ("train" or "dev" or "test") && name != valSplit)
                yield return $"  note: split '{name}' ({Words.Count(samples.Count, "clip")}) is not train, dev or test, so training does not read it; 'glossa corpus check' says more";
        var garbled = corpus.Splits.Values.SelectMany(s => s).Where(s => s.Glosses.Any(g => g.Contains('\uFFFD'))).ToList();
        if (garbled.Count > 0)
            yield return $"  note: {garbled.Count} clip{(garbled.Count == 1 ? " has" : "s have")} glosses with U+FFFD (annotation bytes that are not UTF-8; first: '{garbled[0].Id}', {garbled[0].Source}), learnt as glosses of their own; 'glossa corpus check' names the lines";
    }

    /// <summary>The run's last checkpoint's vocabulary and model when resuming; built from the training split otherwise.</summary>
    static (Vocabulary, ModelConfig) VocabularyAndConfig(TrainingOptions options, IReadOnlyList<Sample> train, List<string> preamble)
    {
        if (ResumedCheckpoint(options) is string last)
        {
            var config = ModelCheckpoint.ReadConfig(last);
            var saved = ModelCheckpoint.ReadVocabulary(last);
            if (ResumeCompatibility.CheckCorpus(train, saved, options.Corpus, last) is { } moved) preamble.Add(moved);
            return (saved, config);
        }
        var vocabulary = Vocabulary.Build(train);
        return (vocabulary, BuildConfig(options, vocabulary.Count));
    }

    /// <summary>The model a new run of <paramref name="options"/> builds: the named model with the options that shape it.</summary>
    static ModelConfig BuildConfig(TrainingOptions options, int numClasses)
    {
        var built = ModelFactory.Named(options.Model, numClasses, options.HiddenDim, options.Dropout);
        if (options.FrameSize is int side) built = built with { FrameSize = side };
        built = options.WithModelShape(built);
        if (options.WidthMult is double width) built = built with { WidthMult = width };
        if (options.InputNorm is string norm) built = built with { InputNorm = norm };
        if (options.FeatureNorm is string featureNorm) built = built with { FeatureNorm = featureNorm };
        if (options.EdgePad is int pad) built = built with { EdgePad = pad };
        return options.Objectives.ShapeModel(built).Validate();
    }

    /// <summary>
    /// The model of <paramref name="resolved"/> (from <see cref="Resolve(TrainingOptions)"/>) as JSON with its defaults
    /// filled in: on --resume the checkpoint's; otherwise what the run would build, without
    /// num_classes (the training split's vocabulary decides it); with <c>temporal_stride</c>, the input frames per output
    /// frame of the model as built (what <c>model info</c> says), so a dry run shows what <c>--temporal-conv</c> or
    /// <c>--i3d-stride</c> made of it.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject ResolveModel(TrainingOptions resolved)
    {
        string? last = ResumedCheckpoint(resolved);
        var config = last is not null ? ModelCheckpoint.ReadConfig(last) : BuildConfig(resolved, ModelConfig.PhoenixClasses);
        var json = config.ToResolvedJson();
        if (last is null) json.Remove("num_classes");
        using (var model = ModelFactory.Create(config)) // the stride of an I3D cut before its last pool is the built model's to say
            json["temporal_stride"] = model.TemporalStride;
        return json;
    }

    /// <summary>The fewest input frames for which <paramref name="outputLength"/> gives CTC enough output frames for a label (binary search: output length grows with input length).</summary>
    internal static Func<long[], int> ShortestInput(Func<int, int> outputLength) => target =>
    {
        int required = Math.Max(1, CtcObjective.RequiredFrames(target.Select(x => (int)x).ToArray()));
        int lo = 1, hi = 1;
        while (outputLength(hi) < required && hi < 1 << 20) hi *= 2;
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (outputLength(mid) >= required) hi = mid; else lo = mid + 1;
        }
        return lo;
    };

    /// <summary>The training and validation loaders as the run's batches; the training loader rescales no clip below <paramref name="shortestClip"/>.</summary>
    static TrainingData Loaders(TrainingOptions options, FrameOptions frames, Vocabulary vocabulary, List<Sample> trainKept, List<Sample> valKept, Func<long[], int> shortestClip, List<string> preamble)
    {
        var loaderOptions = new LoaderOptions
        {
            Frames = frames,
            BatchSize = options.BatchSize,
            Seed = unchecked((int)options.Seed),
            Workers = options.Prefetch,
            QueueDepth = Math.Max(2, options.Prefetch * 2),
            CacheDirectory = options.CacheDir,
        };
        var trainLoader = new BatchLoader(trainKept, vocabulary, loaderOptions with { Mode = FrameMode.Train, ShortestClip = shortestClip });
        var valLoader = new BatchLoader(valKept, vocabulary, loaderOptions with { Mode = FrameMode.Eval });
        if (valLoader.UnknownGlossCount > 0)
            preamble.Add($"  {options.ValSplit}: {valLoader.UnknownGlossCount} gloss occurrences are not in the training vocabulary (they count as errors)");
        // The loaders do not get the stop token: the trainer checks it between steps and stops
        // enumerating (which stops the workers), so a Ctrl+C always ends on a complete step.
        return new TrainingData(
            epoch => trainLoader.Epoch(epoch),
            () => valLoader.Epoch(0),
            trainLoader.BatchesPerEpoch, trainKept.Count, valKept.Count)
        {
            TrainBatchesFrom = (epoch, skip) => trainLoader.Epoch(epoch, skip),
            DecodeErrors = () => [.. trainLoader.Stats.DecodeErrors, .. valLoader.Stats.DecodeErrors],
        };
    }

    /// <summary>The training loop over this job, reporting to <see cref="Monitor"/> (which first hears the recorded epochs on resume).</summary>
    public TrainingRun CreateRun(Action<string>? output = null, Action<StepProgress>? progress = null, Action<int, int>? epochStarting = null)
    {
        if (Options.Resume && Monitor is not null)
            Monitor.Replay(RunFolder.ReadMetrics(Path.GetFullPath(Options.OutputDir)));
        return new TrainingRun(Options, Model, Model.Config.ToJson(), Vocabulary, Data, Device)
        {
            Output = output,
            Progress = progress,
            EpochStarting = epochStarting,
            Preamble = Preamble,
            Extension = Extension,
            NonFiniteCheck = Monitor is null ? null : Monitor.NonFinite,
            HealthCheck = Monitor is null ? null : Monitor.Observe,
        };
    }

    /// <summary>
    /// Loads <c>--pretrained</c> into <paramref name="model"/> and says what was loaded: backbone weights (torchvision /
    /// pytorch-i3d keys), a whole model (an export, TorchSharp weights) or a checkpoint folder, read and checked as
    /// <c>model import</c> reads them (<see cref="WeightIO.ReadStateDict(string)"/>). Keys under a common prefix are matched
    /// without it. Refuses a file that gives the backbone nothing; tensors of another shape (a classifier of another
    /// vocabulary, the usual fine-tuning case) are left as initialised and named.
    /// </summary>
    internal static string LoadPretrained(CslrModel model, string path)
    {
        CslrModel? source = null;
        Dictionary<string, Tensor> state = [];
        if (Directory.Exists(path))
        {
            source = ModelCheckpoint.LoadModel(path); // a run's best, or 'glossa model import' output: its whole model
            state = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        }
        string format = "checkpoint";
        if (source is null)
            state = WeightIO.ReadStateDict(path, out format);
        try
        {
            if (source is not null) WeightIO.RequireFinite(state, path); // inside the try: the loaded model is disposed on refusal
            var (asModel, modelPrefix) = WeightIO.FitPrefix(state, model);
            var (asBackbone, backbonePrefix) = WeightIO.FitPrefix(state, model.Backbone);
            var whole = WeightIO.Compare(model, asModel);
            var backbone = WeightIO.Compare(model, asBackbone, "backbone.");
            bool useWhole = whole.Loaded.Count > backbone.Loaded.Count;
            var report = useWhole ? whole : backbone;
            int backboneTensors = model.Backbone.state_dict().Count;
            int backboneLoaded = report.Loaded.Count(k => k.StartsWith("backbone.", StringComparison.Ordinal));
            if (backboneLoaded == 0)
                throw new GlossaException($"{path}: --pretrained gives the {model.Config.Backbone} backbone of {model.Config.Name} none of its {backboneTensors} tensors " +
                    $"(keys like 'backbone.{model.Backbone.state_dict().Keys.First()}'); the file holds {WeightIO.Holds(state)}" +
                    (report.Loaded.Count > 0 ? $", of which only {report.Loaded.Count} head tensors fit" : "") +
                    $"; give weights of a {model.Config.Backbone} backbone, or pick the --model whose backbone the file holds");
            // Another shape inside the backbone is another architecture or width (MobileNetV3-Large weights into the Small
            // backbone loaded 59 of 240 tensors and trained on, with an info line); only the head may differ (a new vocabulary).
            var backboneShapes = report.ShapeMismatches.Where(k => k.StartsWith("backbone.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            if (backboneShapes.Count > 0)
                throw new GlossaException($"{path}: {Words.Count(backboneShapes.Count, "tensor")} of the {model.Config.Backbone} backbone of {model.Config.Name} " +
                    $"{(backboneShapes.Count == 1 ? "has" : "have")} another shape in the file ({string.Join("; ", backboneShapes.Take(2))}{(backboneShapes.Count > 2 ? "; ..." : "")}): " +
                    "it holds another architecture or width; give weights of this backbone, or pick the --model (and --width-mult) whose backbone the file holds");
            if (useWhole) WeightIO.LoadStateDict(model, asModel, strict: false);
            else WeightIO.LoadStateDict(model, asBackbone, strict: false, prefix: "backbone.");
            string prefix = (useWhole ? modelPrefix : backbonePrefix) is { Length: > 0 } p ? $"; key prefix '{p}' removed" : "";
            string shapes = report.ShapeMismatches.Count == 0 ? ""
                : $", {report.ShapeMismatches.Count} skipped for another shape ({string.Join("; ", report.ShapeMismatches.Take(3))}{(report.ShapeMismatches.Count > 3 ? "; ..." : "")}), left as initialised";
            return $"pretrained {(useWhole ? "model" : "backbone")} weights{(format == "torchsharp" ? " (TorchSharp format)" : "")} from {path}: {report.Loaded.Count} tensors loaded ({backboneLoaded} of the backbone's {backboneTensors}), " +
                   $"{report.Missing.Count} missing, {report.Unexpected.Count} unused{shapes}{prefix}";
        }
        finally
        {
            if (source is not null) source.Dispose();
            else foreach (var t in state.Values) t.Dispose();
        }
    }

    public void Dispose() => Model.Dispose();
}
