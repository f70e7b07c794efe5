using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Glossa.Common;
using Glossa.Training;
using Glossa.Training.Objectives;

namespace Glossa.Cli.Commands;

/// <summary>
/// <c>glossa train</c> and its teacher shorthand <c>glossa train-teacher</c>. Every option has a
/// kebab-case name and, where the reference recipe's Python scripts spelled it in snake_case, that spelling
/// as an alias, so the reference recipe's command lines run unchanged.
/// </summary>
internal static class TrainCommand
{
    /// <summary>Where the corpus is looked for when --corpus is not given (the reference recipe's scripts had a built-in data path).</summary>
    public const string CorpusEnvironmentVariable = "GLOSSA_CORPUS";
    public const string DefaultCorpus = "data/phoenix2014-release";

    public static Command Create() => Build("train", "mobilenetv3-student",
        "Train a recogniser (MobileNetV3 student, I3D teacher, ResNet18 recipes with --recipe vac|smkd|corrnet, tiny students) with CTC; writes a run folder with logs, TensorBoard events and best/last checkpoints.");

    public static Command CreateTeacher() => Build("train-teacher", "i3d-teacher",
        "Train the I3D teacher: 'glossa train --model i3d-teacher' (accepts the reference recipe's train_teacher.py options).");

    /// <summary>The options of both train commands, built once per command.</summary>
    internal sealed class Options
    {
        static readonly TrainingOptions D = new();

        public readonly Option<string> Model;
        public readonly Option<string?> Corpus = new("--corpus", "--data", "--data_dir") { Description = $"Corpus root or manifest (default: ${CorpusEnvironmentVariable} or {DefaultCorpus})." };
        public readonly Option<string?> CorpusFormat = new("--corpus-format", "--corpus_format", "--format") { Description = "phoenix2014, phoenix2014t, csl-daily or manifest (default: detect)." };
        public readonly Option<string> OutputDir = new("--output-dir", "--output_dir", "-o") { Description = "Run folder (config, vocab, training.log, metrics.jsonl, tensorboard/, best, last).", Required = true };
        public readonly Option<int> Epochs = new("--epochs") { Description = "Maximum epochs.", DefaultValueFactory = _ => D.Epochs };
        public readonly Option<int> BatchSize = new("--batch-size", "--batch_size") { Description = "Clips per batch.", DefaultValueFactory = _ => D.BatchSize };
        public readonly Option<double> LearningRate = new("--learning-rate", "--learning_rate", "--lr") { Description = "Peak learning rate (of AdamW, or of Adam with --optimizer adam).", DefaultValueFactory = _ => D.LearningRate };
        public readonly Option<double> WeightDecay = new("--weight-decay", "--weight_decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => D.WeightDecay };
        public readonly Option<double?> Dropout = new("--dropout") { Description = "Dropout inside the model (default: the model's)." };
        public readonly Option<int?> HiddenDim = new("--hidden-dim", "--hidden_dim") { Description = "BiLSTM hidden size per direction (default: the model's)." };
        public readonly Option<int> Accumulation = new("--accumulation-steps", "--accumulation_steps") { Description = "Batches per optimizer step (gradient accumulation).", DefaultValueFactory = _ => D.AccumulationSteps };
        public readonly Option<double> ClipGrad = new("--clip-grad-norm", "--clip_grad_norm", "--grad_clip") { Description = "Global gradient-norm clip; 0 = off.", DefaultValueFactory = _ => D.ClipGradNorm };
        public readonly Option<double> LabelSmoothing = new("--label-smoothing", "--label_smoothing") { Description = "CTC label smoothing e: posteriors become (1-e)p + e/C.", DefaultValueFactory = _ => D.LabelSmoothing };
        public readonly Option<string> CtcReduction = new("--ctc-reduction", "--ctc_reduction") { Description = "CTC loss of a batch: mean (each clip's loss divided by its target length, then the batch mean; PyTorch's default) or sum (each clip's loss as it is, then the batch mean: VAC's and CorrNet's code).", DefaultValueFactory = _ => D.CtcReduction };
        public readonly Option<string> Schedule = new("--schedule", "--lr-schedule", "--lr_schedule") { Description = "constant, cosine or step (after the warm-up); constant leaves lowering the rate to reduce-on-plateau.", DefaultValueFactory = _ => D.Schedule.ToString().ToLowerInvariant() };
        public readonly Option<double> Warmup = new("--warmup-epochs", "--warmup_epochs") { Description = "Linear warm-up length in epochs.", DefaultValueFactory = _ => D.WarmupEpochs };
        public readonly Option<double> MinLrRatio = new("--min-lr-ratio", "--min_lr_ratio") { Description = "Cosine floor as a fraction of the peak rate.", DefaultValueFactory = _ => D.MinLrRatio };
        public readonly Option<string> Milestones = new("--step-milestones", "--step_milestones", "--milestones") { Description = "Step schedule: comma-separated epochs where the rate is multiplied by --step-gamma.", DefaultValueFactory = _ => string.Join(',', D.StepMilestones) };
        public readonly Option<double> StepGamma = new("--step-gamma", "--step_gamma", "--gamma") { Description = "Step schedule multiplier.", DefaultValueFactory = _ => D.StepGamma };
        public readonly Option<int> PlateauPatience = new("--plateau-patience", "--plateau_patience") { Description = "Reduce-on-plateau: epochs without val-WER improvement, counted once val WER is 20% below the first epoch's, before scaling the rate; 0 = off.", DefaultValueFactory = _ => D.PlateauPatience };
        public readonly Option<double> PlateauFactor = new("--plateau-factor", "--plateau_factor") { Description = "Reduce-on-plateau multiplier.", DefaultValueFactory = _ => D.PlateauFactor };
        public readonly Option<int> Patience = new("--patience") { Description = "Early stopping: epochs without val-WER improvement, counted like --plateau-patience; 0 = never stop early.", DefaultValueFactory = _ => D.Patience };
        public readonly Option<bool> PatienceOnStall = new("--patience-on-stall", "--patience_on_stall") { Description = "Early stopping counts only epochs in a row in which the training loss made no new low (1% below its best) either, so a run still learning is not stopped by a noisy dev set; it stops regardless after twice --patience epochs without a val-WER improvement (the demo's rule)." };
        public readonly Option<double> BudgetAnneal = new("--budget-anneal", "--budget_anneal") { Description = "With --time-budget: anneal the rate (half-cosine down to 5%) over this last share of the budget once the model has left its initial plateau, so a run the budget ends finishes at a low rate; 0 = off.", DefaultValueFactory = _ => D.BudgetAnnealShare };
        public readonly Option<double> WeightAverage = new("--weight-average", "--weight_average") { Description = "Validate, select and save an exponential moving average of the weights spanning about this many epochs (training goes on with the model's own weights); 0 = off.", DefaultValueFactory = _ => D.WeightAverageEpochs };
        public readonly Option<double?> TimeBudget = new("--time-budget") { Description = "Compute budget in minutes on the cores used (CPU time / threads; libtorch threads sleep while they wait, so wall time runs 10-30% longer on idle cores, most in the first epoch while frames are decoded): no epoch starts that would end after it, but the first epoch always runs (default: none)." };
        public readonly Option<bool> ValLossProgress = new("--val-loss-progress", "--val_loss_progress") { Description = "A new validation-loss low (1% below its best) counts as progress for reduce-on-plateau and early stopping, as a new best val WER does: on a small dev set the WER ties while the model still improves ('best' stays the best WER; the demo's rule)." };
        public readonly Option<double?> WallBudget = new("--wall-budget") { Description = "Wall-clock limit in minutes: no epoch starts that would end after it (the first always runs). A busy machine then gets fewer epochs than an idle one; --time-budget does not (default: none)." };
        public readonly Option<string> Device = new("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => D.Device };
        public readonly Option<int> Threads = new("--threads", "--num_threads") { Description = "libtorch threads; 0 = one per core.", DefaultValueFactory = _ => D.Threads };
        public readonly Option<long> Seed = new("--seed") { Description = "Seed of initialisation, data order, dropout and augmentation.", DefaultValueFactory = _ => D.Seed };
        public readonly Option<string?> Pretrained = new("--pretrained", "--pretrained_path") { Description = "Backbone weights to start from (PyTorch .pt/.pth, safetensors or TorchSharp)." };
        public readonly Option<int?> FrameSize = new("--frame-size", "--frame_size", "--image_size") { Description = "Square frame side fed to the model, in pixels (default: the model's)." };
        public readonly Option<bool> NoAugment = new("--no-augment", "--no_augment") { Description = "Turn off training augmentation (random crop, flip, scale and width jitter, colour shuffle, temporal rescale)." };
        public readonly Option<double> ColourShuffle = new("--colour-shuffle", "--colour_shuffle") { Description = "Colour shuffle with augmentation: this share of training clips gets its colour channels in a random order, each negated at random, so signers' colours tell the model nothing (0 = off).", DefaultValueFactory = _ => D.ColourShuffle };
        public readonly Option<double> Stretch = new("--stretch") { Description = "Width jitter with augmentation: clips read from regions 1-s to 1+s times as wide, so signers look broader or narrower (0 = off).", DefaultValueFactory = _ => D.Stretch };
        public readonly Option<double> Zoom = new("--zoom") { Description = "Scale jitter with augmentation: clips read from regions of 1-z to 1+z times the crop, so signers look larger or smaller (0 = off).", DefaultValueFactory = _ => D.Zoom };
        public readonly Option<double> TemporalRescale = new("--temporal-rescale", "--temporal_rescale") { Description = "Temporal rescale with augmentation: training clips resampled to 1-r to 1+r times their length, so signers look faster or slower (never shorter than CTC needs; 0 = off).", DefaultValueFactory = _ => D.TemporalRescale };
        public readonly Option<bool> NoFlip = new("--no-flip", "--no_flip") { Description = "Augment without mirroring clips left-right (for signs told apart by the direction of a movement)." };
        public readonly Option<int> MaxFrames = new("--max-frames", "--max_frames") { Description = "Longest clip; longer clips are subsampled to this many frames.", DefaultValueFactory = _ => D.MaxFrames };
        public readonly Option<string?> CacheDir = new("--cache-dir", "--cache_dir") { Description = "Decoded-frame cache folder: each clip is decoded once, later epochs read raw frames." };
        public readonly Option<string> ValSplit = new("--val-split", "--val_split") { Description = "Validation split.", DefaultValueFactory = _ => D.ValSplit };
        public readonly Option<bool> Resume = new("--resume") { Description = "Continue the run in --output-dir from its 'last' checkpoint (same options)." };
        public readonly Option<bool> Overwrite = new("--overwrite") { Description = "Replace a run already in --output-dir." };
        public readonly Option<int> LogSamples = new("--log-samples", "--log_samples") { Description = "Target/Pred examples logged per epoch.", DefaultValueFactory = _ => D.LogSamples };
        public readonly Option<int> HistogramEvery = new("--histogram-every") { Description = "Weight histograms to TensorBoard every N epochs; 0 = never.", DefaultValueFactory = _ => D.HistogramEvery };
        public readonly Option<bool> AutoStop = new("--auto-stop", "--auto_stop") { Description = "Stop when the training doctor raises a critical finding." };
        public readonly Option<int> Workers = new("--workers", "--num_workers") { Description = "Frame-decoding threads ahead of the training step.", DefaultValueFactory = _ => D.Prefetch };
        public readonly Option<bool> Json = new("--json") { Description = "Print the run summary as JSON (no progress bars)." };
        public readonly Option<bool> DryRun = new("--dry-run", "--dry_run") { Description = "Check the options, the corpus (format, annotations, train and validation splits) and the run folder, print the resolved configuration as JSON (with what --recipe set; on --resume, what the run would continue with) and exit without training." };
        public readonly Option<string?> Recipe = new("--recipe") { Description = "Published recipe preset: vac, smkd or corrnet (model, Adam 1e-4, batch 2, 40 epochs, x0.2 at 20 and 35, 224 crops, VAC terms); explicit options override it." };
        public readonly Option<string> Optimizer = new("--optimizer") { Description = "adamw (decoupled weight decay) or adam (L2 weight decay, as VAC and CorrNet).", DefaultValueFactory = _ => D.Optimizer };
        public readonly Option<int?> TemporalChannels = new("--temporal-channels", "--temporal_channels") { Description = "Temporal conv channels (default: the model's; SMKD needs 2 x hidden)." };
        public readonly Option<string?> TemporalConv = new("--temporal-conv", "--temporal_conv") { Description = "Temporal conv layers, convolutions Kn and max-poolings Pn (default: the model's): e.g. K5-P2-K5-P2 (stride 4), K5-P2-K5 (stride 2, for clips with few frames per gloss), K5-K5 (stride 1) or none (no temporal conv, no edge padding)." };
        public readonly Option<int?> I3dStride = new("--i3d-stride", "--i3d_stride") { Description = "Temporal stride of an I3D backbone (i3d-teacher): 8 (published), 4 (default) or 2." };
        public readonly Option<double?> WidthMult = new("--width-mult", "--width_mult") { Description = "Width multiplier of the backbone's channels (tiny CNN, MobileNetV3, ResNet-18; default: the model's, 1)." };
        public readonly Option<string?> InputNorm = new("--input-norm", "--input_norm") { Description = "Input normalisation inside the model: none, or clip (each clip's mean frame subtracted, channels scaled to unit variance; default: the model's)." };
        public readonly Option<string?> FeatureNorm = new("--feature-norm", "--feature_norm") { Description = "Feature normalisation inside the model: none, or clip (each clip's mean backbone feature subtracted before the temporal layers; default: the model's)." };
        public readonly Option<int?> EdgePad = new("--edge-pad", "--edge_pad") { Description = "Frames of edge padding before the temporal conv: each clip's first and last frame repeated so the conv does not trim a sentence's first and last glosses (VAC: 6; default: the model's)." };
        public readonly Option<double> ConvCtcWeight = new("--conv-ctc-weight") { Description = "Visual enhancement: weight of the CTC loss of a classifier on the temporal-conv features (VAC: 1; 0 = off).", DefaultValueFactory = _ => D.Objectives.ConvCtcWeight };
        public readonly Option<double> AlignWeight = new("--align-weight") { Description = "Visual alignment: weight of T^2 KL(BiLSTM || temporal-conv head), BiLSTM detached (VAC: 25; 0 = off).", DefaultValueFactory = _ => D.Objectives.AlignWeight };
        public readonly Option<double> AlignTemperature = new("--align-temperature") { Description = "Visual alignment temperature T.", DefaultValueFactory = _ => D.Objectives.AlignTemperature };
        public readonly Option<bool> AlignExcludeBlank = new("--align-exclude-blank") { Description = "Visual alignment over the glosses only (both distributions renormalised without the blank)." };
        public readonly Option<bool> SharedClassifier = new("--shared-classifier") { Description = "SMKD: one weight-normalised classifier shared by the temporal-conv and BiLSTM heads." };

        public Options(string defaultModel)
        {
            Model = new Option<string>("--model", "--model_name") { Description = $"One of {string.Join(", ", Glossa.Models.ModelFactory.Names)}.", DefaultValueFactory = _ => defaultModel };
        }

        public IEnumerable<Option> All() =>
        [
            Model, Corpus, CorpusFormat, OutputDir, Epochs, BatchSize, LearningRate, WeightDecay, Dropout, HiddenDim, Accumulation, ClipGrad,
            LabelSmoothing, CtcReduction, Schedule, Warmup, MinLrRatio, Milestones, StepGamma, PlateauPatience, PlateauFactor, Patience, PatienceOnStall, ValLossProgress, TimeBudget, WallBudget, BudgetAnneal, WeightAverage, Device, Threads,
            Seed, Pretrained, FrameSize, NoAugment, NoFlip, Zoom, Stretch, ColourShuffle, TemporalRescale, MaxFrames, CacheDir, ValSplit, Resume, Overwrite, LogSamples, HistogramEvery, AutoStop, Workers,
            Json, DryRun, Recipe, Optimizer, TemporalChannels, TemporalConv, I3dStride, WidthMult, InputNorm, FeatureNorm, EdgePad, ConvCtcWeight, AlignWeight, AlignTemperature, AlignExcludeBlank, SharedClassifier,
        ];

        /// <summary>The validated options a command line asks for.</summary>
        public TrainingOptions Bind(ParseResult p)
        {
            string corpus = p.GetValue(Corpus) ?? Environment.GetEnvironmentVariable(CorpusEnvironmentVariable) ?? DefaultCorpus;
            var options = new TrainingOptions
            {
                Model = p.GetValue(Model)!,
                Corpus = corpus,
                CorpusFormat = p.GetValue(CorpusFormat),
                OutputDir = p.GetValue(OutputDir)!,
                Epochs = p.GetValue(Epochs),
                BatchSize = p.GetValue(BatchSize),
                LearningRate = p.GetValue(LearningRate),
                WeightDecay = p.GetValue(WeightDecay),
                Dropout = p.GetValue(Dropout),
                HiddenDim = p.GetValue(HiddenDim),
                AccumulationSteps = p.GetValue(Accumulation),
                ClipGradNorm = p.GetValue(ClipGrad),
                LabelSmoothing = p.GetValue(LabelSmoothing),
                CtcReduction = p.GetValue(CtcReduction)!.ToLowerInvariant(),
                Schedule = ParseSchedule(p.GetValue(Schedule)!),
                WarmupEpochs = p.GetValue(Warmup),
                MinLrRatio = p.GetValue(MinLrRatio),
                StepMilestones = ParseMilestones(p.GetValue(Milestones)!),
                StepGamma = p.GetValue(StepGamma),
                PlateauPatience = p.GetValue(PlateauPatience),
                PlateauFactor = p.GetValue(PlateauFactor),
                Patience = p.GetValue(Patience),
                PatienceOnStall = p.GetValue(PatienceOnStall),
                ValLossProgress = p.GetValue(ValLossProgress),
                TimeBudgetMinutes = p.GetValue(TimeBudget),
                WallBudgetMinutes = p.GetValue(WallBudget),
                BudgetAnnealShare = p.GetValue(BudgetAnneal),
                WeightAverageEpochs = p.GetValue(WeightAverage),
                Device = p.GetValue(Device)!,
                Threads = p.GetValue(Threads),
                Seed = p.GetValue(Seed),
                Pretrained = p.GetValue(Pretrained),
                FrameSize = p.GetValue(FrameSize),
                Augment = !p.GetValue(NoAugment),
                Flip = !p.GetValue(NoFlip),
                Zoom = p.GetValue(Zoom),
                Stretch = p.GetValue(Stretch),
                ColourShuffle = p.GetValue(ColourShuffle),
                TemporalRescale = p.GetValue(TemporalRescale),
                MaxFrames = p.GetValue(MaxFrames),
                CacheDir = p.GetValue(CacheDir),
                ValSplit = p.GetValue(ValSplit)!,
                Resume = p.GetValue(Resume),
                Overwrite = p.GetValue(Overwrite),
                LogSamples = p.GetValue(LogSamples),
                HistogramEvery = p.GetValue(HistogramEvery),
                AutoStop = p.GetValue(AutoStop),
                Prefetch = p.GetValue(Workers),
                CommandLine = ExplicitOptions(p),
                Optimizer = p.GetValue(Optimizer)!.ToLowerInvariant(),
                TemporalChannels = p.GetValue(TemporalChannels),
                TemporalConv = TrainingOptions.CanonicalTemporalConv(p.GetValue(TemporalConv)),
                I3dStride = p.GetValue(I3dStride),
                WidthMult = p.GetValue(WidthMult),
                InputNorm = p.GetValue(InputNorm),
                FeatureNorm = p.GetValue(FeatureNorm),
                EdgePad = p.GetValue(EdgePad),
                Objectives = new AuxiliaryOptions
                {
                    ConvCtcWeight = p.GetValue(ConvCtcWeight),
                    AlignWeight = p.GetValue(AlignWeight),
                    AlignTemperature = p.GetValue(AlignTemperature),
                    AlignBlank = !p.GetValue(AlignExcludeBlank),
                    SharedClassifier = p.GetValue(SharedClassifier),
                },
            };
            if (p.GetValue(Recipe) is string recipe)
            {
                var given = p.CommandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit).Select(o => o.Option.Name).ToHashSet();
                options = RecipePreset.Apply(options, recipe, given);
            }
            return options.Validate();
        }

        /// <summary>The options the user gave, in order, each under its primary name (<c>--lr 0.1 -o runs/a</c> becomes
        /// <c>--learning-rate 0.1 --output-dir runs/a</c>), so the doctor can change them in its ready-to-run commands.</summary>
        static List<string> ExplicitOptions(ParseResult p)
        {
            var args = new List<string>();
            foreach (var child in p.CommandResult.Children)
            {
                if (child is not OptionResult { Implicit: false } o) continue;
                args.Add(o.Option.Name);
                args.AddRange(o.Tokens.Select(t => t.Value));
            }
            return args;
        }

        static LrScheduleKind ParseSchedule(string text) => text.ToLowerInvariant() switch
        {
            "cosine" => LrScheduleKind.Cosine,
            "step" => LrScheduleKind.Step,
            "constant" or "none" => LrScheduleKind.Constant,
            _ => throw new GlossaException($"--schedule must be cosine, step or constant (got '{text}')"),
        };

        static IReadOnlyList<int> ParseMilestones(string text) =>
            string.IsNullOrWhiteSpace(text) ? []
            : text.Split(',', StringSplitOptions.TrimEntries)
                .Select(s => s.Length == 0
                    ? throw new GlossaException($"--step-milestones '{text}': an empty entry between commas; list epoch numbers, e.g. 20,35")
                    : int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
                    : throw new GlossaException($"--step-milestones: '{s}' is not an epoch number; use e.g. 20,35"))
                .ToList();
    }

    static Command Build(string name, string defaultModel, string description)
    {
        var o = new Options(defaultModel);
        var command = new Command(name, description);
        foreach (var option in o.All()) command.Options.Add(option);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            var options = o.Bind(parse);
            Glossa.Training.Distillation.Distiller.RequireNoTeacher(options); // a distillation run resumes with glossa distill
            if (parse.GetValue(o.DryRun))
            {
                var resolved = TrainingJob.Resolve(options);
                var json = JsonSerializer.SerializeToNode(resolved, Checkpoint.Json)!.AsObject();
                json["model_config"] = TrainingJob.ResolveModel(resolved); // what the options left unset (null above) resolve to
                Console.WriteLine(json.ToJsonString(Checkpoint.Json));
                return 0;
            }
            return TrainingConsole.Train(options, parse.GetValue(o.Json));
        }));
        return command;
    }
}
