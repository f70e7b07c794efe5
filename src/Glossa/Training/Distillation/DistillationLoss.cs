using static TorchSharp.torch;

namespace Glossa.Training.Distillation;

/// <summary>
/// Hinton's distillation term for frame posteriors: <c>T^2 x KL(p_T || q_T)</c> per valid output
/// frame, averaged over the valid frames of the batch (padding masked by the lengths), where
/// <c>p_T</c> is the teacher's softmax at temperature T and <c>q_T</c> the student's. The T^2
/// keeps the gradient's scale independent of T. In the non-blank variant (as peers' sequence
/// distillation) both distributions are renormalised over classes 1..C-1, so the blank, which
/// dominates CTC posteriors, does not drown the teacher's ranking of the glosses.
/// </summary>
public static class DistillationLoss
{
    /// <summary>
    /// The teacher's target distribution at temperature <paramref name="temperature"/> from its
    /// log-posteriors: softmax(log p / T), identical to softmax(logits / T).
    /// </summary>
    /// <param name="teacherLogProbs">(B,T',C) teacher log-probabilities (or logits).</param>
    /// <param name="temperature">T &gt; 0; larger T softens the distribution.</param>
    public static Tensor SoftTargets(Tensor teacherLogProbs, double temperature) =>
        nn.functional.softmax(teacherLogProbs / temperature, dim: -1); // (B,T',C)

    /// <summary>
    /// The distillation term of a batch.
    /// </summary>
    /// <param name="studentLogits">(B,T',C) the student's logits (gradients flow through these).</param>
    /// <param name="teacherProbs">(B,T',C) the teacher's distribution at temperature T over all C classes, on the student's time axis (see <see cref="PosteriorResampler"/>).</param>
    /// <param name="lengths">(B) int64 valid output frames of each clip; frames at and after it are ignored.</param>
    /// <param name="temperature">T; the result is multiplied by T^2.</param>
    /// <param name="nonBlankOnly">Renormalise both distributions over classes 1..C-1 (blank = 0).</param>
    /// <returns>A scalar: mean over valid frames of T^2 x sum_c p_c (log p_c - log q_c); 0 when there is no valid frame.</returns>
    public static Tensor Compute(Tensor studentLogits, Tensor teacherProbs, Tensor lengths, double temperature, bool nonBlankOnly)
    {
        if (!studentLogits.shape.SequenceEqual(teacherProbs.shape))
            throw new ArgumentException($"student logits ({string.Join(",", studentLogits.shape)}) and teacher posteriors ({string.Join(",", teacherProbs.shape)}) differ in shape; resample the teacher first");
        using var scope = NewDisposeScope();
        var logits = studentLogits;
        var target = teacherProbs.detach();
        if (nonBlankOnly)
        {
            long classes = logits.shape[2];
            logits = logits.narrow(2, 1, classes - 1);                          // (B,T',C) -> (B,T',C-1)
            target = target.narrow(2, 1, classes - 1);                          // (B,T',C) -> (B,T',C-1)
            target = target / target.sum(-1, keepdim: true).clamp_min(1e-30);   // renormalise over the glosses
        }
        var logQ = nn.functional.log_softmax(logits / temperature, dim: -1);   // (B,T',C)
        // kl_div(input = log q, target = p) is p (log p - log q) elementwise, 0 where p = 0.
        var perFrame = nn.functional.kl_div(input: logQ, target: target, log_target: false, reduction: nn.Reduction.None)
            .sum(-1);                                                           // (B,T',C) -> (B,T')
        var mask = ValidMask(lengths, logits.shape[1], logits.device, perFrame.dtype); // (B,T')
        var frames = mask.sum().clamp_min(1);
        var loss = (perFrame * mask).sum() / frames * (temperature * temperature);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>(B,T') float mask: 1 on frames t &lt; lengths[b].</summary>
    public static Tensor ValidMask(Tensor lengths, long frames, Device device, ScalarType dtype = ScalarType.Float32)
    {
        var steps = arange(frames, dtype: ScalarType.Int64, device: device).unsqueeze(0); // (1,T')
        return steps.lt(lengths.to(device).to_type(ScalarType.Int64).unsqueeze(1)).to_type(dtype); // (B,T')
    }
}
