using System.Diagnostics;
using Glossa.Corpora;
using Glossa.Decoding;
using Glossa.Frames;
using Glossa.Models;
using Glossa.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// One validation pass: the CTC loss, greedy decoding through <see cref="CtcDecoder"/> and the
/// WER under the corpus's cleanup rules, exactly as <c>glossa evaluate --beam 0</c> decodes and
/// scores, plus the blank, empty and length statistics the doctor reads. Needs no optimizer, so
/// a checkpoint can be validated on its own.
/// </summary>
public sealed class Validator
{
    readonly nn.Module<Tensor, Tensor, CslrOutput> model;
    readonly Vocabulary vocabulary;
    readonly Device device;
    readonly CleanupRules cleanup;
    static readonly CtcDecoder Decoder = CtcDecoder.Greedy();

    /// <param name="model">Any recogniser mapping (frames (B,T,3,H,W), lengths (B)) to <see cref="CslrOutput"/>.</param>
    /// <param name="vocabulary">The model's classes.</param>
    /// <param name="device">Where the model runs.</param>
    /// <param name="cleanup">The corpus's scoring rules (<see cref="CleanupRules.None"/> when unknown).</param>
    public Validator(nn.Module<Tensor, Tensor, CslrOutput> model, Vocabulary vocabulary, Device device, CleanupRules? cleanup = null)
    {
        this.model = model;
        this.vocabulary = vocabulary;
        this.device = device;
        this.cleanup = cleanup ?? CleanupRules.None;
    }

    /// <summary>The validation loss with the training's CTC reduction (<c>--ctc-reduction sum</c>: each clip's loss not divided by its target length), so train and val losses compare.</summary>
    public bool CtcPerClipSum { get; init; }

    /// <summary>
    /// Validates on every batch (each is disposed). Stops early when <paramref name="cancel"/> is
    /// set; the result then says <see cref="ValidationResult.Cancelled"/> and covers only the clips seen.
    /// </summary>
    /// <param name="batches">The validation batches.</param>
    /// <param name="keepSamples">How many reference/hypothesis pairs to keep for the log.</param>
    /// <param name="step">The optimizer step, named if a loss is not finite.</param>
    /// <param name="cancel">Checked between batches.</param>
    /// <param name="noOutput">Clips so short the model gives them no output frame at all (they cannot go through it): scored
    /// as empty hypotheses, as <c>glossa evaluate</c> scores them.</param>
    public ValidationResult Run(IEnumerable<ClipBatch> batches, int keepSamples = 3, long step = 0, CancellationToken cancel = default,
        IReadOnlyList<Sample>? noOutput = null)
    {
        model.eval();
        var clock = Stopwatch.StartNew();
        var totals = new Totals();
        var samples = new List<PredictionSample>();
        var ordered = new List<(string, string[])>();
        bool cancelled = false;
        using (no_grad())
        {
            foreach (var batch in batches)
            {
                using var owned = batch;
                if (cancel.IsCancellationRequested) { cancelled = true; break; }
                using var scope = NewDisposeScope();
                var paths = Step(batch, step, totals);
                // Scored per batch (the totals add up utterance by utterance), so ids need only be unique within a batch.
                var references = new List<Utterance>(batch.Count);
                var hypotheses = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
                for (int b = 0; b < batch.Count; b++)
                {
                    string[] hyp = vocabulary.Decode(paths[b].Ids());
                    totals.Add(paths[b], hyp.Length);
                    references.Add(new Utterance(batch.Ids[b], "val", cleanup.GroundTruth(batch.Glosses[b])));
                    hypotheses[batch.Ids[b]] = hyp;
                    ordered.Add((batch.Ids[b], hyp));
                    if (samples.Count < keepSamples)
                        samples.Add(new PredictionSample(batch.Ids[b], string.Join(' ', batch.Glosses[b]), string.Join(' ', hyp)));
                }
                var score = WerScorer.Score(references, hypotheses, new ScoreOptions { Cleanup = cleanup, KeepAlignments = false }).Totals;
                totals.Errors += score.Errors;
                totals.ReferenceWords += score.ReferenceWords;
            }
        }
        if (!cancelled && noOutput is { Count: > 0 })
        {
            var references = noOutput.Select(x => new Utterance(x.Id, "val", cleanup.GroundTruth(x.Glosses))).ToList();
            var empty = noOutput.ToDictionary(x => x.Id, _ => (IReadOnlyList<string>)[], StringComparer.Ordinal);
            var score = WerScorer.Score(references, empty, new ScoreOptions { Cleanup = cleanup, KeepAlignments = false }).Totals;
            totals.Errors += score.Errors;
            totals.ReferenceWords += score.ReferenceWords;
            totals.Empty += noOutput.Count;
            ordered.AddRange(noOutput.Select(x => (x.Id, Array.Empty<string>())));
        }
        int clips = ordered.Count, refWords = totals.ReferenceWords;
        return new ValidationResult
        {
            Loss = totals.LossClips > 0 ? totals.LossSum / totals.LossClips : double.NaN,
            Wer = refWords > 0 ? 100.0 * totals.Errors / refWords : double.NaN,
            Errors = totals.Errors,
            ReferenceWords = refWords,
            BlankRatio = totals.Frames > 0 ? (double)totals.BlankFrames / totals.Frames : double.NaN,
            EmptyRate = clips > 0 ? (double)totals.Empty / clips : double.NaN,
            LengthRatio = refWords > 0 ? (double)totals.HypothesisWords / refWords : double.NaN,
            Samples = samples,
            Hypotheses = ordered,
            Clips = clips,
            Seconds = clock.Elapsed.TotalSeconds,
            Cancelled = cancelled,
        };
    }

    /// <summary>
    /// Forward pass, loss and greedy paths of one batch. A clip too short for its label (fewer output frames than CTC needs,
    /// <see cref="CtcObjective.RequiredFrames"/>) is decoded and scored like the others but left out of the loss, whose
    /// value for it would be infinite: evaluate scores such clips too.
    /// </summary>
    GreedyPath[] Step(ClipBatch batch, long step, Totals totals)
    {
        var output = model.call(batch.Frames.to(device), batch.Lengths.to(device));
        var logProbs = nn.functional.log_softmax(output.Logits, dim: -1); // (B,T',C)
        var (feasible, feasibleTargets) = Feasible(output.Lengths, batch);
        if (feasible.Length > 0)
        {
            Tensor scored = logProbs, outLengths = output.Lengths, targets = batch.Targets.to(device), targetLengths = batch.TargetLengths.to(device);
            if (feasible.Length < batch.Count)
            {
                var rows = tensor(feasible, dtype: ScalarType.Int64, device: logProbs.device);
                scored = logProbs.index_select(0, rows);
                outLengths = output.Lengths.index_select(0, rows.to(output.Lengths.device));
                targets = targets.index_select(0, tensor(feasibleTargets, dtype: ScalarType.Int64, device: targets.device));
                targetLengths = targetLengths.index_select(0, rows.to(targetLengths.device));
            }
            double loss = CtcObjective.Loss(scored, outLengths, targets, targetLengths, CtcPerClipSum).item<float>();
            if (!double.IsFinite(loss))
                throw new NonFiniteLossException(0, step, "validation loss", loss, feasible.Select(b => batch.Ids[(int)b]).ToArray());
            totals.LossSum += loss * feasible.Length;
            totals.LossClips += feasible.Length;
        }
        var lp = CheckpointModel.ToBatch(logProbs, output.Lengths);
        return GreedyDecoder.PathBatch(lp.Values, lp.Lengths, lp.MaxFrames, lp.Classes);
    }

    /// <summary>The clips of the batch whose output is long enough for CTC to align their label, and the positions of their
    /// targets in the batch's concatenated targets.</summary>
    static (long[] Clips, long[] Targets) Feasible(Tensor outputLengths, ClipBatch batch)
    {
        long[] outLen = outputLengths.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        long[] tgtLen = batch.TargetLengths.cpu().data<long>().ToArray();
        long[] targets = batch.Targets.cpu().data<long>().ToArray();
        var clips = new List<long>(batch.Count);
        var positions = new List<long>(targets.Length);
        for (int b = 0, start = 0; b < batch.Count; start += (int)tgtLen[b], b++)
        {
            int[] target = [.. targets.AsSpan(start, (int)tgtLen[b]).ToArray().Select(x => (int)x)];
            if (outLen[b] < CtcObjective.RequiredFrames(target)) continue;
            clips.Add(b);
            for (int i = 0; i < target.Length; i++) positions.Add(start + i);
        }
        return ([.. clips], [.. positions]);
    }

    sealed class Totals
    {
        public int LossClips;
        public double LossSum;
        public long Frames, BlankFrames;
        public int HypothesisWords, Empty, Errors, ReferenceWords;

        public void Add(GreedyPath path, int words)
        {
            Frames += path.Frames;
            BlankFrames += path.BlankFrames;
            HypothesisWords += words;
            if (words == 0) Empty++;
        }
    }
}
