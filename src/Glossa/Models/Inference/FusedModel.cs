using Glossa.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>
/// The eval-only form of a <see cref="CslrModel"/>: the per-frame backbone rebuilt with every
/// BatchNorm folded into the convolution before it and activations applied in place
/// (<see cref="FusedConv"/>), run channels-last (oneDNN's NHWC kernels) in fp32 or bf16, without
/// autograd state (inference mode); the frame input buffer is reused while the clip shape stays
/// the same (chunks of one video). The temporal layers and classifier are the source model's own,
/// in fp32. Backbones it cannot rebuild (I3D) run as they are, under inference mode, in fp32.
/// Not thread-safe (the input buffer); the source model must stay alive and in eval mode.
/// </summary>
public sealed class FusedModel : IDisposable
{
    readonly FusedSequence? fused;
    readonly ScalarType dtype;
    Tensor? inputBuffer;

    /// <summary>The model the weights come from (its head runs as is).</summary>
    public CslrModel Model { get; }

    /// <summary>Arithmetic of the backbone.</summary>
    public InferencePrecision Precision { get; }

    /// <summary>BatchNorms folded into convolutions (0 when the backbone runs unfused).</summary>
    public int FoldedBatchNorms { get; }

    /// <summary>True when the backbone runs rebuilt (folded, channels-last); false when the original runs.</summary>
    public bool Fused => fused is not null;

    FusedModel(CslrModel model, FusedSequence? fused, InferencePrecision precision, int folded)
    {
        Model = model;
        this.fused = fused;
        Precision = precision;
        FoldedBatchNorms = folded;
        dtype = precision == InferencePrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
    }

    /// <summary>
    /// Builds the inference form of <paramref name="model"/> (put in eval mode here). bf16 is refused
    /// with one line where it cannot run (<see cref="PrecisionSupport.Refusal"/>) or when the backbone
    /// cannot be rebuilt; <paramref name="cpuFlags"/> replaces the /proc/cpuinfo probe.
    /// </summary>
    public static FusedModel Create(CslrModel model, InferencePrecision precision = InferencePrecision.Fp32, Func<IReadOnlySet<string>>? cpuFlags = null)
    {
        model.eval();
        var device = model.parameters().First().device;
        PrecisionSupport.Require(precision, device, cpuFlags);
        var dtype = precision == InferencePrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var fused = BackboneFuser.Fuse(model.Backbone, dtype, channelsLast: true, out int folded);
        if (fused is null && precision == InferencePrecision.Bf16)
            throw new GlossaException($"--precision bf16 supports per-frame MobileNetV3 and tiny backbones; model '{model.Config.Name}' ({model.Config.Backbone}) runs in fp32 only");
        return new FusedModel(model, fused, precision, folded);
    }

    /// <summary>frames (B, T, 3, H, W) float32, lengths (B) -> logits (B, T', C) and output lengths, as <see cref="CslrModel.forward"/> in eval mode.</summary>
    public CslrOutput Forward(Tensor frames, Tensor lengths)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var (features, featureLengths) = BackboneFeatures(frames, lengths);
        var output = Model.Head(features, featureLengths);
        return new CslrOutput(output.Logits.MoveToOuterDisposeScope(), output.Lengths.MoveToOuterDisposeScope());
    }

    /// <summary>The temporal layers and classifier on fp32 features (B, T_f, D), as <see cref="CslrModel.Head"/>.</summary>
    public CslrOutput Head(Tensor features, Tensor lengths)
    {
        using var mode = inference_mode();
        return Model.Head(features, lengths);
    }

    /// <summary>Backbone features (B, T_f, D) in fp32 and their lengths, as <see cref="CslrModel.BackboneFeatures"/>; padded frames get zero features.</summary>
    public (Tensor Features, Tensor Lengths) BackboneFeatures(Tensor frames, Tensor lengths)
    {
        using var mode = inference_mode();
        if (fused is null)
            return Model.BackboneFeatures(frames, lengths);
        if (frames.dim() != 5 || frames.shape[2] != 3 || lengths.dim() != 1 || lengths.shape[0] != frames.shape[0])
            throw new GlossaException($"model '{Model.Config.Name}': frames must be (B, T, 3, H, W) with lengths (B), got ({string.Join(", ", frames.shape)}) and ({string.Join(", ", lengths.shape)})");
        long b = frames.shape[0], t = frames.shape[1];
        long[] lens = lengths.cpu().to_type(int64).data<long>().ToArray();
        if (lens.Any(l => l < 1 || l > t))
            throw new GlossaException($"model '{Model.Config.Name}': clip lengths must be within 1..{t} (the padded frame count), got {string.Join(", ", lens)}");
        using var scope = NewDisposeScope();
        var flat = frames.reshape(b * t, 3, frames.shape[3], frames.shape[4]);        // (B,T,3,H,W) -> (B*T,3,H,W)
        Tensor features;
        if (lens.All(l => l == t))
        {
            features = Frames(flat).reshape(b, t, -1);                                // (B*T,D) -> (B,T,D)
        }
        else
        {
            var valid = ValidFrameIndices(lens, t, frames.device);
            var computed = Frames(flat.index_select(0, valid));                       // (N_valid,D)
            features = zeros(b * t, computed.shape[1], device: computed.device)
                .index_copy_(0, valid, computed).reshape(b, t, -1);                   // (B*T,D) -> (B,T,D)
        }
        var outLengths = tensor(lens, dtype: int64).to(lengths.device);
        return (features.MoveToOuterDisposeScope(), outLengths.MoveToOuterDisposeScope());
    }

    /// <summary>(N, 3, H, W) fp32 -> (N, D) fp32 through the fused backbone.</summary>
    Tensor Frames(Tensor flat)
    {
        var input = InputBuffer(flat.shape, flat.device);
        input.copy_(flat);                                                            // one pass: layout (and dtype) change
        var map = fused!.call(input);                                                 // (N,C,h,w), channels-last
        return map.to_type(ScalarType.Float32).mean([2, 3]);                          // (N,C,h,w) -> (N,C), averaged in fp32
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

    static Tensor ValidFrameIndices(long[] lens, long t, Device device)
    {
        var idx = new List<long>();
        for (int i = 0; i < lens.Length; i++)
            for (long j = 0; j < lens[i]; j++)
                idx.Add(i * t + j);
        return tensor(idx.ToArray(), dtype: int64).to(device);
    }

    /// <summary>Releases the fused weights and the input buffer (not the source model).</summary>
    public void Dispose()
    {
        fused?.Dispose();
        inputBuffer?.Dispose();
        inputBuffer = null;
    }
}
