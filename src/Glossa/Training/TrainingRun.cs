using System.Diagnostics;
using System.Globalization;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;
using Glossa.Training.Objectives;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// The epoch loop of <c>glossa train</c>: AdamW, the schedule, validation, early stopping,
/// checkpoints, the run folder and TensorBoard, resume, and stopping well (Ctrl+C, non-finite
/// losses). Data and model come in ready-made, so the loop is the same for teacher and student.
/// </summary>
public sealed class TrainingRun
{
    readonly TrainingOptions options;
    readonly nn.Module<Tensor, Tensor, CslrOutput> model;
    readonly string modelConfigJson;
    readonly Vocabulary vocabulary;
    readonly TrainingData data;
    readonly Device device;

    /// <summary>Receives every line written to training.log (the CLI prints them).</summary>
    public Action<string>? Output { get; init; }

    /// <summary>Called after every training batch (progress bars).</summary>
    public Action<StepProgress>? Progress { get; init; }

    /// <summary>Called when an epoch starts, with its number and batch count (progress bars).</summary>
    public Action<int, int>? EpochStarting { get; init; }

    /// <summary>
    /// The training doctor's seam: called after each epoch with its metrics; returns findings to
    /// print and log, and the reason to stop when one is fatal (null otherwise; stops the run when
    /// <see cref="TrainingOptions.AutoStop"/>).
    /// </summary>
    public Func<EpochMetrics, (IReadOnlyList<string> Findings, string? StopReason)>? HealthCheck { get; init; }
    /// <summary>Called when the run stops on a non-finite value; returns the doctor's finding as log lines.</summary>
    public Func<NonFiniteLossException, IReadOnlyList<string>>? NonFiniteCheck { get; init; }

    /// <summary>Lines to put at the top of the log (corpus summary, rejected clips, parameter counts).</summary>
    public IReadOnlyList<string> Preamble { get; init; } = [];

    /// <summary>Optional variant of the run (distillation): an extra loss per step, config sections, log lines.</summary>
    public TrainingExtension? Extension { get; init; }

    public TrainingRun(TrainingOptions options, nn.Module<Tensor, Tensor, CslrOutput> model, string modelConfigJson,
        Vocabulary vocabulary, TrainingData data, Device device)
    {
        this.options = options.Validate();
        this.model = model;
        this.modelConfigJson = modelConfigJson;
        this.vocabulary = vocabulary;
        this.data = data;
        this.device = device;
    }

    /// <summary>Runs (or resumes) the training; never throws for a non-finite loss (the outcome says Failed).</summary>
    /// <exception cref="OutputException">A file of the run folder could not be written (a full disk, a folder made read-only):
    /// the run stops, keeps 'last' and 'best' at the last good checkpoint and metrics.jsonl up to it, and records summary.json
    /// (status failed, cause <see cref="RunWriteFailure.Cause"/>); the one-line message names the file and the cause.</exception>
    public TrainingOutcome Run(CancellationToken cancel = default)
    {
        try
        {
            return RunIn(cancel);
        }
        catch (Exception e) when (SafeWrite.IsOutputFailure(e) || e is AggregateException { InnerException: { } inner } && SafeWrite.IsOutputFailure(inner))
        {
            // The folder is closed by now, so its reserve is free for the summary.
            throw RunWriteFailure.Fail(options.OutputDir, e is AggregateException { InnerException: { } cause } ? cause : e);
        }
    }

    TrainingOutcome RunIn(CancellationToken cancel)
    {
        using var folder = RunFolder.Open(options.OutputDir, options.Resume, options.Overwrite);
        using var optimizer = options.Optimizer == TrainingOptions.Adam
            ? (optim.Optimizer)optim.Adam(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay)
            : optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        using var run = new Session(this, folder, optimizer);
        run.Start();
        for (int epoch = run.State.Epoch + 1; epoch <= options.Epochs; epoch++)
            if (run.Epoch(epoch, cancel))
                break;
        return run.Finish();
    }

    /// <summary>The state of one Run call: the folder, the optimizer, the loop state and the outcome so far.</summary>
    sealed class Session : IDisposable
    {
        readonly TrainingRun owner;
        readonly TrainingOptions options;
        readonly RunFolder folder;
        readonly optim.Optimizer optimizer;
        readonly Trainer trainer;
        readonly LearningRateSchedule schedule;
        readonly WeightAverage? average;
        readonly Stopwatch clock = Stopwatch.StartNew();
        readonly ComputeClock compute;
        double computeBefore, wallBefore;
        readonly List<string> findings = [];
        readonly HashSet<string> decodeErrorsSaid = new(StringComparer.Ordinal);
        ReduceOnPlateau plateau;
        double trainSeconds, waitSeconds;
        long clipsSeen, framesSeen;
        EpochMetrics? lastMetrics;
        string? bestPath, lastPath;
        bool ranEpoch;
        TrainingStatus status = TrainingStatus.Completed;
        string? cause;
        string message;

        public CheckpointState State { get; private set; }

        public Session(TrainingRun owner, RunFolder folder, optim.Optimizer optimizer)
        {
            this.owner = owner;
            options = owner.options;
            this.folder = folder;
            this.optimizer = optimizer;
            compute = new ComputeClock(options.EffectiveThreads);
            var data = owner.data;
            int stepsPerEpoch = (data.TrainBatchesPerEpoch + options.AccumulationSteps - 1) / options.AccumulationSteps;
            schedule = LearningRateSchedule.From(options, stepsPerEpoch);
            average = options.WeightAverageEpochs > 0 ? new WeightAverage(owner.model, options.WeightAverageEpochs, stepsPerEpoch) : null;
            trainer = new Trainer(owner.model, owner.vocabulary, optimizer, new CtcObjective(options.LabelSmoothing, options.CtcReduction), owner.device,
                options.AccumulationSteps, options.ClipGradNorm)
            {
                ExtraLoss = owner.Extension?.ExtraLoss,
                Auxiliary = options.Objectives.Any ? new AuxiliaryObjective(options.Objectives) : null,
                AfterStep = average is null ? null : average.Update,
            };
            State = new CheckpointState { Model = options.Model, Seed = options.Seed, Plateau = new ReduceOnPlateau { Patience = options.PlateauPatience, Factor = options.PlateauFactor } };
            plateau = State.Plateau;
            message = options.Epochs == 1 ? "its one epoch done" : $"all {options.Epochs} epochs done";
        }

        void Say(string line) { folder.Log(line); owner.Output?.Invoke(line); }

        public void Dispose() => average?.Dispose();

        /// <summary>Writes the config, restores 'last' when resuming, logs the preamble and sets the schedule.</summary>
        public void Start()
        {
            // A resume that 'last' refuses (a damaged optimizer.bin, a missing weight-average file) writes no config.resume.json.
            if (options.Resume) Restore();
            // A resume with no epoch left trains nothing: the run's recorded options stay those its epochs used (a changed
            // --kd-weight had been written, and the doctor's commands then proposed a weight no epoch trained with).
            if (!(options.Resume && State.Epoch >= options.Epochs))
                folder.WriteConfig(options, owner.modelConfigJson, owner.vocabulary, owner.Extension?.Config);
            if (!options.Resume) Say($"[{Now}] training {options.Model}{(owner.Extension is null ? "" : $" ({owner.Extension.Kind})")} -> {folder.Dir}");
            foreach (var line in owner.Preamble) Say(line);
            foreach (var line in owner.Extension?.Preamble ?? []) Say(line);
            var data = owner.data;
            int threads = get_num_threads();
            Say($"  {data.TrainClips} training clips in {data.TrainBatchesPerEpoch} batches, {data.ValClips} {options.ValSplit} clips; {owner.vocabulary.Count} classes; device {owner.device.type}, {Words.Count(threads, "thread")}{Detail(owner.device)}");
            if (owner.device.type == TorchSharp.DeviceType.CPU && LibTorchDefaults.SlowAllocatorNote() is { } slow)
                Say("  " + slow);
            if (average is not null)
                Say(string.Format(CultureInfo.InvariantCulture, "  validating and saving the weights averaged over about {0:G3} epoch{1} (--weight-average); checkpoints keep the model's own in {2} for --resume",
                    options.WeightAverageEpochs, options.WeightAverageEpochs == 1 ? "" : "s", ModelCheckpoint.TrainingWeightsFile));
            plateau = State.Plateau;
            trainer.LearningRateAt = step => schedule.At(step) * plateau.Scale * State.AnnealScale;
            bestPath = Checkpoint.Exists(folder.PathOf("best")) ? folder.PathOf("best") : null;
            lastPath = options.Resume ? folder.PathOf("last") : null;
        }

        void Restore()
        {
            string last = folder.PathOf("last");
            State = Checkpoint.ReadState(last);
            // With a weight average the model file holds the average and the training weights are apart.
            ModelCheckpoint.LoadWeights(last, owner.model);
            average?.CopyFromModel();
            if (File.Exists(Path.Combine(last, ModelCheckpoint.TrainingWeightsFile)))
                ModelCheckpoint.LoadWeights(last, owner.model, ModelCheckpoint.TrainingWeightsFile);
            else if (Checkpoint.ReadOptions(last).WeightAverageEpochs > 0)
                throw new GlossaException($"{Path.Combine(last, ModelCheckpoint.TrainingWeightsFile)}: missing; this run validated a weight average, so {ModelCheckpoint.ModelFile} holds the average, not the weights training goes on from; resume from a complete copy of the run folder, or start again with --overwrite");
            if (average is not null) average.Updates = State.OptimizerSteps;
            Checkpoint.LoadOptimizer(last, optimizer);
            trainer.OptimizerSteps = State.OptimizerSteps;
            folder.TruncateMetricsAfter(State.Epoch);
            string partial = !State.Interrupted ? ""
                : State.PartialEpoch is not { } p ? ", the interrupted epoch is redone"
                : p.BatchesDone >= owner.data.TrainBatchesPerEpoch ? $", validating the interrupted epoch {State.Epoch + 1} again"
                : $", continuing the interrupted epoch {State.Epoch + 1} at batch {p.BatchesDone + 1}";
            Say($"[{Now}] resuming {folder.Dir} after epoch {State.Epoch} (step {State.OptimizerSteps}, {(State.BestWer is null ? "no val WER yet" : $"best val WER {Fmt(State.BestWer)}%")}{partial})");
        }

        /// <summary>Trains, validates and records one epoch; returns true when the run must stop.</summary>
        public bool Epoch(int epoch, CancellationToken cancel)
        {
            ranEpoch = true;
            // Dropout and augmentation draw from libtorch's generator; reseeding from (seed, epoch)
            // makes every epoch reproducible on its own, which is what makes --resume exact. An
            // interrupted epoch instead continues from its saved batch and generator state.
            var continueFrom = epoch == State.Epoch + 1 && State.Interrupted ? State.PartialEpoch : null;
            if (continueFrom is null)
                random.manual_seed(unchecked(options.Seed * 1_000_003 + epoch));
            owner.EpochStarting?.Invoke(epoch, owner.data.TrainBatchesPerEpoch);
            TrainEpochResult train;
            ValidationResult val;
            try
            {
                train = trainer.TrainOneEpoch(owner.data.TrainBatchesAfter(epoch, continueFrom?.BatchesDone ?? 0), epoch, cancel, owner.Progress, continueFrom);
                Count(train, continueFrom);
                if (train.Interrupted) return Interrupted(train.Progress, $"interrupted during epoch {epoch} after {train.Progress?.BatchesDone ?? 0} of {owner.data.TrainBatchesPerEpoch} batches",
                    $"continues at batch {(train.Progress?.BatchesDone ?? 0) + 1}");
                // A stop asked during the epoch's last batch lets the epoch be validated and recorded
                // (validation is short); only a stop that arrives during validation cuts it off.
                var validationStop = cancel.IsCancellationRequested ? CancellationToken.None : cancel;
                using (average?.Swap())
                    val = trainer.Validate(owner.data.ValBatches(), options.LogSamples, validationStop, owner.data.Cleanup, owner.data.ValNoOutput);
                // Stopped during validation: the epoch's training is complete and saved, so --resume only validates it again.
                if (val.Cancelled) return Interrupted(train.Progress, $"interrupted while validating epoch {epoch}", $"validates epoch {epoch} again and goes on");
            }
            catch (NonFiniteLossException e)
            {
                Failed(e, epoch);
                return true;
            }
            catch (GlossaException e)
            {
                // A clip that fails to decode mid-epoch (a damaged video) stops the run with its name; training.log keeps it too.
                folder.Log($"stopped in epoch {epoch}: {e.Message}"); // the console prints the error itself
                throw;
            }
            return Record(epoch, train, val) || Stopping(cancel, epoch);
        }

        void Count(TrainEpochResult train, EpochProgress? continueFrom)
        {
            trainSeconds += train.Seconds - (continueFrom?.Seconds ?? 0);        // this process's share, like the clips
            waitSeconds += train.DataWaitSeconds - (continueFrom?.DataWaitSeconds ?? 0);
            clipsSeen += train.Clips - (continueFrom?.Clips ?? 0); // this process's share (throughput)
            framesSeen += train.Frames - (continueFrom?.Frames ?? 0);
        }

        /// <summary>Saves 'last' as interrupted; <paramref name="resume"/> says what --resume does next, e.g. "continues at batch 4".</summary>
        bool Interrupted(EpochProgress? progress, string what, string resume)
        {
            State = State with { Interrupted = true, PartialEpoch = progress };
            Save(["last"], State);
            status = TrainingStatus.Interrupted;
            message = $"{what}; 'last' holds the weights (--resume {resume})";
            return true;
        }

        void Failed(NonFiniteLossException e, int epoch)
        {
            folder.WriteFailure(new
            {
                e.Quantity, e.Value, Epoch = epoch, e.Step, e.SampleIds, FirstNonFiniteModule = e.Module,
                LearningRate = trainer.LearningRateAt(trainer.OptimizerSteps),
                Hint = "the weights before this step are in 'last' (previous epoch); inspect these clips and lower --learning-rate or raise --clip-grad-norm",
            });
            status = TrainingStatus.Failed;
            message = e.Message + (e.Module is null ? "" : $" First module with a non-finite output: {e.Module}.") + $" (dump: {folder.PathOf(RunFolder.FailureFile)})";
            if (owner.NonFiniteCheck is not null)
                foreach (var f in owner.NonFiniteCheck(e)) { Say("  " + f); findings.Add($"epoch {epoch}: {f}"); }
        }

        /// <summary>Updates the loop state, writes metrics, checkpoints, log and board, asks the doctor; true when the run must stop.</summary>
        bool Record(int epoch, TrainEpochResult train, ValidationResult val)
        {
            double lr = trainer.LearningRateAt(Math.Max(0, trainer.OptimizerSteps - 1));
            bool improved = State.BestWer is null || val.Wer < State.BestWer.Value - 1e-9;
            double? bestWer = improved ? val.Wer : State.BestWer;
            bool lossCounts = LossCounts(bestWer);
            bool lossLow = lossCounts && EarlyStopping.IsNewLow(val.Loss, State.BestValLoss);
            int reductionsBefore = plateau.Reductions;
            plateau = plateau.Observe(val.Wer, lossCounts ? val.Loss : null);
            State = EarlyStopping.Count(State, improved || lossLow, train.MeanLoss) with
            {
                Epoch = epoch, Interrupted = false, PartialEpoch = null, ValWer = val.Wer,
                BestWer = bestWer,
                BestEpoch = improved ? epoch : State.BestEpoch,
                BestValLoss = double.IsFinite(val.Loss) && !(val.Loss >= State.BestValLoss) ? val.Loss : State.BestValLoss,
                Plateau = plateau,
            };
            // Measured before saving, so that 'last' carries the rate multiplier of the epoch after it.
            double computeNow = compute.Minutes, epochCost = computeNow - computeBefore;
            computeBefore = computeNow;
            double wallNow = clock.Elapsed.TotalMinutes, epochWall = wallNow - wallBefore;
            wallBefore = wallNow;
            string? annealed = Anneal(epoch, computeNow, epochCost);
            var metrics = Metrics(epoch, train, val, lr);
            lastMetrics = metrics;
            folder.AppendMetrics(metrics);
            Save(improved ? ["best", "last"] : ["last"], State);
            if (improved) bestPath = folder.PathOf("best");
            foreach (var line in owner.EpochLines(metrics, train, val, improved)) Say(line);
            // Videos first found decoding with errors this epoch (trained and validated on as they decode): said once each.
            foreach (var line in owner.data.DecodeErrors().Except(decodeErrorsSaid, StringComparer.Ordinal).ToList())
            {
                decodeErrorsSaid.Add(line);
                Say($"  warning: {line}");
            }
            owner.WriteBoard(folder, metrics, val, epoch);
            if (Doctor(metrics, epoch)) return true;
            if (plateau.Reductions > reductionsBefore)
                Say($"  learning rate scaled to x{plateau.Scale:G3} ({(LossCounts(State.BestWer) ? "no val WER improvement nor val loss low" : "no val WER improvement")} for {options.PlateauPatience} epochs)");
            if (EarlyStop() || OverBudget(epoch, computeNow, epochCost) || OverWallBudget(epoch, wallNow, epochWall)) return true;
            if (annealed is not null) Say(annealed);
            return false;
        }

        /// <summary>
        /// Whether dev-loss lows count as progress with this best dev WER (--val-loss-progress). Not once it is 0: it cannot
        /// improve, and loss lows then only spend the budget (the built-in demo ran 43+ epochs instead of 20).
        /// </summary>
        bool LossCounts(double? bestWer) => options.ValLossProgress && bestWer != 0;

        /// <summary>True (early stop) when <see cref="EarlyStopping.Reason"/> gives one.</summary>
        bool EarlyStop()
        {
            if (EarlyStopping.Reason(State, options.Patience, options.PatienceOnStall, plateau.HasLeftStart, LossCounts(State.BestWer)) is not string why) return false;
            status = TrainingStatus.EarlyStopped;
            cause = TrainingOutcome.CausePatience;
            message = why;
            return true;
        }

        /// <summary>True (early stop) when another epoch, at the last epoch's compute cost, would end past --time-budget.</summary>
        bool OverBudget(int epoch, double computeNow, double epochCost)
        {
            if (options.TimeBudgetMinutes is not double budget || epoch >= options.Epochs || computeNow + epochCost <= budget)
                return false;
            status = TrainingStatus.EarlyStopped;
            cause = TrainingOutcome.CauseTimeBudget;
            message = $"time budget: another epoch (~{Compute(epochCost)} of compute) would end past the {Compute(budget)} compute budget of training (best {Fmt(State.BestWer)}% at epoch {State.BestEpoch})";
            return true;
        }

        /// <summary>True (early stop) when another epoch, at the last epoch's wall time, would end past --wall-budget.</summary>
        bool OverWallBudget(int epoch, double wallNow, double epochWall)
        {
            if (options.WallBudgetMinutes is not double limit || epoch >= options.Epochs || wallNow + epochWall <= limit)
                return false;
            status = TrainingStatus.EarlyStopped;
            cause = TrainingOutcome.CauseWallClock;
            message = $"wall-clock limit: another epoch (~{Compute(epochWall)}) would end past the {Compute(limit)} wall-clock limit of training" +
                      (options.TimeBudgetMinutes is double budget && computeBefore < budget
                          ? $", with {Compute(computeBefore)} of the {Compute(budget)} compute budget used (wall time ran ahead of compute: other work on the cores, or threads waiting)" : "") +
                      $" (best {Fmt(State.BestWer)}% at epoch {State.BestEpoch})";
            return true;
        }

        /// <summary>Minutes of compute for a message: "1.4 min", or seconds below a tenth of a minute ("2.7 s"), so small budgets do not read as 0.</summary>
        static string Compute(double minutes) =>
            minutes >= 0.1 ? $"{minutes:0.0#} min" : $"{minutes * 60:0.###} s";

        /// <summary>
        /// With --budget-anneal: sets the budget's-end multiplier (<see cref="BudgetAnneal"/>) of the next
        /// epoch from the share of the budget used by its middle (at this epoch's cost); returns the log line.
        /// </summary>
        string? Anneal(int epoch, double computeNow, double epochCost)
        {
            if (options.BudgetAnnealShare <= 0 || options.TimeBudgetMinutes is not double budget || !plateau.HasLeftStart) return null;
            double used = (computeNow + epochCost / 2) / budget;
            double scale = Math.Min(State.AnnealScale, BudgetAnneal.Scale(used, options.BudgetAnnealShare));
            if (scale >= State.AnnealScale) return null;
            State = State with { AnnealScale = scale };
            return string.Format(CultureInfo.InvariantCulture, "  budget's end: learning rate x{0:0.###} for epoch {1} ({2:0}% of the time budget used by its middle)", scale, epoch + 1, used * 100);
        }

        EpochMetrics Metrics(int epoch, TrainEpochResult train, ValidationResult val, double lr) => val.Into(new()
        {
            Epoch = epoch,
            TrainLoss = train.MeanLoss,
            TrainLossMax = train.MaxLoss,
            DistillLoss = train.ExtraLoss,
            LossTerms = train.Terms is { } terms
                ? new Dictionary<string, double>(terms.Prepend(new(AuxiliaryObjective.CtcTerm, train.MeanLoss)))
                : null,
            TrainWer = train.Wer,
            LearningRate = lr,
            GradNormMean = train.GradNormMean,
            GradNormMax = train.GradNormMax,
            Steps = trainer.OptimizerSteps,
            Seconds = train.Seconds + val.Seconds,
            DataWaitShare = train.Seconds > 0 ? train.DataWaitSeconds / train.Seconds : 0,
        });

        /// <summary>The live monitor's findings for the epoch; true when it stops the run (--auto-stop).</summary>
        bool Doctor(EpochMetrics metrics, int epoch)
        {
            if (owner.HealthCheck is null) return false;
            var (found, stopReason) = owner.HealthCheck(metrics);
            foreach (var f in found) { Say("  " + f); findings.Add($"epoch {epoch}: {f}"); }
            if (stopReason is null || !options.AutoStop) return false;
            status = TrainingStatus.AutoStopped;
            message = $"the training doctor stopped the run after epoch {epoch} (--auto-stop): {stopReason}";
            return true;
        }

        bool Stopping(CancellationToken cancel, int epoch)
        {
            if (!cancel.IsCancellationRequested) return false;
            status = TrainingStatus.Interrupted;
            message = $"interrupted after epoch {epoch}; 'last' holds it";
            return true;
        }

        void Save(IReadOnlyList<string> links, CheckpointState s)
        {
            Checkpoint.Save(folder.Dir, links, owner.model, owner.modelConfigJson, owner.vocabulary, options, optimizer, s with
            {
                OptimizerSteps = trainer.OptimizerSteps,
                SavedUtc = DateTime.UtcNow,
            }, average);
            lastPath = folder.PathOf("last");
        }

        /// <summary>The run's summary.json when it records a finished run (completed or early-stopped); null otherwise or when unreadable.</summary>
        TrainingOutcome? KeptSummary()
        {
            try
            {
                var kept = System.Text.Json.JsonSerializer.Deserialize<TrainingOutcome>(File.ReadAllText(folder.PathOf(RunFolder.SummaryFile)), Checkpoint.Json);
                return kept is { Status: TrainingStatus.Completed or TrainingStatus.EarlyStopped } && kept.Epochs == State.Epoch ? kept : null;
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { return null; }
        }

        /// <summary>Writes summary.json and the closing log line.</summary>
        public TrainingOutcome Finish()
        {
            // A resumed run with no epoch left to train keeps its summary (rewriting it gave null WERs and 0 clips/s).
            if (!ranEpoch && options.Resume && KeptSummary() is { } kept)
            {
                Say($"[{Now}] nothing to train: {message} (--epochs {options.Epochs}); {RunFolder.SummaryFile} kept. Best val WER {Fmt(State.BestWer)}% (epoch {State.BestEpoch}); run folder {folder.Dir}");
                return kept;
            }
            if (options.Resume) lastMetrics ??= RunFolder.ReadMetrics(folder.Dir).LastOrDefault();
            var outcome = new TrainingOutcome
            {
                Status = status,
                Cause = cause,
                Message = message,
                Epochs = State.Epoch,
                OptimizerSteps = trainer.OptimizerSteps,
                BestWer = State.BestWer,
                BestEpoch = State.BestEpoch,
                LastWer = lastMetrics?.ValWer,
                LastTrainLoss = lastMetrics?.TrainLoss,
                Seconds = clock.Elapsed.TotalSeconds,
                ComputeMinutes = compute.Minutes,
                ClipsPerSecond = trainSeconds > 0 ? clipsSeen / trainSeconds : 0,
                FramesPerSecond = trainSeconds > 0 ? framesSeen / trainSeconds : 0,
                DataWaitShare = trainSeconds > 0 ? waitSeconds / trainSeconds : 0,
                PeakRssMiB = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
                RunDir = folder.Dir,
                Best = bestPath,
                Last = lastPath,
                Findings = findings,
            };
            folder.WriteSummary(outcome);
            string best = State.BestWer is null ? "No epoch finished" : $"Best val WER {Fmt(State.BestWer)}% (epoch {State.BestEpoch})";
            Say($"[{Now}] {status}: {message}. {best}; run folder {folder.Dir}");
            return outcome;
        }
    }

    bool legendShown;


    /// <summary>
    /// A value with its sign and two decimals ("+0.41", "-0.12", "+0.00"): rounded first, since a custom format's negative
    /// section printed -0.003 as "-+0.00". Null (no validation loss) prints nothing.
    /// </summary>
    internal static string SignedTwoDecimals(double? gap)
    {
        if (gap is not double value) return ""; // no validation loss: printed empty, as before
        double rounded = Math.Round(value, 2, MidpointRounding.AwayFromZero) + 0.0; // + 0.0 turns -0 into 0
        return double.IsFinite(rounded) ? rounded.ToString(rounded < 0 ? "0.00" : "+0.00", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);
    }

    IEnumerable<string> EpochLines(EpochMetrics m, TrainEpochResult train, ValidationResult val, bool improved)
    {
        var c = CultureInfo.InvariantCulture;
        yield return string.Format(c, "Epoch {0}/{1}  lr {2:0.00e+00}  time {3:0.0}s (train {4:0.0}s, {5:0.0} clips/s, data wait {6:0.0}%; val {7:0.0}s)",
            m.Epoch, options.Epochs, m.LearningRate, m.Seconds, train.Seconds, train.Clips / Math.Max(1e-9, train.Seconds),
            100 * (m.DataWaitShare ?? 0), val.Seconds);
        yield return string.Format(c, "  Train Loss: {0:0.00} | Train WER: {1:0.0}%{2}", m.TrainLoss, m.TrainWer,
            train.ExtraLoss is double extra ? string.Format(c, " | {0} loss: {1:0.000} (CTC + {0} = {2:0.00})", Extension?.ExtraLossName ?? "extra", extra, m.TrainLoss + extra) : "");
        if (m.LossTerms is { } terms)
            yield return "  Loss terms: " + string.Join(" + ", terms.Select(t => string.Format(c, "{0} {1:0.000}", t.Key, t.Value)))
                + string.Format(c, " = {0:0.00}", terms.Values.Sum());
        yield return string.Format(c, "  Val Loss:   {0:0.00} | Val WER:   {1:0.0}%{2}", m.ValLoss, m.ValWer, improved ? "  (best so far -> best)" : "");
        yield return string.Format(c, "  Gap: {0} | blank {1:0.00} | empty {2:0.00} | length ratio {3:0.00} | grad norm {4:0.00} (max {5:0.00})",
            SignedTwoDecimals(m.ValLoss - m.TrainLoss), m.BlankRatio, m.EmptyRate, m.LengthRatio, m.GradNormMean, m.GradNormMax);
        if (!legendShown)
        {
            legendShown = true; // once per run: what the short names of the line above mean
            yield return "  (Gap = val loss - train loss; blank = share of dev frames whose best class is blank; empty = share of dev clips predicted with no gloss; " +
                         "length ratio = predicted / reference glosses on dev; grad norm = mean gradient norm per step)";
        }
        foreach (var s in val.Samples)
        {
            yield return $"  Target: \"{s.Target}\" ({Words.Count(s.Target.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length, "word")})";
            yield return $"  Pred:   \"{s.Pred}\" ({Words.Count(s.Pred.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length, "word")})";
        }
    }

    void WriteBoard(RunFolder folder, EpochMetrics m, ValidationResult val, int epoch)
    {
        var board = folder.Board;
        board.add_scalar("loss/train", (float)m.TrainLoss, epoch);
        board.add_scalar("loss/val", (float)(m.ValLoss ?? double.NaN), epoch);
        foreach (var (term, value) in m.LossTerms ?? new Dictionary<string, double>())
            board.add_scalar($"loss/{term}", (float)value, epoch);
        if (m.DistillLoss is double extra)
            board.add_scalar($"loss/{Extension?.ExtraLossName ?? "extra"}", (float)extra, epoch);
        board.add_scalar("wer/train", (float)(m.TrainWer ?? double.NaN), epoch);
        board.add_scalar("wer/val", (float)(m.ValWer ?? double.NaN), epoch);
        board.add_scalar("val/blank_ratio", (float)(m.BlankRatio ?? 0), epoch);
        board.add_scalar("val/empty_rate", (float)(m.EmptyRate ?? 0), epoch);
        board.add_scalar("val/length_ratio", (float)(m.LengthRatio ?? 0), epoch);
        board.add_scalar("optim/learning_rate", (float)(m.LearningRate ?? 0), epoch);
        board.add_scalar("optim/grad_norm_mean", (float)(m.GradNormMean ?? 0), epoch);
        board.add_scalar("time/data_wait_share", (float)(m.DataWaitShare ?? 0), epoch);
        if (val.Samples.Count > 0)
            board.add_text("val/samples", string.Join("\n\n", val.Samples.Select(s => $"**{s.Id}**  \nTarget: {s.Target}  \nPred: {s.Pred}")), epoch);
        if (options.HistogramEvery > 0 && epoch % options.HistogramEvery == 0)
        {
            foreach (var (name, p) in model.named_parameters())
            {
                if (p.numel() < 2) continue;
                using var values = p.detach().cpu();
                board.add_histogram($"weights/{name}", values, epoch);
            }
        }
    }

    /// <summary>" (OpenMP waits passive; jemalloc keeping freed pages)" for the run's device line, or "" when neither is known.</summary>
    static string Detail(Device device)
    {
        var parts = new[] { LibTorchDefaults.DescribeOpenMpWaits(), device.type == TorchSharp.DeviceType.CPU ? LibTorchDefaults.DescribeAllocator().Name : "" }
            .Where(p => p.Length > 0).ToList();
        return parts.Count > 0 ? $" ({string.Join("; ", parts)})" : "";
    }

    static string Now => DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";
    internal static string Fmt(double? v) => v is null ? "n/a" : v.Value.ToString("0.00", CultureInfo.InvariantCulture);
}
