using System.Diagnostics;
using Glossa.Corpora;
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
        double waited = 0, lossSum = start.LossSum, lossMax = start.LossMax, gradSum = start.GradNormSum, gradMax = start.GradNormMax, extraSum = start.ExtraLossSum;
        int batchCount = start.BatchesDone, clips = start.Clips, pending = 0, steps = start.OptimizerSteps, errors = start.Errors, refWords = start.ReferenceWords;
        long frames = start.Frames;
        double[] termSums = start.TermSums is { } saved ? [.. saved] : new double[Auxiliary?.TermNames.Count ?? 0];
        bool interrupted = false;
        var pendingIds = new List<string>();
        // The progress as of the last completed optimizer step: what an interruption can be resumed from.
        EpochProgress Snapshot() => new()
        {
            BatchesDone = batchCount, Clips = clips, Frames = frames, OptimizerSteps = steps, LossSum = lossSum, LossMax = lossMax,
            ExtraLossSum = extraSum, TermSums = [.. termSums], GradNormSum = gradSum, GradNormMax = gradMax, Errors = errors, ReferenceWords = refWords,
            TorchRngState = RngState(),
        };
        var committed = Snapshot();

        using var it = batches.GetEnumerator();
        while (true)
        {
            long before = Stopwatch.GetTimestamp();
            bool more = it.MoveNext();
            waited += Stopwatch.GetElapsedTime(before).TotalSeconds;
            if (!more) break;

            using var batch = it.Current;
            // Checked once the next batch exists, so a request during the last step still completes the epoch.
            if (cancel.IsCancellationRequested) { interrupted = true; break; }
            using (NewDisposeScope())
            {
                var output = model.call(batch.Frames.to(device), batch.Lengths.to(device));
                RequireFeasible(output.Lengths, batch);
                var logProbs = objective.LogProbs(output.Logits, smooth: true); // (B,T',C)
                var loss = CtcObjective.Loss(logProbs, output.Lengths, batch.Targets.to(device), batch.TargetLengths.to(device));
                double value = loss.item<float>();
                if (!double.IsFinite(value))
                    throw new NonFiniteLossException(epoch, OptimizerSteps, "loss", value, batch.Ids.ToArray())
                    {
                        // Re-run the batch with hooks on every submodule to name where the NaN/inf starts.
                        Module = Doctor.NonFiniteProbe.Locate(model, () => model.call(batch.Frames.to(device), batch.Lengths.to(device))),
                    };
                if (ExtraLoss is not null)
                {
                    var extra = ExtraLoss(batch, output);
                    double extraValue = extra.item<float>();
                    if (!double.IsFinite(extraValue))
                        throw new NonFiniteLossException(epoch, OptimizerSteps, "extra (distillation) loss", extraValue, batch.Ids.ToArray());
                    extraSum += extraValue;
                    loss = loss + extra;
                }
                if (Auxiliary is not null)
                    loss = AddAuxiliaryTerms(loss, output, batch, termSums, epoch);
                (accumulationSteps == 1 ? loss : loss / accumulationSteps).backward();
                (int e, int n) = CountErrors(output.Logits, output.Lengths, batch);
                errors += e;
                refWords += n;
                lossSum += value;
                lossMax = Math.Max(lossMax, value);
            }
            pendingIds.AddRange(batch.Ids);
            batchCount++;
            clips += batch.Count;
            frames += batch.Frames.shape[0] * batch.Frames.shape[1];
            if (++pending == accumulationSteps)
            {
                double norm = Step(epoch, pendingIds);
                gradSum += norm;
                gradMax = Math.Max(gradMax, norm);
                steps++;
                pending = 0;
                if (cancel.CanBeCanceled) committed = Snapshot();
            }
            progress?.Invoke(new StepProgress(epoch, batchCount, lossSum / batchCount, (clips - start.Clips) / clock.Elapsed.TotalSeconds));
        }
        if (pending > 0 && !interrupted)
        {
            // A short last accumulation window still counts: its gradients were already summed.
            double norm = Step(epoch, pendingIds);
            gradSum += norm;
            gradMax = Math.Max(gradMax, norm);
            steps++;
        }
        optimizer.zero_grad();
        return new TrainEpochResult
        {
            MeanLoss = batchCount > 0 ? lossSum / batchCount : double.NaN,
            MaxLoss = batchCount > 0 ? lossMax : double.NaN,
            ExtraLoss = ExtraLoss is not null && batchCount > 0 ? extraSum / batchCount : null,
            Terms = Auxiliary is null || batchCount == 0 ? null
                : Auxiliary.TermNames.Select((name, i) => (name, termSums[i] / batchCount)).ToDictionary(p => p.name, p => p.Item2),
            Wer = refWords > 0 ? 100.0 * errors / refWords : double.NaN,
            GradNormMean = steps > 0 ? gradSum / steps : 0,
            GradNormMax = gradMax,
            Batches = batchCount,
            Clips = clips,
            Frames = frames,
            OptimizerSteps = steps,
            Seconds = clock.Elapsed.TotalSeconds,
            DataWaitSeconds = waited,
            Interrupted = interrupted,
            Progress = interrupted ? committed : null,
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

    /// <summary>Clips the gradients, sets the scheduled rate and takes one optimizer step. Returns the norm before clipping.</summary>
    double Step(int epoch, List<string> ids)
    {
        double norm = nn.utils.clip_grad_norm_(parameters, clipGradNorm > 0 ? clipGradNorm : double.PositiveInfinity);
        if (!double.IsFinite(norm))
            throw new NonFiniteLossException(epoch, OptimizerSteps, "gradient norm", norm, ids.ToArray());
        double lr = LearningRateAt(OptimizerSteps);
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = lr;
        optimizer.step();
        optimizer.zero_grad();
        OptimizerSteps++;
        ids.Clear();
        return norm;
    }

    /// <summary>Greedy decoding of every validation batch: loss, WER and the blank/length statistics the doctor reads.</summary>
    public ValidationResult Validate(IEnumerable<ClipBatch> batches, int keepSamples = 3, CancellationToken cancel = default)
    {
        model.eval();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long blankFrames = 0, validFrames = 0;
        int clips = 0, errors = 0, refWords = 0, hypWords = 0, empty = 0;
        var samples = new List<PredictionSample>();
        var hypotheses = new List<(string, string[])>();
        using (no_grad())
        {
            foreach (var batch in batches)
            {
                using var owned = batch;
                if (cancel.IsCancellationRequested) break;
                using var scope = NewDisposeScope();
                var output = model.call(batch.Frames.to(device), batch.Lengths.to(device));
                RequireFeasible(output.Lengths, batch);
                var logProbs = objective.LogProbs(output.Logits, smooth: false);
                double loss = CtcObjective.Loss(logProbs, output.Lengths, batch.Targets.to(device), batch.TargetLengths.to(device)).item<float>();
                if (!double.IsFinite(loss))
                    throw new NonFiniteLossException(0, OptimizerSteps, "validation loss", loss, batch.Ids.ToArray());
                lossSum += loss * batch.Count;
                var (argmax, lengths) = ArgmaxFrames(output.Logits, output.Lengths);
                int T = (int)output.Logits.shape[1];
                var batchHyps = new List<IReadOnlyList<string>>(batch.Count);
                for (int b = 0; b < batch.Count; b++)
                {
                    var span = new ReadOnlySpan<long>(argmax, b * T, T);
                    for (int t = 0; t < lengths[b]; t++)
                        if (span[t] == Vocabulary.Blank) blankFrames++;
                    validFrames += lengths[b];
                    var hyp = vocabulary.Decode(GreedyFrames.Collapse(span, (int)lengths[b]));
                    hypWords += hyp.Length;
                    if (hyp.Length == 0) empty++;
                    batchHyps.Add(hyp);
                    hypotheses.Add((batch.Ids[b], hyp));
                    if (samples.Count < keepSamples)
                        samples.Add(new PredictionSample(batch.Ids[b], string.Join(' ', batch.Glosses[b]), string.Join(' ', hyp)));
                }
                var (e, n) = WordErrorCounter.Count(batch.Ids, batch.Glosses, batchHyps);
                errors += e;
                refWords += n;
                clips += batch.Count;
            }
        }
        return new ValidationResult
        {
            Loss = clips > 0 ? lossSum / clips : double.NaN,
            Wer = refWords > 0 ? 100.0 * errors / refWords : double.NaN,
            Errors = errors,
            ReferenceWords = refWords,
            BlankRatio = validFrames > 0 ? (double)blankFrames / validFrames : double.NaN,
            EmptyRate = clips > 0 ? (double)empty / clips : double.NaN,
            LengthRatio = refWords > 0 ? (double)hypWords / refWords : double.NaN,
            Samples = samples,
            Hypotheses = hypotheses,
            Clips = clips,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    (int Errors, int Words) CountErrors(Tensor logits, Tensor outputLengths, ClipBatch batch)
    {
        var (argmax, lengths) = ArgmaxFrames(logits, outputLengths);
        int T = (int)logits.shape[1];
        var hyps = new List<IReadOnlyList<string>>(batch.Count);
        for (int b = 0; b < batch.Count; b++)
            hyps.Add(vocabulary.Decode(GreedyFrames.Collapse(new ReadOnlySpan<long>(argmax, b * T, T), (int)lengths[b])));
        return WordErrorCounter.Count(batch.Ids, batch.Glosses, hyps);
    }

    static (long[] Argmax, long[] Lengths) ArgmaxFrames(Tensor logits, Tensor outputLengths)
    {
        var argmax = logits.detach().argmax(-1).cpu().contiguous(); // (B,T',C) -> (B,T')
        return (argmax.data<long>().ToArray(), outputLengths.cpu().to_type(ScalarType.Int64).data<long>().ToArray());
    }

    /// <summary>
    /// Stops with the sample's name when a clip's output is shorter than CTC needs. The run's
    /// start-up filter removes such clips when frame counts are known; this catches the rest.
    /// </summary>
    static void RequireFeasible(Tensor outputLengths, ClipBatch batch)
    {
        var outLen = outputLengths.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        var tgtLen = batch.TargetLengths.cpu().data<long>().ToArray();
        for (int b = 0; b < outLen.Length; b++)
            if (outLen[b] < tgtLen[b])
                throw new Common.GlossaException(
                    $"sample {batch.Ids[b]}: the model gives {outLen[b]} output frames for {tgtLen[b]} glosses; CTC needs at least one frame per gloss. " +
                    "Remove the clip or lower the model's temporal stride / raise --max-frames");
    }
}
