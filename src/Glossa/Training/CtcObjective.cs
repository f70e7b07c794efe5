using Glossa.Corpora;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// The CTC loss of a batch, as PyTorch's <c>nn.CTCLoss</c> defines it by default (<see cref="Mean"/>):
/// each clip's negative log-likelihood divided by its target length, then the mean over the batch;
/// or, with <see cref="Sum"/>, each clip's negative log-likelihood as it is, then the mean over the
/// batch (VAC's and CorrNet's <c>CTCLoss(reduction='none')</c> followed by <c>.mean()</c>, which their
/// alignment weight 25 is balanced against).
/// <c>zero_infinity</c> stays false on purpose: clips too short for their targets are removed
/// before training, so an infinite loss is a real fault that must stop the run, not be zeroed.
/// </summary>
public sealed class CtcObjective
{
    /// <summary>Label smoothing e: frame posteriors p become (1-e)p + e/C before the loss.</summary>
    public double LabelSmoothing { get; }

    /// <summary><c>--ctc-reduction</c> value: each clip's loss divided by its target length, then the batch mean (PyTorch's default).</summary>
    public const string Mean = "mean";
    /// <summary><c>--ctc-reduction</c> value: each clip's loss summed over its target, then the batch mean (VAC, CorrNet).</summary>
    public const string Sum = "sum";

    /// <summary>True when each clip's loss is not divided by its target length (<see cref="Sum"/>).</summary>
    public bool PerClipSum { get; }

    public CtcObjective(double labelSmoothing = 0, string reduction = Mean)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1)");
        if (reduction is not (Mean or Sum))
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "reduction must be mean or sum");
        LabelSmoothing = labelSmoothing;
        PerClipSum = reduction == Sum;
    }

    /// <summary>The CTC loss of a batch with this objective's reduction (<see cref="Loss"/>).</summary>
    public Tensor BatchLoss(Tensor logProbs, Tensor outputLengths, Tensor targets, Tensor targetLengths) =>
        Loss(logProbs, outputLengths, targets, targetLengths, PerClipSum);

    /// <summary>Log-probabilities (B,T',C) of the logits, smoothed when <paramref name="smooth"/> and smoothing is on.</summary>
    public Tensor LogProbs(Tensor logits, bool smooth)
    {
        var logp = nn.functional.log_softmax(logits, dim: -1); // (B,T',C)
        if (!smooth || LabelSmoothing == 0)
            return logp;
        long classes = logits.shape[^1];
        // log((1-e) p + e/C) = logaddexp(log(1-e) + log p, log(e/C)): stays finite where p underflows.
        double uniform = Math.Log(LabelSmoothing / classes);
        return logaddexp(logp + Math.Log(1 - LabelSmoothing), full_like(logp, uniform));
    }

    /// <summary>
    /// Mean CTC loss of a batch: of each clip's loss divided by its target length, or with
    /// <paramref name="perClipSum"/> of each clip's loss as it is.
    /// </summary>
    /// <param name="logProbs">(B,T',C) log-probabilities from <see cref="LogProbs"/>.</param>
    /// <param name="outputLengths">(B) int64 valid output frames.</param>
    /// <param name="targets">(sum of target lengths) int64 concatenated class indices.</param>
    /// <param name="targetLengths">(B) int64.</param>
    /// <param name="perClipSum">Leave each clip's loss undivided by its target length (VAC's and CorrNet's reduction).</param>
    public static Tensor Loss(Tensor logProbs, Tensor outputLengths, Tensor targets, Tensor targetLengths, bool perClipSum = false)
    {
        var timeMajor = logProbs.transpose(0, 1); // (B,T',C) -> (T',B,C), what ctc_loss expects
        if (perClipSum)
        {
            using var scope = NewDisposeScope();
            return nn.functional.ctc_loss(timeMajor, targets, outputLengths, targetLengths, blank: Vocabulary.Blank,
                zero_infinity: false, reduction: nn.Reduction.None)           // (B) each clip's negative log-likelihood
                .mean().MoveToOuterDisposeScope();                            // () the batch mean
        }
        return nn.functional.ctc_loss(
            log_probs: timeMajor,
            targets: targets,
            input_lengths: outputLengths,
            target_lengths: targetLengths,
            blank: Vocabulary.Blank,
            zero_infinity: false,
            reduction: nn.Reduction.Mean);
    }

    /// <summary>
    /// The fewest output frames CTC needs for a target: its length plus one blank between each
    /// pair of identical neighbours (CTC cannot emit a repeat without a blank in between).
    /// </summary>
    public static int RequiredFrames(IReadOnlyList<int> target) => Corpora.CorpusChecker.MinimumOutputLength(target);
}
