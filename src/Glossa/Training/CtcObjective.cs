using Glossa.Corpora;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// The CTC loss of a batch, as PyTorch's <c>nn.CTCLoss</c> defines it by default: each clip's
/// negative log-likelihood divided by its target length, then the mean over the batch.
/// <c>zero_infinity</c> stays false on purpose: clips too short for their targets are removed
/// before training, so an infinite loss is a real fault that must stop the run, not be zeroed.
/// </summary>
public sealed class CtcObjective
{
    /// <summary>Label smoothing e: frame posteriors p become (1-e)p + e/C before the loss.</summary>
    public double LabelSmoothing { get; }

    public CtcObjective(double labelSmoothing = 0)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1)");
        LabelSmoothing = labelSmoothing;
    }

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
    /// Mean CTC loss of a batch.
    /// </summary>
    /// <param name="logProbs">(B,T',C) log-probabilities from <see cref="LogProbs"/>.</param>
    /// <param name="outputLengths">(B) int64 valid output frames.</param>
    /// <param name="targets">(sum of target lengths) int64 concatenated class indices.</param>
    /// <param name="targetLengths">(B) int64.</param>
    public static Tensor Loss(Tensor logProbs, Tensor outputLengths, Tensor targets, Tensor targetLengths)
    {
        var timeMajor = logProbs.transpose(0, 1); // (B,T',C) -> (T',B,C), what ctc_loss expects
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
