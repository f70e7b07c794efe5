using Glossa.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>
/// The eval-only form of a <see cref="CslrModel"/>: its per-frame backbone as an
/// <see cref="InferenceBackbone"/> (BatchNorm folded, NCHW, fp32 or bf16, inference mode),
/// then the model's own temporal layers and classifier in fp32. Not thread-safe; the source model
/// must stay alive and in eval mode.
/// </summary>
public sealed class FusedModel : IDisposable
{
    readonly InferenceBackbone backbone;

    /// <summary>The model the weights come from (its head runs as is).</summary>
    public CslrModel Model { get; }

    /// <summary>The backbone's inference form.</summary>
    public InferenceBackbone Backbone => backbone;

    /// <summary>Arithmetic of the backbone.</summary>
    public InferencePrecision Precision => backbone.Precision;

    /// <summary>BatchNorms folded into convolutions (0 when the backbone runs unfused).</summary>
    public int FoldedBatchNorms => backbone.FoldedBatchNorms;

    /// <summary>True when the backbone runs rebuilt (folded, NCHW); false when the original runs.</summary>
    public bool Fused => backbone.Fused;

    FusedModel(CslrModel model, InferenceBackbone backbone)
    {
        Model = model;
        this.backbone = backbone;
    }

    /// <summary>
    /// Builds the inference form of <paramref name="model"/> (put in eval mode here); bf16 is refused
    /// with one line where it cannot run (see <see cref="InferenceBackbone.Create"/>).
    /// </summary>
    public static FusedModel Create(CslrModel model, InferencePrecision precision = InferencePrecision.Fp32, Func<IReadOnlySet<string>>? cpuFlags = null)
    {
        model.eval();
        return new FusedModel(model, InferenceBackbone.Create(model.Backbone, precision, cpuFlags));
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
        if (!backbone.Fused)
            return Model.BackboneFeatures(frames, lengths);
        if (frames.dim() != 5 || frames.shape[2] != 3 || lengths.dim() != 1 || lengths.shape[0] != frames.shape[0])
            throw new GlossaException($"model '{Model.Config.Name}': frames must be (B, T, 3, H, W) with lengths (B), got ({string.Join(", ", frames.shape)}) and ({string.Join(", ", lengths.shape)})");
        long b = frames.shape[0], t = frames.shape[1];
        long[] lens = lengths.cpu().to_type(int64).data<long>().ToArray();
        if (lens.Any(l => l < 1 || l > t))
            throw new GlossaException($"model '{Model.Config.Name}': clip lengths must be within 1..{t} (the padded frame count), got {string.Join(", ", lens)}");
        using var scope = NewDisposeScope();
        if (Model.Config.InputNorm == ModelConfig.InputNormClip)
            frames = ClipNormalization.Apply(frames, lens);                          // (B,T,3,H,W)
        var flat = frames.reshape(b * t, 3, frames.shape[3], frames.shape[4]);        // (B,T,3,H,W) -> (B*T,3,H,W)
        Tensor features;
        if (lens.All(l => l == t))
        {
            features = Frames(flat).reshape(b, t, -1);                                // (B*T,D) -> (B,T,D)
        }
        else
        {
            var valid = CslrModel.ValidFrameIndices(lens, t, frames.device);
            var computed = Frames(flat.index_select(0, valid));                       // (N_valid,D)
            features = zeros(b * t, computed.shape[1], device: computed.device)
                .index_copy_(0, valid, computed).reshape(b, t, -1);                   // (B*T,D) -> (B,T,D)
        }
        var outLengths = tensor(lens, dtype: int64).to(lengths.device);
        return (features.MoveToOuterDisposeScope(), outLengths.MoveToOuterDisposeScope());
    }

    Tensor Frames(Tensor flat) => backbone.Forward(flat);                            // (N,3,H,W) -> (N,D) fp32

    /// <summary>Releases the fused weights and the input buffer (not the source model).</summary>
    public void Dispose() => backbone.Dispose();
}
