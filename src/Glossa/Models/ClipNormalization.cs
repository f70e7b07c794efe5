using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// The per-clip input normalisation of <see cref="ModelConfig.InputNorm"/> = <c>clip</c>: each
/// clip's mean frame over its valid frames is subtracted from every frame, and each colour
/// channel is then divided by its standard deviation over the clip. What does not move (the
/// background, the body, the face, the clothes) becomes zero, and a signer's lighting and colours
/// are scaled away, so the backbone sees the moving hands and arms: what tells glosses apart,
/// and what changes least from one signer to the next. Padded frames stay zero.
/// </summary>
public static class ClipNormalization
{
    /// <summary>Added to the variance so a clip without any motion gives zeros, not NaN.</summary>
    public const double Epsilon = 1e-4;

    // Held for the process's life: a Scalar converted implicitly for one call (x.square() is
    // x.pow(2), x + 1e-4 is x.add(Scalar)) can be finalised by the GC while libtorch still reads it,
    // which crashed a training run once with "INTERNAL ASSERT FAILED at c10/core/Scalar.h" in
    // pow_Tensor_Scalar (TorchSharp 0.107 does not keep those temporaries alive).
    static readonly Scalar EpsilonScalar = Epsilon.ToScalar();

    /// <summary>frames (B, T, C, H, W), valid lengths per clip -> the normalised frames, same shape.</summary>
    public static Tensor Apply(Tensor frames, long[] lengths)
    {
        long b = frames.shape[0], t = frames.shape[1];
        using var scope = NewDisposeScope();
        var lens = tensor(lengths, dtype: frames.dtype, device: frames.device).reshape(b, 1, 1, 1, 1);           // (B) -> (B,1,1,1,1)
        var mask = ValidFrames(lengths, t, frames).reshape(b, t, 1, 1, 1);                                       // (B,T) -> (B,T,1,1,1)
        var mean = (frames * mask).sum(1, keepdim: true) / lens;                                                  // (B,T,C,H,W) -> (B,1,C,H,W)
        var centred = (frames - mean) * mask;                                                                     // (B,T,C,H,W)
        long pixels = frames.shape[3] * frames.shape[4];
        var values = tensor(lengths.Select(l => (double)(l * pixels)).ToArray(), dtype: frames.dtype, device: frames.device).reshape(b, 1, 1, 1, 1);
        var variance = (centred * centred).sum([1, 3, 4], keepdim: true) / values;                               // (B,T,C,H,W) -> (B,1,C,1,1)
        return (centred / variance.add(EpsilonScalar).sqrt()).MoveToOuterDisposeScope();                          // (B,T,C,H,W)
    }

    /// <summary>(B, T) mask in <paramref name="like"/>'s dtype and device: 1 for the first lengths[i] frames of clip i, 0 for its padding.</summary>
    internal static Tensor ValidFrames(long[] lengths, long t, Tensor like) =>
        (arange(t, device: like.device).unsqueeze(0) < tensor(lengths, device: like.device).unsqueeze(1)).to(like.dtype);
}
