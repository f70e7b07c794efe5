using System.Text.Json.Serialization;
using Glossa.Common;
using Glossa.Models;
using Glossa.Training.Objectives;

namespace Glossa.Training;

/// <summary>
/// Everything <c>glossa train</c> can be told. Defaults follow the common CSLR recipe (Adam
/// family, lr 3e-4, small batches, CTC) scaled for a CPU; the resolved record is written to the
/// run folder as <c>config.json</c>. Call <see cref="Validate"/> before any work starts.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Named model configuration (i3d-teacher, mobilenetv3-student, tiny-student, ...).</summary>
    public string Model { get; init; } = "mobilenetv3-student";

    /// <summary>Corpus root or manifest, as the corpus loader accepts it.</summary>
    public string Corpus { get; init; } = "";

    /// <summary>Corpus format (phoenix2014, phoenix2014t, csl-daily, manifest, ...); null = detect.</summary>
    public string? CorpusFormat { get; init; }

    /// <summary>Run folder: config, vocabulary, logs, TensorBoard events, checkpoints.</summary>
    public string OutputDir { get; init; } = "";

    /// <summary>Maximum number of epochs.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Clips per forward pass.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Peak learning rate of AdamW (reached after the warm-up).</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary><see cref="Optimizer"/> value for AdamW (decoupled weight decay).</summary>
    public const string AdamW = "adamw";
    /// <summary><see cref="Optimizer"/> value for Adam (weight decay as an L2 term in the gradient, as VAC and CorrNet train).</summary>
    public const string Adam = "adam";

    /// <summary>Optimizer: adamw or adam.</summary>
    public string Optimizer { get; init; } = AdamW;

    /// <summary>Weight decay of the optimizer (decoupled for AdamW, L2 for Adam).</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Dropout probability inside the model; null keeps the named model's default.</summary>
    public double? Dropout { get; init; }

    /// <summary>Hidden size per direction of the model's BiLSTM; null keeps the named model's default.</summary>
    public int? HiddenDim { get; init; }

    /// <summary>Channels of the model's temporal conv; null keeps the named model's (SMKD needs it equal to the BiLSTM output, 2 x hidden).</summary>
    public int? TemporalChannels { get; init; }

    /// <summary>The model's temporal conv layers, e.g. <c>K5-P2-K5</c> (temporal stride 2 instead of the students' 4), or <c>none</c>; null keeps the named model's.</summary>
    public string? TemporalConv { get; init; }

    /// <summary>Temporal stride of an I3D backbone (8, 4 or 2); null keeps the named model's (4).</summary>
    public int? I3dStride { get; init; }

    /// <summary>Width multiplier of the model's backbone (tiny CNN, MobileNetV3, ResNet-18 channels); null keeps the named model's (1).</summary>
    public double? WidthMult { get; init; }

    /// <summary>Frames of edge padding before the model's temporal conv (each clip's first and last frame repeated; VAC: 6); null keeps the named model's.</summary>
    public int? EdgePad { get; init; }

    /// <summary>The model's input normalisation (none, or clip: each clip's mean frame subtracted, channels scaled to unit variance); null keeps the named model's.</summary>
    public string? InputNorm { get; init; }

    /// <summary>The model's feature normalisation (none, or clip: each clip's mean backbone feature subtracted before the temporal layers); null keeps the named model's.</summary>
    public string? FeatureNorm { get; init; }

    /// <summary>Auxiliary objectives on the temporal-conv head (VAC visual enhancement and alignment, SMKD's shared classifier).</summary>
    public AuxiliaryOptions Objectives { get; init; } = new();

    /// <summary>The recipe preset the options started from (vac, smkd, corrnet), informative; null = none.</summary>
    public string? Recipe { get; init; }

    /// <summary>What the recipe preset set, as <c>--option value</c> (options given explicitly are not in it).</summary>
    public IReadOnlyList<string>? RecipeSettings { get; init; }

    /// <summary>Batches whose gradients are summed before one optimizer step (effective batch = batch size x this).</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>Global gradient-norm clipping threshold; 0 disables clipping (the norm is still logged).</summary>
    public double ClipGradNorm { get; init; } = 5.0;

    /// <summary>CTC label smoothing: frame posteriors p become (1-e)p + e/C before the CTC loss. 0 = off.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>
    /// How a batch's CTC losses are reduced (<see cref="CtcObjective"/>): mean (each clip's loss divided by its target
    /// length, then the batch mean; PyTorch's default) or sum (each clip's loss as it is, then the batch mean: VAC's and
    /// CorrNet's code, against which their alignment weight 25 is balanced).
    /// </summary>
    public string CtcReduction { get; init; } = CtcObjective.Mean;

    /// <summary>
    /// Learning-rate shape after the warm-up: cosine, step or constant. Constant by default: the
    /// rate is lowered by reduce-on-plateau only once the model has left its initial plateau, so a
    /// corpus that takes longer to get going is not starved by a schedule fixed in advance.
    /// </summary>
    public LrScheduleKind Schedule { get; init; } = LrScheduleKind.Constant;

    /// <summary>Linear warm-up length in epochs (fractions allowed), from lr/100 to the peak.</summary>
    public double WarmupEpochs { get; init; } = 1.0;

    /// <summary>Cosine floor as a fraction of the peak learning rate.</summary>
    public double MinLrRatio { get; init; } = 0.01;

    /// <summary>Step schedule: epochs (1-based) at whose start the rate is multiplied by <see cref="StepGamma"/>.</summary>
    public IReadOnlyList<int> StepMilestones { get; init; } = [20, 35];

    /// <summary>Step schedule: multiplier at each milestone.</summary>
    public double StepGamma { get; init; } = 0.2;

    /// <summary>Reduce-on-plateau: epochs without a validation-WER improvement (counted once the model has left its initial plateau) before the rate is scaled down; 0 = off.</summary>
    public int PlateauPatience { get; init; } = 4;

    /// <summary>Reduce-on-plateau: multiplier applied each time the plateau patience runs out.</summary>
    public double PlateauFactor { get; init; } = 0.5;

    /// <summary>Early stopping: epochs without a validation-WER improvement (counted once the model has left its initial plateau) before training stops; 0 = never.</summary>
    public int Patience { get; init; } = 12;

    /// <summary>
    /// Early stopping counts only epochs in a row in which the training loss made no new low either (at
    /// least <see cref="EarlyStopping.NewLowMargin"/> below its best so far), so a run still learning its
    /// training set is not stopped by a small, noisy dev set; after twice <see cref="Patience"/> epochs
    /// without a validation-WER improvement it stops regardless. The demo's recipe; off by default.
    /// </summary>
    public bool PatienceOnStall { get; init; }

    /// <summary>
    /// An epoch whose validation loss makes a new low (<see cref="EarlyStopping.NewLowMargin"/> below its
    /// best) counts as progress for reduce-on-plateau and early stopping, as a new best validation WER
    /// does. On a small dev set the WER moves in steps of one word and ties while the model still
    /// improves; the loss does not. <c>best</c> is still the best WER. The demo's recipe; off by default.
    /// </summary>
    public bool ValLossProgress { get; init; }

    /// <summary>The largest <see cref="TimeBudgetMinutes"/> accepted (about two years): larger ones are typos.</summary>
    public const double MaxTimeBudgetMinutes = 1e6;

    /// <summary>
    /// Compute budget of the run in minutes on its cores (process CPU time / threads, i.e. wall time on
    /// an idle machine; see <see cref="ComputeClock"/>): no epoch is started that would, at the last
    /// epoch's cost, end after it; null = none.
    /// </summary>
    public double? TimeBudgetMinutes { get; init; }

    /// <summary>
    /// Wall-clock budget of the run in minutes: no epoch is started that would, at the last epoch's
    /// wall time, end after it; null = none. Unlike <see cref="TimeBudgetMinutes"/> it depends on what
    /// else the machine runs (a busy machine gets fewer epochs), so it is a limit, not a recipe: the
    /// demo sets it so that it ends within 10 minutes however busy the cores are.
    /// </summary>
    public double? WallBudgetMinutes { get; init; }

    /// <summary>
    /// With <see cref="TimeBudgetMinutes"/>: the last share of the budget over which the rate is
    /// annealed (a half-cosine from the rate in use down to <see cref="BudgetAnneal.Floor"/> of it,
    /// epoch by epoch, once the model has left its initial plateau), so a run that the budget ends
    /// still finishes at a low rate; 0 = off (the default; on two budget-ended demo runs it changed
    /// nothing measurable, docs/recipe-passes.md, seventh pass).
    /// </summary>
    public double BudgetAnnealShare { get; init; }

    /// <summary>
    /// Span in epochs of an exponential moving average of the weights (<see cref="WeightAverage"/>):
    /// validation, early stopping and every checkpoint's weights use the average, training goes on with
    /// the model's own weights (kept in the checkpoint for --resume); 0 = off (the default).
    /// </summary>
    public double WeightAverageEpochs { get; init; }

    /// <summary>auto (cuda when available), cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>libtorch intra-op threads; 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Seed of the weights' initialisation, data order, dropout and augmentation.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Pretrained weights loaded before training (a PyTorch or safetensors state dict, or a checkpoint folder); null = none.</summary>
    public string? Pretrained { get; init; }

    /// <summary>Square frame side in pixels fed to the model; null uses the named model's size (224 teacher/student, 64 tiny).</summary>
    public int? FrameSize { get; init; }

    /// <summary>Training augmentation (random crop, temporal rescale) on or off.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>
    /// With <see cref="Augment"/>, mirror half the training clips left-right. Off where the
    /// direction of a movement tells glosses apart and a mirrored clip would show another sign.
    /// </summary>
    public bool Flip { get; init; } = true;

    /// <summary>
    /// With <see cref="Augment"/>, scale jitter: each training clip is read from a region of 1 - z
    /// to 1 + z times the crop (capped by the resized frame), so signers look larger or smaller
    /// than in the corpus. 0 (default) keeps the plain crop.
    /// </summary>
    public double Zoom { get; init; }

    /// <summary>
    /// With <see cref="Augment"/>, width jitter: each training clip's region is also 1 - s to 1 + s
    /// times as wide (<see cref="Frames.FrameOptions.Stretch"/>), so signers look broader or narrower.
    /// 0 (default) keeps the frame's proportions.
    /// </summary>
    public double Stretch { get; init; }

    /// <summary>
    /// With <see cref="Augment"/>, colour shuffle: the share of training clips whose colour channels
    /// are put in a random order and negated at random (<see cref="Frames.FrameOptions.ColourShuffle"/>),
    /// so a signer's colours, and whether the hands are lighter or darker than the clothes, tell
    /// the model nothing. 0 (default) keeps the colours.
    /// </summary>
    public double ColourShuffle { get; init; }

    /// <summary>
    /// With <see cref="Augment"/>, temporal rescale: each training clip is resampled to 1 - r to 1 + r
    /// times its length, so signers look faster or slower than in the corpus (never shorter than its
    /// label needs for CTC). 0.2 (default) is the published recipes' ±20%.
    /// </summary>
    public double TemporalRescale { get; init; } = Frames.FramePolicy.DefaultTemporalRescale;

    /// <summary>Longest clip in frames; longer clips are temporally subsampled to fit.</summary>
    public int MaxFrames { get; init; } = DefaultMaxFrames;

    /// <summary>The default of <see cref="MaxFrames"/> (the doctor and corpus check name --max-frames only when it differs).</summary>
    public const int DefaultMaxFrames = 300;

    /// <summary>Folder for the decoded-frame cache (decode each clip once, read raw frames after); null = no cache.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Validation split name.</summary>
    public string ValSplit { get; init; } = "dev";

    /// <summary>Continue the run in <see cref="OutputDir"/> from its <c>last</c> checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>Allow starting a fresh run in a folder that already holds one (its checkpoints are replaced).</summary>
    public bool Overwrite { get; init; }

    /// <summary>Validation examples printed per epoch as <c>Target: ... / Pred: ...</c>.</summary>
    public int LogSamples { get; init; } = 3;

    /// <summary>Weight histograms are written to TensorBoard every this many epochs; 0 = never.</summary>
    public int HistogramEvery { get; init; } = 1;

    /// <summary>Stop the run when the training doctor reports a fatal finding.</summary>
    public bool AutoStop { get; init; }

    /// <summary>Batches prepared ahead of the training step by the frame pipeline.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>The arguments <c>glossa train</c> was given (after the command name), when it came from a
    /// command line: the doctor edits them into ready-to-run commands. Kept in run_context.json, not config.json.</summary>
    [JsonIgnore]
    public IReadOnlyList<string>? CommandLine { get; init; }

    /// <summary>
    /// Valid combinations that are probably not what was meant, one line each for the training log
    /// and console: step milestones that all lie past the last epoch (the rate never decays), an
    /// alignment option without the alignment term, scale jitter or colour shuffle without augmentation.
    /// </summary>
    public IEnumerable<string> Notes()
    {
        if (Schedule == LrScheduleKind.Step && StepMilestones.Count > 0 && StepMilestones.Min() > Epochs)
            yield return $"  note: --step-milestones {string.Join(',', StepMilestones)} lie past the last epoch ({Epochs}): the rate never decays in this run; lower them to decay within it";
        if (Schedule != LrScheduleKind.Step && (Given("--step-milestones") || Given("--step-gamma")))
        {
            string[] step = [.. new[] { "--step-milestones", "--step-gamma" }.Where(Given)];
            yield return $"  note: {string.Join(" and ", step)} {Act(step)} only with --schedule step, and this run's schedule is {Schedule.ToString().ToLowerInvariant()}: the rate is not stepped down; add --schedule step to use {(step.Length == 1 ? "it" : "them")}";
        }
        if (WarmupEpochs > Epochs)
            yield return string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "  note: --warmup-epochs {0:G4} is longer than the run ({1}): the rate never reaches --learning-rate; shorten the warm-up or raise --epochs", WarmupEpochs, Words.Count(Epochs, "epoch"));
        var defaults = new AuxiliaryOptions();
        // Only the options given (or a recipe set) are named: a note naming one the user did not give reads as a misparse.
        string[] alignment = [.. new[] { ("--align-exclude-blank", !Objectives.AlignBlank), ("--align-temperature", Objectives.AlignTemperature != defaults.AlignTemperature) }.Where(o => o.Item2).Select(o => o.Item1)];
        if (Objectives.AlignWeight == 0 && alignment.Length > 0)
            yield return $"  note: {string.Join(" and ", alignment)} {Act(alignment)} only with --align-weight > 0; no alignment term is trained";
        string[] unused = [.. new[] { ("--zoom", Zoom), ("--stretch", Stretch), ("--colour-shuffle", ColourShuffle) }.Where(o => !Augment && o.Item2 > 0).Select(o => o.Item1)];
        if (unused.Length > 0)
            yield return $"  note: {string.Join(" and ", unused)} {Act(unused)} only with augmentation, which --no-augment turns off; the training clips are not changed";
    }

    /// <summary>True when the command line gave <paramref name="option"/> (a primary name); false for library callers, which have none.</summary>
    bool Given(string option) => CommandLine?.Contains(option) == true;

    static string Act(string[] options) => options.Length == 1 ? "acts" : "act";

    /// <summary>Checks every field; throws a <see cref="GlossaException"/> naming the option and what to do.</summary>
    public TrainingOptions Validate()
    {
        static void Fail(string message) => throw new GlossaException(message);
        if (string.IsNullOrWhiteSpace(Model)) Fail("Model (--model) is empty; use i3d-teacher, mobilenetv3-student or tiny-student");
        if (string.IsNullOrWhiteSpace(OutputDir)) Fail("OutputDir (--output-dir) is required: the run folder for logs and checkpoints");
        if (Epochs < 1) Fail($"Epochs (--epochs) must be at least 1 (got {Epochs})");
        if (BatchSize < 1) Fail($"BatchSize (--batch-size) must be at least 1 (got {BatchSize})");
        if (!(LearningRate > 0 && LearningRate < 1)) Fail($"LearningRate (--learning-rate) must be in (0, 1) (got {LearningRate}); typical values are 1e-4..1e-3");
        if (!(WeightDecay >= 0 && WeightDecay < 1)) Fail($"WeightDecay (--weight-decay) must be in [0, 1) (got {WeightDecay})");
        if (Dropout is double d && !(d >= 0 && d < 1)) Fail($"Dropout (--dropout) must be in [0, 1) (got {Dropout})");
        if (HiddenDim is < 1 or > ModelConfig.MaxWidth) Fail($"HiddenDim (--hidden-dim) must be between 1 and {ModelConfig.MaxWidth} (got {HiddenDim})");
        if (TemporalChannels is < 1 or > ModelConfig.MaxWidth) Fail($"TemporalChannels (--temporal-channels) must be between 1 and {ModelConfig.MaxWidth} (got {TemporalChannels})");
        if (TemporalConv is string conv)
        {
            try { _ = Models.Temporal.TemporalConvSpec.Parse(conv); }
            catch (GlossaException e) { Fail($"TemporalConv (--temporal-conv): {e.Message} (stride 4), K5-P2-K5 (stride 2) or none"); }
        }
        if (I3dStride is int i3d && i3d is not (2 or 4 or 8)) Fail($"I3dStride (--i3d-stride) must be 8, 4 or 2 (got {i3d})");
        if (EdgePad is > 0 && TemporalConv is string noConv && Models.Temporal.TemporalConvSpec.Parse(noConv).Steps.Count == 0)
            Fail($"EdgePad (--edge-pad) {EdgePad} pads the temporal conv's input, and TemporalConv (--temporal-conv) {noConv} leaves none: drop --edge-pad");
        if (WidthMult is double widthMult && !(widthMult > 0 && widthMult <= 4)) Fail($"WidthMult (--width-mult) must be in (0, 4] (got {WidthMult}); 1 is the model's own width, 2 doubles every backbone layer's channels");
        if (!(ColourShuffle >= 0 && ColourShuffle <= 1)) Fail($"ColourShuffle (--colour-shuffle) must be a probability in [0, 1] (got {ColourShuffle}); 0.5 shuffles the colours of half the training clips");
        if (!(Zoom >= 0 && Zoom < 1)) Fail($"Zoom (--zoom) must be in [0, 1) (got {Zoom}); 0.2 reads regions of 0.8 to 1.2 times the crop");
        if (!(Stretch >= 0 && Stretch < 1)) Fail($"Stretch (--stretch) must be in [0, 1) (got {Stretch}); 0.15 reads regions 0.85 to 1.15 times as wide");
        if (!(TemporalRescale >= 0 && TemporalRescale < 1)) Fail($"TemporalRescale (--temporal-rescale) must be in [0, 1) (got {TemporalRescale}); 0.2 resamples clips to 0.8 to 1.2 times their length");
        if (EdgePad is < 0 or > ModelConfig.MaxEdgePad) Fail($"EdgePad (--edge-pad) must be between 0 and {ModelConfig.MaxEdgePad} frames (got {EdgePad})");
        if (InputNorm is not (null or ModelConfig.InputNormNone or ModelConfig.InputNormClip)) Fail($"InputNorm (--input-norm) must be none or clip (got '{InputNorm}')");
        if (FeatureNorm is not (null or ModelConfig.FeatureNormNone or ModelConfig.FeatureNormClip)) Fail($"FeatureNorm (--feature-norm) must be none or clip (got '{FeatureNorm}')");
        if (Optimizer is not (AdamW or Adam)) Fail($"Optimizer (--optimizer) must be adamw or adam (got '{Optimizer}')");
        Objectives.Validate();
        // A library caller may train a model of its own under another name; that one is checked when built.
        if (Objectives.SharedClassifier && ModelFactory.Names.Contains(Model)) SharedModel().Validate();
        if (AccumulationSteps < 1) Fail($"AccumulationSteps (--accumulation-steps) must be at least 1 (got {AccumulationSteps})");
        if (!(ClipGradNorm >= 0) || double.IsInfinity(ClipGradNorm)) Fail($"ClipGradNorm (--clip-grad-norm) must be >= 0 (got {ClipGradNorm}); 0 disables clipping");
        if (CtcReduction is not (CtcObjective.Mean or CtcObjective.Sum)) Fail($"CtcReduction (--ctc-reduction) must be mean or sum (got '{CtcReduction}')");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) Fail($"LabelSmoothing (--label-smoothing) must be in [0, 1) (got {LabelSmoothing}); 0.1 is a common value");
        if (!(WarmupEpochs >= 0)) Fail($"WarmupEpochs (--warmup-epochs) must be >= 0 (got {WarmupEpochs})");
        if (!(MinLrRatio >= 0 && MinLrRatio <= 1)) Fail($"MinLrRatio (--min-lr-ratio) must be in [0, 1] (got {MinLrRatio})");
        if (StepMilestones.Any(m => m < 1)) Fail("StepMilestones (--step-milestones) must be 1-based epoch numbers");
        if (StepMilestones.Zip(StepMilestones.Skip(1)).Any(p => p.Second <= p.First))
            Fail($"StepMilestones (--step-milestones) must be increasing epoch numbers, each once (got {string.Join(',', StepMilestones)}); e.g. 20,35");
        if (Seed < 0) Fail($"Seed (--seed) must be >= 0 (got {Seed}); a negative seed does not mean 'random' here: every run is seeded, pick any number such as 1");
        if (Schedule == LrScheduleKind.Step && StepMilestones.Count == 0) Fail("Schedule (--lr-schedule) step needs StepMilestones (--step-milestones) (e.g. 20,35); without them the rate never changes: use --lr-schedule constant");
        if (!(StepGamma > 0 && StepGamma <= 1)) Fail($"StepGamma (--step-gamma) must be in (0, 1] (got {StepGamma})");
        if (PlateauPatience < 0) Fail($"PlateauPatience (--plateau-patience) must be >= 0 (got {PlateauPatience}); 0 disables reduce-on-plateau");
        if (!(PlateauFactor > 0 && PlateauFactor < 1)) Fail($"PlateauFactor (--plateau-factor) must be in (0, 1) (got {PlateauFactor})");
        if (WallBudgetMinutes is double w && !(w > 0 && w < MaxTimeBudgetMinutes)) Fail($"WallBudgetMinutes (--wall-budget) must be more than 0 and less than {MaxTimeBudgetMinutes:0} minutes (got {w})");
        if (TimeBudgetMinutes is double t && !(t > 0 && t < MaxTimeBudgetMinutes)) Fail($"TimeBudgetMinutes (--time-budget) must be more than 0 and less than {MaxTimeBudgetMinutes:0} minutes (got {t})");
        if (!(BudgetAnnealShare >= 0 && BudgetAnnealShare < 1)) Fail($"BudgetAnnealShare (--budget-anneal) must be in [0, 1) (got {BudgetAnnealShare}); 0.3 anneals the rate over the last 30% of --time-budget");
        if (BudgetAnnealShare > 0 && TimeBudgetMinutes is null) Fail("BudgetAnnealShare (--budget-anneal) needs TimeBudgetMinutes (--time-budget) (it anneals the rate over the last share of that budget)");
        if (Patience < 0) Fail($"Patience (--patience) must be >= 0 (got {Patience}); 0 disables early stopping");
        if (Device is not ("auto" or "cpu" or "cuda")) Fail($"Device (--device) must be auto, cpu or cuda (got '{Device}')");
        ThreadCount.Check(Threads, "Threads (--threads)");
        if (Pretrained is not null && !File.Exists(Pretrained) && !Directory.Exists(Pretrained)) Fail($"{Pretrained}: Pretrained (--pretrained) file or checkpoint folder not found");
        if (FrameSize is < 16 or > 1024) Fail($"FrameSize (--frame-size) must be between 16 and 1024 pixels (got {FrameSize})");
        if (MaxFrames < 8) Fail($"MaxFrames (--max-frames) must be at least 8 (got {MaxFrames})");
        if (!(WeightAverageEpochs >= 0 && double.IsFinite(WeightAverageEpochs))) Fail($"WeightAverageEpochs (--weight-average) must be a finite number of epochs >= 0 (got {WeightAverageEpochs}); 1 averages the weights over about the last epoch, 0 turns it off");
        if (LogSamples < 0) Fail($"LogSamples (--log-samples) must be >= 0 (got {LogSamples})");
        if (HistogramEvery < 0) Fail($"HistogramEvery (--histogram-every) must be >= 0 (got {HistogramEvery})");
        if (Prefetch < 0) Fail($"Prefetch (--workers) must be >= 0 (got {Prefetch})");
        if (string.IsNullOrWhiteSpace(ValSplit)) Fail("ValSplit (--val-split) is empty; use dev");
        if (Resume && Overwrite) Fail("Resume (--resume) and Overwrite (--overwrite) contradict each other: resume continues the run, overwrite replaces it");
        return this;
    }

    /// <summary>
    /// The named model as SMKD reshapes it (placeholder class count), so the shared classifier's
    /// width rule fails in <see cref="Validate"/> (and <c>--dry-run</c>), before the corpus is read.
    /// </summary>
    ModelConfig SharedModel()
    {
        var config = ModelFactory.Named(Model, hiddenDim: HiddenDim, dropout: Dropout);
        return Objectives.ShapeModel(WithModelShape(config));
    }

    /// <summary>The model options that change a named model's layers (<c>--temporal-channels</c>, <c>--temporal-conv</c>, <c>--i3d-stride</c>), applied to <paramref name="config"/>.</summary>
    public ModelConfig WithModelShape(ModelConfig config)
    {
        if (TemporalChannels is int channels) config = config with { TemporalChannels = channels };
        // No temporal conv, no edge padding for it (the students pad 6 frames; an explicit --edge-pad is applied after this).
        if (TemporalConv is string conv)
            config = Models.Temporal.TemporalConvSpec.Parse(conv).Steps.Count == 0 ? config with { TemporalConv = "", EdgePad = 0 } : config with { TemporalConv = conv };
        if (I3dStride is int stride)
        {
            if (config.Backbone != ModelConfig.I3d)
                throw new GlossaException($"--i3d-stride {stride}: model '{config.Name}' has no I3D backbone; its temporal stride comes from --temporal-conv (e.g. K5-P2-K5 for stride 2)");
            config = config with { I3dTemporalStride = stride };
        }
        return config;
    }

    /// <summary>A <c>--temporal-conv</c> value as the model spells it (<c>k5-p2-k5</c> -> <c>K5-P2-K5</c>, <c>""</c> -> <c>none</c>), so
    /// <c>--resume</c> compares specs, not spellings; a malformed value is kept for <see cref="Validate"/> to name.</summary>
    public static string? CanonicalTemporalConv(string? spec)
    {
        if (spec is null) return null;
        try { return Models.Temporal.TemporalConvSpec.Parse(spec).ToString(); }
        catch (GlossaException) { return spec; }
    }

    /// <summary>
    /// training.json fields whose command-line option has another name (without the dashes): the one
    /// list that --resume (which options were given) and the doctor's commands (which options to print) read.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RenamedOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["prefetch"] = "workers", ["time_budget_minutes"] = "time-budget", ["wall_budget_minutes"] = "wall-budget", ["budget_anneal_share"] = "budget-anneal", ["weight_average_epochs"] = "weight-average",
    };

    /// <summary>training.json switches set on the command line by a flag that says the opposite, given when the field is false (<c>augment</c> is <c>--no-augment</c>).</summary>
    public static IReadOnlyDictionary<string, string> NegatedOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["augment"] = "no-augment", ["flip"] = "no-flip", ["align_blank"] = "align-exclude-blank",
    };

    /// <summary>Threads to give libtorch: <see cref="Threads"/> or one per core.</summary>
    [JsonIgnore]
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
