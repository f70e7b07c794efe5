using static TorchSharp.torch;

namespace Glossa.Training.Distillation;

/// <summary>
/// Puts the teacher's frame posteriors on the student's time axis when the two downsample time
/// differently (e.g. I3D stride 4 with padding vs a stride-4 temporal conv without). Each clip's
/// valid teacher frames [0, Lt) are stretched linearly onto its valid student frames [0, Ls):
/// frame centres are matched (student frame s sits at teacher position (s + 0.5) Lt / Ls - 0.5,
/// the half-pixel convention of <c>interpolate(align_corners=false)</c>), and the two neighbouring
/// teacher distributions are mixed with linear weights, then renormalised. Mixing probabilities
/// (not logits) keeps the result a mixture of what the teacher said at neighbouring times; a
/// constant posterior stays constant, and equal lengths give the input back unchanged.
/// </summary>
public static class PosteriorResampler
{
    /// <summary>
    /// Resamples probabilities.
    /// </summary>
    /// <param name="probs">(B,Tt,C) the teacher's distributions (each row sums to 1 on valid frames).</param>
    /// <param name="teacherLengths">Valid teacher frames per clip (B).</param>
    /// <param name="studentLengths">Valid student frames per clip (B).</param>
    /// <param name="studentFrames">T' of the student's padded output; frames past a clip's length repeat its last valid frame.</param>
    /// <returns>(B,T',C) distributions on the student's time axis.</returns>
    public static Tensor Resample(Tensor probs, long[] teacherLengths, long[] studentLengths, long studentFrames)
    {
        long batch = probs.shape[0], tt = probs.shape[1], classes = probs.shape[2];
        if (teacherLengths.Length != batch || studentLengths.Length != batch)
            throw new ArgumentException($"lengths for {teacherLengths.Length}/{studentLengths.Length} clips, posteriors for {batch}");
        if (teacherLengths.SequenceEqual(studentLengths) && tt == studentFrames)
            return probs.alias(); // same time axis: nothing to do (and no rounding)

        var lower = new long[batch * studentFrames];
        var upper = new long[batch * studentFrames];
        var weight = new float[batch * studentFrames];
        for (int b = 0; b < batch; b++)
        {
            long lt = teacherLengths[b], ls = studentLengths[b];
            if (lt < 1 || lt > tt) throw new ArgumentException($"clip {b}: teacher length {lt} outside 1..{tt}");
            if (ls < 1 || ls > studentFrames) throw new ArgumentException($"clip {b}: student length {ls} outside 1..{studentFrames}");
            for (long s = 0; s < studentFrames; s++)
            {
                long i = b * studentFrames + s;
                double pos = Math.Clamp((Math.Min(s, ls - 1) + 0.5) * lt / ls - 0.5, 0, lt - 1);
                long i0 = (long)Math.Floor(pos);
                long i1 = Math.Min(i0 + 1, lt - 1);
                lower[i] = b * tt + i0;
                upper[i] = b * tt + i1;
                weight[i] = (float)(pos - i0);
            }
        }
        using var scope = NewDisposeScope();
        var device = probs.device;
        var flat = probs.reshape(batch * tt, classes);                                            // (B,Tt,C) -> (B*Tt,C)
        var w = tensor(weight, device: device).to_type(probs.dtype).unsqueeze(1);               // (B*T',1)
        var mixed = flat.index_select(0, tensor(lower, device: device)) * (1 - w)
                  + flat.index_select(0, tensor(upper, device: device)) * w;                    // (B*T',C)
        mixed = mixed / mixed.sum(-1, keepdim: true).clamp_min(1e-30);
        return mixed.reshape(batch, studentFrames, classes).MoveToOuterDisposeScope();          // (B*T',C) -> (B,T',C)
    }
}
