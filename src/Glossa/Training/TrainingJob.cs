using Glossa.Common;
using Glossa.Corpora;
using Glossa.Doctor;
using Glossa.Frames;
using Glossa.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// Everything a <c>glossa train</c> run is built from: the corpus splits (clips too short for CTC
/// reported and left out), the vocabulary, the model (fresh, pretrained or from the run's last
/// checkpoint), the batch loaders and the doctor's monitor. <see cref="CreateRun"/> ties them to
/// a <see cref="TrainingRun"/>.
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
    /// <summary>The training doctor, fed every epoch.</summary>
    public HealthMonitor Monitor { get; }
    /// <summary>Optional variant of the run (distillation attaches its teacher here), handed to the run by <see cref="CreateRun"/>.</summary>
    public TrainingExtension? Extension { get; set; }

    TrainingJob(TrainingOptions options, CslrModel model, Vocabulary vocabulary, TrainingData data, Device device,
        IReadOnlyList<string> preamble, HealthMonitor monitor)
    {
        Options = options;
        Model = model;
        Vocabulary = vocabulary;
        Data = data;
        Device = device;
        Preamble = preamble;
        Monitor = monitor;
    }

    /// <summary>Frame transforms of a run: resize + crop (random in training), flip, temporal rescale, frame cap.</summary>
    public static FrameOptions FrameOptionsFor(TrainingOptions o, int frameSize)
    {
        int resize = o.Augment ? (int)Math.Round(frameSize * 8 / 7.0) : frameSize; // 224 -> 256, 64 -> 73
        return FrameOptions.Square(resize, frameSize) with
        {
            FlipProbability = o.Augment ? 0.5 : 0,
            TemporalRescale = o.Augment ? 0.2 : 0,
            RescaleMinFrames = Math.Min(32, o.MaxFrames),
            RescaleMaxFrames = o.MaxFrames,
            MaxFrames = o.MaxFrames,
        };
    }

    /// <summary>Frames the model sees, at least, for a clip of n frames (frame cap, then the shortest temporal rescale).</summary>
    public static int WorstCaseFrames(FrameOptions f, int n, bool training)
    {
        int kept = f.MaxFrames > 0 && n > f.MaxFrames ? f.MaxFrames : n;
        if (!training || f.TemporalRescale <= 0) return kept;
        int m = Math.Clamp((int)(kept * (1 - f.TemporalRescale)), f.RescaleMinFrames, f.RescaleMaxFrames);
        return f.MaxFrames > 0 ? Math.Min(m, f.MaxFrames) : m;
    }

    /// <summary>Loads the corpus, builds or restores vocabulary and model, and prepares the loaders.</summary>
    public static TrainingJob Prepare(TrainingOptions options)
    {
        options.Validate();
        var device = TrainingDevice.Resolve(options.Device);
        set_num_threads(options.EffectiveThreads);
        var preamble = new List<string>();

        if (string.IsNullOrWhiteSpace(options.Corpus))
            throw new GlossaException("--corpus is required: a corpus root or manifest (or set GLOSSA_CORPUS)");
        if (!File.Exists(options.Corpus) && !Directory.Exists(options.Corpus))
            throw new GlossaException($"{options.Corpus}: corpus not found; pass --corpus PATH (or set GLOSSA_CORPUS); 'glossa synth DIR' writes a synthetic one");
        var corpus = CorpusLoader.Load(options.Corpus, options.CorpusFormat is null ? null : CorpusLoader.ParseFormat(options.CorpusFormat));
        var train = corpus.Split("train");
        var val = corpus.Split(options.ValSplit);
        preamble.Add($"  corpus {corpus.Name} ({corpus.Format}) at {corpus.Root}: {train.Count} train, {val.Count} {options.ValSplit} clips");

        string runDir = Path.GetFullPath(options.OutputDir);
        string last = Path.Combine(runDir, "last");
        Vocabulary vocabulary;
        ModelConfig config;
        if (options.Resume && Checkpoint.Exists(last))
        {
            vocabulary = Checkpoint.ReadVocabulary(last);
            config = ModelConfig.FromJson(Checkpoint.ReadModelConfigJson(last), Path.Combine(last, Checkpoint.ModelConfigFile));
            if (config.Name != options.Model)
                preamble.Add($"  note: --model {options.Model} ignored on resume; the checkpoint's model is {config.Name}");
        }
        else
        {
            vocabulary = Vocabulary.Build(train);
            config = ModelFactory.Named(options.Model, vocabulary.Count, options.HiddenDim, options.Dropout);
            if (options.FrameSize is int side) config = config with { FrameSize = side };
            if (options.TemporalChannels is int channels) config = config with { TemporalChannels = channels };
            config = options.Objectives.ShapeModel(config).Validate();
        }
        int frameSize = options.FrameSize ?? config.FrameSize;

        random.manual_seed(options.Seed);
        var model = ModelFactory.Create(config);
        if (options.Pretrained is string weights && !options.Resume)
            preamble.Add("  " + LoadPretrained(model, weights));
        model.to(device);
        long parameters = model.parameters().Sum(p => p.numel());
        preamble.Add($"  model {config.Name}: {parameters:N0} parameters, temporal stride {model.TemporalStride}, {frameSize}x{frameSize} frames, {vocabulary.Count} classes");

        var frames = FrameOptionsFor(options, frameSize);
        int OutputLength(int n) => (int)Math.Max(0, model.ComputeOutputLength(n));
        var (trainKept, trainRejected) = CtcFeasibility.Split(train, vocabulary, n => WorstCaseFrames(frames, n, training: true), OutputLength);
        var (valKept, valRejected) = CtcFeasibility.Split(val, vocabulary, n => WorstCaseFrames(frames, n, training: false), OutputLength);
        preamble.AddRange(CtcFeasibility.Describe("train", train.Count, trainRejected));
        preamble.AddRange(CtcFeasibility.Describe(options.ValSplit, val.Count, valRejected));
        if (trainKept.Count == 0)
            throw new GlossaException($"{options.Corpus}: no training clip is long enough for CTC with {config.Name} (temporal stride {model.TemporalStride}); raise --max-frames or use a model with a smaller stride");
        if (valKept.Count == 0)
            throw new GlossaException($"{options.Corpus}: no {options.ValSplit} clip is long enough for CTC; check the split");

        var loaderOptions = new LoaderOptions
        {
            Frames = frames,
            BatchSize = options.BatchSize,
            Seed = unchecked((int)options.Seed),
            Workers = options.Prefetch,
            QueueDepth = Math.Max(2, options.Prefetch * 2),
            CacheDirectory = options.CacheDir,
        };
        var trainLoader = new BatchLoader(trainKept, vocabulary, loaderOptions with { Mode = FrameMode.Train });
        var valLoader = new BatchLoader(valKept, vocabulary, loaderOptions with { Mode = FrameMode.Eval });
        if (valLoader.UnknownGlossCount > 0)
            preamble.Add($"  {options.ValSplit}: {valLoader.UnknownGlossCount} gloss occurrences are not in the training vocabulary (they count as errors)");
        // The loaders do not get the stop token: the trainer checks it between steps and stops
        // enumerating (which stops the workers), so a Ctrl+C always ends on a complete step.
        var data = new TrainingData(
            epoch => trainLoader.Epoch(epoch),
            () => valLoader.Epoch(0),
            trainLoader.BatchesPerEpoch, trainKept.Count, valKept.Count)
        { TrainBatchesFrom = (epoch, skip) => trainLoader.Epoch(epoch, skip) };

        var monitor = new HealthMonitor(new RunContext
        {
            ModelName = config.Name,
            ParameterCount = parameters,
            TrainingSamples = trainKept.Count,
            TemporalStride = model.TemporalStride,
            // The training split's share: those clips are what training loses (rejected validation clips are listed in the preamble).
            InfeasibleClips = trainRejected.Count,
            CheckedClips = train.Count,
            InfeasibleExamples = trainRejected.Take(5).Select(r => r.Sample.Id).ToList(),
            CorpusVocabularySize = vocabulary.Count,
            CheckpointVocabularySize = options.Resume ? vocabulary.Count : null,
            LabelCounts = RunContext.CountLabels(trainKept),
            Config = RunFolder.ConfigObject(options, config.ToJson(), vocabulary),
            CommandLine = options.CommandLine,
        });
        return new TrainingJob(options, model, vocabulary, data, device, preamble, monitor);
    }

    /// <summary>The training loop over this job, with the doctor wired in (findings replayed on resume).</summary>
    public TrainingRun CreateRun(Action<string>? output = null, Action<StepProgress>? progress = null, Action<int, int>? epochStarting = null)
    {
        if (Options.Resume)
            foreach (var m in RunFolder.ReadMetrics(Path.GetFullPath(Options.OutputDir)))
                Monitor.Observe(m);
        return new TrainingRun(Options, Model, Model.Config.ToJson(), Vocabulary, Data, Device)
        {
            Output = output,
            Progress = progress,
            EpochStarting = epochStarting,
            Preamble = Preamble,
            Extension = Extension,
            NonFiniteCheck = e => Monitor.ReportNonFinite(e.Epoch, e.Step, e.Module, e.Quantity, e.Value).ToLogLines().ToList(),
            HealthCheck = metrics =>
            {
                // Saved once the run folder exists, so 'glossa diagnose RUN_DIR' knows what the live doctor knew.
                RunRecord.SaveContext(Path.GetFullPath(Options.OutputDir), Monitor.Context);
                var fresh = Monitor.Observe(metrics);
                var lines = fresh.SelectMany(f => f.ToLogLines()).ToList();
                return (lines, Monitor.ShouldStop(out string reason) ? reason : null);
            },
        };
    }

    /// <summary>Loads backbone weights (torchvision / pytorch-i3d keys) or whole-model weights, and says what was loaded.</summary>
    static string LoadPretrained(CslrModel model, string path)
    {
        var report = WeightIO.Load(model.Backbone, path, strict: false);
        string what = "backbone";
        if (report.Loaded.Count == 0)
        {
            report = WeightIO.Load(model, path, strict: false);
            what = "model";
        }
        if (report.Loaded.Count == 0)
            throw new GlossaException($"{path}: --pretrained matched no parameter of the {model.Config.Name} backbone or model ({report.Describe()})");
        return $"pretrained {what} weights from {path}: {report.Loaded.Count} tensors loaded, {report.Missing.Count} missing, {report.Unexpected.Count} unused";
    }

    public void Dispose() => Model.Dispose();
}
