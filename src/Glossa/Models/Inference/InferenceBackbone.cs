using Glossa.Common;
using Glossa.Models.Backbones;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>
/// The eval-only form of a per-frame <see cref="Backbone"/>: rebuilt with every BatchNorm folded
/// into the convolution before it and activations applied in place (<see cref="FusedConv"/>), run
/// in NCHW (see Create for why not channels-last) in fp32 or bf16, in inference mode. The input buffer is
/// reused while the frame count stays the same (chunks of one video). Backbones it cannot rebuild
/// (I3D) run as they are, in fp32. Not thread-safe; the source backbone must stay alive.
/// </summary>
public sealed class InferenceBackbone : IDisposable
{
    readonly FusedSequence? fused;
    readonly ScalarType dtype;
    Tensor? inputBuffer;

    /// <summary>The backbone the weights come from.</summary>
    public Backbone Source { get; }

    /// <summary>Arithmetic of the convolutions.</summary>
    public InferencePrecision Precision { get; }

    /// <summary>BatchNorms folded into convolutions (0 when the backbone runs unfused).</summary>
    public int FoldedBatchNorms { get; }

    /// <summary>True when the backbone runs rebuilt (folded); false when the original runs.</summary>
    public bool Fused => fused is not null;

    InferenceBackbone(Backbone source, FusedSequence? fused, InferencePrecision precision, int folded)
    {
        Source = source;
        this.fused = fused;
        Precision = precision;
        FoldedBatchNorms = folded;
        dtype = precision == InferencePrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
    }

    /// <summary>
    /// Builds the inference form of <paramref name="backbone"/> (put in eval mode here). bf16 is
    /// refused with one line where it cannot run (<see cref="PrecisionSupport.Refusal"/>) or when the
    /// backbone cannot be rebuilt; <paramref name="cpuFlags"/> replaces the /proc/cpuinfo probe.
    /// </summary>
    public static InferenceBackbone Create(Backbone backbone, InferencePrecision precision = InferencePrecision.Fp32, Func<IReadOnlySet<string>>? cpuFlags = null)
    {
        backbone.eval();
        var device = backbone.parameters().First().device;
        PrecisionSupport.Require(precision, device, cpuFlags);
        var dtype = precision == InferencePrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        // NCHW, not channels-last: libtorch 2.10's oneDNN computes some 1x1 convolutions on channels-last input wrongly on
        // AVX-512 CPUs (MobileNetV3-Small's 16->72 expansion at 16x16 and 96->40 projection at 4x4 were off by up to 34 on a
        // trained checkpoint, while NCHW agrees with the eval model to 4e-6; FusedModelTests guards it with trained statistics).
        var fused = BackboneFuser.Fuse(backbone, dtype, channelsLast: false, out int folded);
        if (fused is null && precision == InferencePrecision.Bf16)
            throw new GlossaException($"--precision bf16 supports the per-frame MobileNetV3 and tiny backbones; the {backbone.GetName()} backbone runs in fp32 only (use --precision fp32)");
        return new InferenceBackbone(backbone, fused, precision, folded);
    }

    /// <summary>As <see cref="Backbone"/>'s forward, in fp32: per-frame (N, 3, H, W) -> (N, D); clip backbones (B, 3, T, H, W) -> (B, D, T').</summary>
    public Tensor Forward(Tensor x)
    {
        using var mode = inference_mode();
        if (fused is null)
            return Source.call(x);
        using var scope = NewDisposeScope();
        var input = InputBuffer(x.shape, x.device);
        input.copy_(x);                                                               // one pass: layout (and dtype) change
        var map = fused.call(input);                                                  // (N,C,h,w)
        return map.to_type(ScalarType.Float32).mean([2, 3]).MoveToOuterDisposeScope(); // (N,C,h,w) -> (N,C), averaged in fp32
    }

    /// <summary>An (N, 3, H, W) tensor in the backbone's dtype, kept while the shape repeats.</summary>
    Tensor InputBuffer(long[] shape, Device device)
    {
        if (inputBuffer is not null && inputBuffer.shape.SequenceEqual(shape) && inputBuffer.device.type == device.type && inputBuffer.device.index == device.index)
            return inputBuffer;
        inputBuffer?.Dispose();
        inputBuffer = empty(shape, dtype: dtype, device: device);                     // (N,3,H,W)
        inputBuffer.DetachFromDisposeScope();
        return inputBuffer;
    }

    /// <summary>Releases the fused weights and the input buffer (not the source backbone).</summary>
    public void Dispose()
    {
        fused?.Dispose();
        inputBuffer?.Dispose();
        inputBuffer = null;
    }
}
