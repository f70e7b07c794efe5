using System.Diagnostics;
using Glossa.Corpora;
using Glossa.Decoding;
using Glossa.Frames;
using Glossa.Models;
using Glossa.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// One epoch of CTC training and one greedy validation pass for any recogniser that maps
/// (frames (B,T,3,H,W), lengths (B)) to <see cref="CslrOutput"/>. The epoch loop, checkpoints and
/// logs live in <see cref="TrainingRun"/>; this type only does steps, so it can be tested alone.
/// </summary>
public sealed class Trainer
{
    readonly nn.Module<Tensor, Tensor, CslrOutput> model;
    readonly Vocabulary vocabulary;
    readonly optim.Optimizer optimizer;
    readonly CtcObjective objective;
    readonly Device device;
    readonly int accumulationSteps;
    readonly double clipGradNorm;
    readonly TorchSharp.Modules.Parameter[] parameters;

    /// <summary>Optimizer steps taken so far in the run (restored from checkpoints on resume).</summary>
    public long OptimizerSteps { get; set; }

    /// <summary>Learning rate of optimizer step n; the trainer sets it before every step.</summary>
    public Func<long, double> LearningRateAt { get; set; }

    /// <summary>
    /// Optional extra training objective (distillation): called in every training step, inside its
    /// dispose scope, with the batch and the model's output; returns a scalar added to the CTC
    /// loss. Its epoch mean is reported apart (<see cref="TrainEpochResult.ExtraLoss"/>).
    /// </summary>
    public Func<ClipBatch, CslrOutput, Tensor>? ExtraLoss { get; set; }

    /// <summary>
    /// Optional auxiliary objectives on the model's temporal-conv head (VAC / SMKD): each of its
    /// terms is added to the CTC loss in every step and its epoch mean is reported apart
    /// (<see cref="TrainEpochResult.Terms"/>).
    /// </summary>
    public AuxiliaryObjective? Auxiliary { get; set; }

    /// <summary>Optional call after every optimizer step (the weight average's update).</summary>
    public Action? AfterStep { get; set; }

    public Trainer(nn.Module<Tensor, Tensor, CslrOutput> model, Vocabulary vocabulary, optim.Optimizer optimizer,
        CtcObjective objective, Device device, int accumulationSteps = 1, double clipGradNorm = 0)
    {
        this.model = model;
        this.vocabulary = vocabulary;
        this.optimizer = optimizer;
        this.objective = objective;
        this.device = device;
        this.accumulationSteps = Math.Max(1, accumulationSteps);
        this.clipGradNorm = clipGradNorm;
        parameters = model.parameters().Where(p => p.requires_grad).ToArray();
        double lr0 = optimizer.ParamGroups.First().LearningRate;
        LearningRateAt = _ => lr0;
    }

    /// <summary>
    /// Trains on every batch of <paramref name="batches"/> (each is disposed after its step).
    /// Cancellation is checked between steps: the current step always completes.
    /// </summary>
    /// <param name="batches">The epoch's batches; when continuing, only those after <paramref name="continueFrom"/>'s.</param>
    /// <param name="epoch">1-based epoch number.</param>
    /// <param name="cancel">Checked between steps.</param>
    /// <param name="progress">Called after every batch.</param>
    /// <param name="continueFrom">The saved progress of an interrupted epoch: its sums are carried on, and libtorch's generator is restored.</param>
    /// <exception cref="NonFiniteLossException">A loss or gradient norm was NaN or infinite.</exception>
    public TrainEpochResult TrainOneEpoch(IEnumerable<ClipBatch> batches, int epoch,
        CancellationToken cancel = default, Action<StepProgress>? progress = null, EpochProgress? continueFrom = null)
    {
        model.train();
        optimizer.zero_grad();
        var clock = Stopwatch.StartNew();
        var start = continueFrom ?? new EpochProgress();
        if (start.TorchRngState is { } rng)
            using (var state = tensor(rng, dtype: ScalarType.Byte)) random.set_rng_state(state);
        var t = new EpochTotals(start, Auxiliary?.TermNames.Count ?? 0);
        int pending = 0;
        bool interrupted = false;
        var pendingIds = new List<string>();
        // The progress as of the last completed optimizer step: what an interruption can be resumed from.
        var committed = t.Snapshot(0);

        using var it = batches.GetEnumerator();
        while (true)
        {
            long before = Stopwatch.GetTimestamp();
            bool more = it.MoveNext();
            t.Waited += Stopwatch.GetElapsedTime(before).TotalSeconds;
            if (!more) break;

            using var batch = it.Current;
            // Checked once the next batch exists, so a request during the last step still completes the epoch.
            if (cancel.IsCancellationRequested) { interrupted = true; break; }
            ForwardBackward(batch, epoch, t);
            pendingIds.AddRange(batch.Ids);
            if (++pending == accumulationSteps)
            {
                t.AddStep(Step(epoch, pendingIds));
                pending = 0;
                if (cancel.CanBeCanceled) committed = t.Snapshot(clock.Elapsed.TotalSeconds);
            }
            progress?.Invoke(new StepProgress(epoch, t.Batches, t.LossSum / t.Batches, (t.Clips - start.Clips) / clock.Elapsed.TotalSeconds));
        }
        // A short last accumulation window still counts: its gradients were already summed.
        if (pending > 0 && !interrupted) t.AddStep(Step(epoch, pendingIds));
        optimizer.zero_grad();
        double elapsed = clock.Elapsed.TotalSeconds;
        return t.Result(ExtraLoss is not null, Auxiliary?.TermNames, elapsed, interrupted ? committed : t.Snapshot(elapsed), interrupted);
    }

    /// <summary>One batch: forward, CTC (+ the extra loss), backward with the accumulation scale, running totals; in its own dispose scope.</summary>
    void ForwardBackward(ClipBatch batch, int epoch, EpochTotals t)
    {
        using (NewDisposeScope())
        {
            var output = model.call(batch.Frames.to(device), batch.Lengths.to(device));
            CtcFeasibility.RequireOutputLengths(output.Lengths, batch);
            var logProbs = objective.LogProbs(output.Logits, smooth: true); // (B,T',C)
            var loss = objective.BatchLoss(logProbs, output.Lengths, batch.Targets.to(device), batch.TargetLengths.to(device));
            double value = loss.item<float>();
            if (!double.IsFinite(value))
                throw new NonFiniteLossException(epoch, OptimizerSteps, "loss", value, batch.Ids.ToArray())
                {
                    // Re-run the batch with hooks on every submodule to name where the NaN/inf starts.
                    Module = NonFiniteProbe.Locate(model, () => model.call(batch.Frames.to(device), batch.Lengths.to(device))),
                };
            if (ExtraLoss is not null)
            {
                var extra = ExtraLoss(batch, output);
                double extraValue = extra.item<float>();
                if (!double.IsFinite(extraValue))
                    throw new NonFiniteLossException(epoch, OptimizerSteps, "extra (distillation) loss", extraValue, batch.Ids.ToArray());
                t.ExtraSum += extraValue;
                loss = loss + extra;
            }
            if (Auxiliary is not null)
                loss = AddAuxiliaryTerms(loss, output, batch, t.TermSums, epoch);
            (accumulationSteps == 1 ? loss : loss / accumulationSteps).backward();
            (int e, int n) = CountErrors(output.Logits, output.Lengths, batch);
            t.AddBatch(value, e, n, batch.Count, batch.Frames.shape[0] * batch.Frames.shape[1]);
        }
    }

    /// <summary>The running totals of an epoch, carried over from an interrupted one (its time and data wait too).</summary>
    sealed class EpochTotals(EpochProgress start, int terms)
    {
        public readonly double[] TermSums = start.TermSums is { } saved ? [.. saved] : new double[terms];
        readonly double priorSeconds = start.Seconds;
        public double Waited = start.DataWaitSeconds, LossSum = start.LossSum, LossMax = start.LossMax, GradSum = start.GradNormSum, GradMax = start.GradNormMax, ExtraSum = start.ExtraLossSum;
        public int Batches = start.BatchesDone, Clips = start.Clips, Steps = start.OptimizerSteps, Errors = start.Errors, ReferenceWords = start.ReferenceWords;
        public long Frames = start.Frames;

        public void AddBatch(double loss, int errors, int words, int clips, long frames)
        {
            LossSum += loss;
            LossMax = Math.Max(LossMax, loss);
            Errors += errors;
            ReferenceWords += words;
            Batches++;
            Clips += clips;
            Frames += frames;
        }

        public void AddStep(double gradNorm)
        {
            GradSum += gradNorm;
            GradMax = Math.Max(GradMax, gradNorm);
            Steps++;
        }

        /// <summary>The progress so far, after <paramref name="elapsed"/> seconds of this process's training.</summary>
        public EpochProgress Snapshot(double elapsed) => new()
        {
            Seconds = priorSeconds + elapsed, DataWaitSeconds = Waited,
            BatchesDone = Batches, Clips = Clips, Frames = Frames, OptimizerSteps = Steps, LossSum = LossSum, LossMax = LossMax,
            ExtraLossSum = ExtraSum, TermSums = [.. TermSums], GradNormSum = GradSum, GradNormMax = GradMax, Errors = Errors, ReferenceWords = ReferenceWords,
            TorchRngState = RngState(),
        };

        /// <summary>The epoch's result after <paramref name="elapsed"/> seconds of this process's training (an interrupted epoch's earlier seconds are added).</summary>
        public TrainEpochResult Result(bool extra, IReadOnlyList<string>? termNames, double elapsed, EpochProgress progress, bool interrupted) => new()
        {
            Terms = termNames is null || Batches == 0 ? null
                : termNames.Select((name, i) => (name, TermSums[i] / Batches)).ToDictionary(p => p.name, p => p.Item2),
            MeanLoss = Batches > 0 ? LossSum / Batches : double.NaN,
            MaxLoss = Batches > 0 ? LossMax : double.NaN,
            ExtraLoss = extra && Batches > 0 ? ExtraSum / Batches : null,
            Wer = ReferenceWords > 0 ? 100.0 * Errors / ReferenceWords : double.NaN,
            GradNormMean = Steps > 0 ? GradSum / Steps : 0,
            GradNormMax = GradMax,
            Batches = Batches,
            Clips = Clips,
            Frames = Frames,
            OptimizerSteps = Steps,
            Seconds = priorSeconds + elapsed,
            DataWaitSeconds = Waited,
            Interrupted = interrupted,
            Progress = progress,
        };
    }

    /// <summary>Adds the auxiliary terms to the step's loss, summing each term's value into <paramref name="sums"/>; stops on a non-finite term.</summary>
    Tensor AddAuxiliaryTerms(Tensor loss, CslrOutput output, ClipBatch batch, double[] sums, int epoch)
    {
        var terms = Auxiliary!.Compute(output, objective, batch.Targets.to(device), batch.TargetLengths.to(device));
        for (int i = 0; i < terms.Length; i++)
        {
            double value = terms[i].item<float>();
            if (!double.IsFinite(value))
                throw new NonFiniteLossException(epoch, OptimizerSteps, $"{Auxiliary.TermNames[i]} loss", value, batch.Ids.ToArray());
            sums[i] += value;
            loss = loss + terms[i];
        }
        return loss;
    }

    /// <summary>libtorch's CPU generator state as bytes (the tensor handle is released at once: this runs every step).</summary>
    static byte[] RngState()
    {
        using var state = random.get_rng_state();
        return state.data<byte>().ToArray();
    }

    /// <summary>Managed bytes the optimizer step may allocate without a collection (its tensor wrappers and scalars take a few kB per parameter).</summary>
    const long StepAllocationBudget = 16L << 20;

    /// <summary>
    /// Runs <paramref name="action"/> with no garbage collection while it runs. TorchSharp 0.107's optimizers turn numbers
    /// into Scalars inside step() (AdamW's <c>add_(1)</c> on its step count), and a collection during the call can finalise
    /// one while libtorch still reads it: a test run crashed once in AdamW.step with "Expected false to be true" from
    /// c10/core/Scalar.h (toFloat). Without a collection nothing is finalised before the call returns. When the region cannot
    /// be had (already in one, or the budget runs out), the action runs as before.
    /// </summary>
    internal static void WithoutCollection(Action action)
    {
        bool quiet;
        try { quiet = GC.TryStartNoGCRegion(StepAllocationBudget); }
        catch (InvalidOperationException) { quiet = false; } // already in a no-GC region
        try { action(); }
        finally
        {
            if (quiet && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                GC.EndNoGCRegion();
        }
    }

    /// <summary>Clips the gradients, sets the scheduled rate and takes one optimizer step. Returns the norm before clipping.</summary>
    double Step(int epoch, List<string> ids)
    {
        double norm = nn.utils.clip_grad_norm_(parameters, clipGradNorm > 0 ? clipGradNorm : double.PositiveInfinity);
        if (!double.IsFinite(norm))
            throw new NonFiniteLossException(epoch, OptimizerSteps, "gradient norm", norm, ids.ToArray());
        double lr = LearningRateAt(OptimizerSteps);
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = lr;
        WithoutCollection(() => optimizer.step());
        optimizer.zero_grad();
        AfterStep?.Invoke();
        OptimizerSteps++;
        ids.Clear();
        return norm;
    }

    /// <summary>One validation pass (<see cref="Validator"/>) with the model being trained.</summary>
    public ValidationResult Validate(IEnumerable<ClipBatch> batches, int keepSamples = 3, CancellationToken cancel = default, Scoring.CleanupRules? cleanup = null,
        IReadOnlyList<Corpora.Sample>? noOutput = null) =>
        new Validator(model, vocabulary, device, cleanup) { CtcPerClipSum = objective.PerClipSum }.Run(batches, keepSamples, OptimizerSteps, cancel, noOutput);

    /// <summary>Word errors of the step's greedy hypotheses (the running training WER), without cleanup.</summary>
    (int Errors, int Words) CountErrors(Tensor logits, Tensor outputLengths, ClipBatch batch)
    {
        var lp = CheckpointModel.ToBatch(logits, outputLengths); // argmax of logits = argmax of log-probs
        var hyps = GreedyDecoder.DecodeBatch(lp.Values, lp.Lengths, lp.MaxFrames, lp.Classes).Select(ids => (IReadOnlyList<string>)vocabulary.Decode(ids)).ToList();
        return WordErrorCounter.Count(batch.Ids, batch.Glosses, hyps);
    }
}
