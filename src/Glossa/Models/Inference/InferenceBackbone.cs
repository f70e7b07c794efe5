using Glossa.Common;
using Glossa.Models.Backbones;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>
/// The eval-only form of a per-frame <see cref="Backbone"/>: rebuilt with every BatchNorm folded
/// into the convolution before it and activations applied in place (<see cref="FusedConv"/>), run
/// channels-last (oneDNN's NHWC kernels) in fp32 or bf16, in inference mode. The input buffer is
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

    /// <summary>True when the backbone runs rebuilt (folded, channels-last); false when the original runs.</summary>
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
        var fused = BackboneFuser.Fuse(backbone, dtype, channelsLast: true, out int folded);
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
        var map = fused.call(input);                                                  // (N,C,h,w), channels-last
        return map.to_type(ScalarType.Float32).mean([2, 3]).MoveToOuterDisposeScope(); // (N,C,h,w) -> (N,C), averaged in fp32
    }

    /// <summary>A channels-last (N, 3, H, W) tensor in the backbone's dtype, kept while the shape repeats.</summary>
    Tensor InputBuffer(long[] shape, Device device)
    {
        if (inputBuffer is not null && inputBuffer.shape.SequenceEqual(shape) && inputBuffer.device.type == device.type && inputBuffer.device.index == device.index)
            return inputBuffer;
        inputBuffer?.Dispose();
        using var storage = empty([shape[0], shape[2], shape[3], shape[1]], dtype: dtype, device: device); // (N,H,W,3)
        inputBuffer = storage.permute(0, 3, 1, 2);                                    // NCHW view of NHWC storage
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
