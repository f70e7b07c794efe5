using Glossa.Common;
using Glossa.Models.Backbones;
using Glossa.Models.Temporal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// A continuous sign language recogniser: backbone -> [projection] -> [temporal conv] -> BiLSTM ->
/// linear CTC classifier. State-dict keys: <c>backbone.*</c> (the torchvision / pytorch-i3d names),
/// <c>projection.*</c>, <c>temporal_conv.blocks.*</c>, <c>lstm.*_l{k}[_reverse]</c>, <c>classifier.*</c>
/// and, with a linear conv head, <c>conv_classifier.*</c> (VAC's second classifier on the features
/// the BiLSTM reads; with a shared head the one weight-normalised <c>classifier.weight</c> serves both).
/// Per-frame backbones run only on the valid (unpadded) frames of a batch, so BatchNorm statistics
/// and compute ignore padding; padded positions get zero features, which the length formula keeps
/// out of every valid output frame (the temporal conv has no padding of its own; with
/// <see cref="ModelConfig.EdgePad"/> each clip's own first and last frames are repeated before it).
/// </summary>
public sealed class CslrModel : nn.Module<Tensor, Tensor, CslrOutput>
{
    readonly Backbone backbone;
    readonly Linear? projection;
    readonly TemporalConv? temporal_conv;
    readonly LSTM? lstm;
    readonly Dropout dropout;
    readonly nn.Module<Tensor, Tensor> classifier;
    readonly Linear? conv_classifier;
    readonly TemporalConvSpec spec;

    /// <summary>The configuration this model was built from (stored in checkpoints).</summary>
    public ModelConfig Config { get; }

    /// <summary>The visual backbone (load ImageNet / Kinetics weights into it with <see cref="WeightIO"/>).</summary>
    public Backbone Backbone => backbone;

    /// <summary>Input frames per output frame: backbone stride x temporal-conv stride.</summary>
    public int TemporalStride => backbone.TemporalStride * spec.Stride;

    /// <summary>
    /// Feed per-frame backbones channels-last (NHWC-strided) frames: libtorch then runs every
    /// convolution, forward and backward, on oneDNN's NHWC kernels instead of reordering each layer.
    /// Same results up to float rounding. Starts as the backbone's <see cref="Backbone.PrefersChannelsLast"/>
    /// (the tiny CNNs: yes).
    /// </summary>
    public bool ChannelsLast { get; set; }

    /// <summary>Width of the backbone features (input of <see cref="Head"/>).</summary>
    public int FeatureDim => backbone.FeatureDim;

    public CslrModel(ModelConfig config) : base("CslrModel")
    {
        LibTorchDefaults.Apply();
        Config = config.Validate();
        spec = TemporalConvSpec.Parse(config.TemporalConv);
        backbone = config.Backbone switch
        {
            ModelConfig.MobileNetV3Large => new MobileNetV3(large: true, config.WidthMult),
            ModelConfig.MobileNetV3Small => new MobileNetV3(large: false, config.WidthMult),
            ModelConfig.I3d => new InceptionI3d(config.I3dTemporalStride, config.I3dFinalEndpoint),
            ModelConfig.ResNet18 => new ResNet18(config.WidthMult),
            ModelConfig.ResNet18CorrNet => new ResNet18(config.WidthMult, corrNet: true),
            ModelConfig.TinyCnnGrid => new TinyCnn(config.WidthMult, grid: 4),
            _ => new TinyCnn(config.WidthMult),
        };
        ChannelsLast = backbone.PrefersChannelsLast;
        int width = backbone.FeatureDim;
        if (config.Projection)
        {
            projection = nn.Linear(width, 2 * config.HiddenDim);
            width = 2 * config.HiddenDim;
        }
        if (spec.Steps.Count > 0)
        {
            temporal_conv = new TemporalConv(spec, width, config.ResolvedTemporalChannels);
            width = temporal_conv.OutputChannels;
        }
        int convWidth = width;
        config.RequireSharedWidths(convWidth);
        if (config.Layers > 0)
        {
            lstm = nn.LSTM(width, config.HiddenDim, numLayers: config.Layers, batchFirst: true,
                dropout: config.Layers > 1 ? config.Dropout : 0, bidirectional: true);
            width = 2 * config.HiddenDim;
        }
        dropout = nn.Dropout(config.Dropout);
        classifier = config.ConvHead == ModelConfig.ConvHeadShared
            ? new NormalizedLinear(width, config.NumClasses)
            : nn.Linear(width, config.NumClasses);
        if (config.ConvHead == ModelConfig.ConvHeadLinear)
            conv_classifier = nn.Linear(convWidth, config.NumClasses);
        RegisterComponents();
    }

    /// <summary>Output frames for a clip of <paramref name="inputFrames"/> frames (below 1 when the clip is too short).</summary>
    public long ComputeOutputLength(long inputFrames) => HeadOutputLength(backbone.OutputLength(inputFrames));

    /// <summary>Output frames of <see cref="Head"/> for <paramref name="featureFrames"/> backbone frames (the edge padding added before the temporal conv).</summary>
    public long HeadOutputLength(long featureFrames) => spec.OutputLength(featureFrames + 2L * EdgePad);

    /// <summary>Frames repeated at each end of a clip before the temporal conv (<see cref="ModelConfig.EdgePad"/>; 0 without a temporal conv).</summary>
    int EdgePad => temporal_conv is null ? 0 : Config.EdgePad;

    /// <summary>Output frames after the backbone only (the length of <see cref="BackboneFeatures"/>).</summary>
    public long ComputeFeatureLength(long inputFrames) => backbone.OutputLength(inputFrames);

    /// <summary>The shortest clip that yields at least <paramref name="outputFrames"/> output frames (CTC needs labels + repeats).</summary>
    public long MinimumInputFrames(long outputFrames)
    {
        long t = 1;
        while (ComputeOutputLength(t) < outputFrames)
            t++;
        return t;
    }

    /// <summary>frames (B, T, 3, H, W) float32, lengths (B) int64 -> logits (B, T', C) and output lengths (B).</summary>
    public override CslrOutput forward(Tensor frames, Tensor lengths)
    {
        using var scope = NewDisposeScope();
        var (features, featureLengths) = BackboneFeatures(frames, lengths);
        var output = Head(features, featureLengths);
        return new CslrOutput(output.Logits.MoveToOuterDisposeScope(), output.Lengths.MoveToOuterDisposeScope(),
            output.ConvLogits?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The backbone alone: frames (B, T, 3, H, W), lengths (B) -> features (B, T_f, D) and their
    /// lengths (B); T_f = T for per-frame backbones, <see cref="ComputeFeatureLength"/>(T) for I3D.
    /// </summary>
    public (Tensor Features, Tensor Lengths) BackboneFeatures(Tensor frames, Tensor lengths)
    {
        long[] lens = CheckInput(frames, lengths);
        long b = frames.shape[0], t = frames.shape[1];
        using var scope = NewDisposeScope();
        if (Config.InputNorm == ModelConfig.InputNormClip)
            frames = ClipNormalization.Apply(frames, lens);                                         // (B,T,3,H,W)
        Tensor features;
        if (backbone.PerFrame)
        {
            var flat = frames.reshape(b * t, frames.shape[2], frames.shape[3], frames.shape[4]); // (B,T,3,H,W) -> (B*T,3,H,W)
            if (lens.All(l => l == t))
            {
                features = backbone.call(Layout(flat)).reshape(b, t, -1);                          // (B*T,D) -> (B,T,D)
            }
            else
            {
                var valid = ValidFrameIndices(lens, t, frames.device);
                var computed = backbone.call(Layout(flat.index_select(0, valid)));                 // (N_valid,D)
                features = zeros(b * t, computed.shape[1], dtype: computed.dtype, device: computed.device)
                    .index_copy(0, valid, computed).reshape(b, t, -1);                              // (B*T,D) -> (B,T,D)
            }
        }
        else
        {
            var clip = frames.permute(0, 2, 1, 3, 4);                                               // (B,T,3,H,W) -> (B,3,T,H,W)
            features = backbone.call(clip).transpose(1, 2);                                         // (B,D,T') -> (B,T',D)
            lens = lens.Select(backbone.OutputLength).ToArray();
        }
        var outLengths = tensor(lens, dtype: int64).to(lengths.device);
        return (features.MoveToOuterDisposeScope(), outLengths.MoveToOuterDisposeScope());
    }

    /// <summary>The frames as the backbone takes them: channels-last when <see cref="ChannelsLast"/>, else as they are.</summary>
    Tensor Layout(Tensor flat) => ChannelsLast ? Inference.Layouts.ChannelsLast(flat) : flat;

    /// <summary>The temporal layers and classifier on backbone features (B, T_f, D) with lengths (B): pre-extracted features train through this.</summary>
    public CslrOutput Head(Tensor features, Tensor lengths)
    {
        if (features.dim() != 3 || features.shape[2] != backbone.FeatureDim)
            throw new GlossaException($"model '{Config.Name}': features must be (B, T, {backbone.FeatureDim}), got ({string.Join(", ", features.shape)})");
        using var scope = NewDisposeScope();
        long[] lens = lengths.cpu().data<long>().ToArray();
        long[] outLens = lens.Select(HeadOutputLength).ToArray();
        for (int i = 0; i < lens.Length; i++)
        {
            if (outLens[i] < 1)
                throw new GlossaException($"model '{Config.Name}': clip {i} of the batch is too short ({lens[i]} feature frames give {outLens[i]} output frames; at least {MinimumInputFrames(1)} input frames are needed)");
        }
        if (Config.FeatureNorm == ModelConfig.FeatureNormClip)
            features = FeatureNormalization.Apply(features, lens);         // (B,T,D)
        var x = dropout.call(features);
        if (projection is not null)
            x = projection.call(x);
        if (temporal_conv is not null)
        {
            if (EdgePad > 0)
                x = EdgePadded(x, lens, EdgePad);                           // (B,T,D) -> (B,T+2p,D)
            x = temporal_conv.call(x.transpose(1, 2)).transpose(1, 2);   // (B,T,D) -> (B,D,T) -> conv -> (B,T',D')
        }
        lens = outLens;
        long tOut = x.shape[1];
        Tensor? convLogits = Config.ConvHead switch
        {
            ModelConfig.ConvHeadLinear => conv_classifier!.call(x),          // (B,T',D') -> (B,T',C)
            ModelConfig.ConvHeadShared => classifier.call(x),                // (B,T',D') -> (B,T',C)
            _ => null,
        };
        if (lstm is not null)
        {
            x = RunLstm(x, lens, tOut);
            x = dropout.call(x);
        }
        var logits = classifier.call(x);                                    // (B,T',2H) -> (B,T',C)
        var outLengths = tensor(lens, dtype: int64).to(lengths.device);
        return new CslrOutput(logits.MoveToOuterDisposeScope(), outLengths.MoveToOuterDisposeScope(), convLogits?.MoveToOuterDisposeScope());
    }

    /// <summary>The BiLSTM over (B, T', D); padded frames are packed away so the backward direction starts at each clip's last valid frame.</summary>
    Tensor RunLstm(Tensor x, long[] lens, long tOut)
    {
        if (lens.All(l => l == tOut))
            return RecurrentKernel.Run(x.device, () => lstm!.call(x).Item1); // (B,T',D) -> (B,T',2H)
        using var cpuLengths = tensor(lens, dtype: int64);
        var packed = nn.utils.rnn.pack_padded_sequence(x, cpuLengths, batch_first: true, enforce_sorted: false);
        var (output, _, _) = RecurrentKernel.Run(x.device, () => lstm!.call(packed));
        var (padded, _) = nn.utils.rnn.pad_packed_sequence(output, batch_first: true, total_length: tOut); // -> (B,T',2H)
        return padded;
    }

    long[] CheckInput(Tensor frames, Tensor lengths)
    {
        if (frames.dim() != 5 || frames.shape[2] != 3)
            throw new GlossaException($"model '{Config.Name}': frames must be (B, T, 3, H, W), got ({string.Join(", ", frames.shape)})");
        if (lengths.dim() != 1 || lengths.shape[0] != frames.shape[0])
            throw new GlossaException($"model '{Config.Name}': lengths must be (B) = ({frames.shape[0]}), got ({string.Join(", ", lengths.shape)})");
        long[] lens = lengths.cpu().to_type(int64).data<long>().ToArray();
        for (int i = 0; i < lens.Length; i++)
        {
            if (lens[i] < 1 || lens[i] > frames.shape[1])
                throw new GlossaException($"model '{Config.Name}': clip {i} has length {lens[i]}, outside 1..{frames.shape[1]} (the padded frame count)");
        }
        return lens;
    }

    /// <summary>
    /// (B, T, D) -> (B, T + 2p, D): clip b's frame j moves to j + p, its first frame fills the p
    /// frames before it and its last valid frame (lens[b] - 1) every frame after it, so the padding
    /// of a batch never reaches a clip's valid output frames.
    /// </summary>
    static Tensor EdgePadded(Tensor x, long[] lens, int pad)
    {
        long b = x.shape[0], t = x.shape[1] + 2L * pad;
        var index = new long[b * t];
        for (int i = 0; i < b; i++)
            for (long j = 0; j < t; j++)
                index[i * t + j] = Math.Clamp(j - pad, 0, lens[i] - 1);
        using var idx = tensor(index, dtype: int64).reshape(b, t, 1).to(x.device);
        return x.gather(1, idx.expand(b, t, x.shape[2]));
    }

    /// <summary>Indices of the real (unpadded) frames in a (B*T) flattening of clips of lengths <paramref name="lens"/>.</summary>
    internal static Tensor ValidFrameIndices(long[] lens, long t, Device device)
    {
        var idx = new List<long>();
        for (int i = 0; i < lens.Length; i++)
            for (long j = 0; j < lens[i]; j++)
                idx.Add(i * t + j);
        return tensor(idx.ToArray(), dtype: int64).to(device);
    }
}
