using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Glossa.Common;

namespace Glossa.Models;

/// <summary>
/// Everything that rebuilds a recogniser: checkpoints carry it as JSON, and
/// <see cref="ModelFactory.Create(ModelConfig)"/> turns it back into a <see cref="CslrModel"/>.
/// The data flow is backbone -> [projection] -> [temporal conv] -> BiLSTM -> linear classifier.
/// Start from <see cref="ModelFactory.Named"/> and change fields with <c>with</c>.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Backbone name for torchvision's MobileNetV3-Large applied per frame (960-d features).</summary>
    public const string MobileNetV3Large = "mobilenet_v3_large";
    /// <summary>Backbone name for torchvision's MobileNetV3-Small applied per frame (576-d features).</summary>
    public const string MobileNetV3Small = "mobilenet_v3_small";
    /// <summary>Backbone name for pytorch-i3d's InceptionI3d applied to the whole clip (1024-d features at Mixed_5c).</summary>
    public const string I3d = "i3d";
    /// <summary>Backbone name for a 4-block 2D CNN applied per frame: small and fast, for demos and tests.</summary>
    public const string TinyCnn = "tiny_cnn";
    /// <summary>Backbone name for the same CNN whose last map is averaged to a 4x4 raster and flattened (16x the channels): keeps where the hands are.</summary>
    public const string TinyCnnGrid = "tiny_cnn_grid";
    /// <summary>Backbone name for torchvision's ResNet-18 applied per frame (512-d features).</summary>
    public const string ResNet18 = "resnet18";
    /// <summary>Backbone name for ResNet-18 with CorrNet's correlation and identification modules after stages 2-4, applied to the whole clip (512-d features, stride 1).</summary>
    public const string ResNet18CorrNet = "resnet18_corrnet";

    /// <summary><see cref="ConvHead"/>: no classifier on the temporal-conv features.</summary>
    public const string ConvHeadNone = "none";
    /// <summary><see cref="ConvHead"/>: a second linear classifier on the temporal-conv features (VAC's visual enhancement).</summary>
    public const string ConvHeadLinear = "linear";
    /// <summary><see cref="ConvHead"/>: one weight-normalised classifier shared by the temporal-conv and BiLSTM heads (SMKD).</summary>
    public const string ConvHeadShared = "shared";

    /// <summary>Configuration name, e.g. "i3d-teacher", "mobilenetv3-student", "tiny-student" (informative; the fields below define the network).</summary>
    public string Name { get; init; } = "custom";

    /// <summary>Backbone: mobilenet_v3_large, mobilenet_v3_small, i3d, tiny_cnn, tiny_cnn_grid, resnet18 or resnet18_corrnet.</summary>
    public string Backbone { get; init; } = MobileNetV3Large;

    /// <summary>The PHOENIX-2014 vocabulary with the CTC blank: the default class count where no corpus is at hand.</summary>
    public const int PhoenixClasses = 1296;

    /// <summary>Output classes including the CTC blank (the vocabulary size).</summary>
    public int NumClasses { get; init; } = PhoenixClasses;

    /// <summary>BiLSTM hidden size per direction (the classifier sees 2x this); also the temporal conv width unless <see cref="TemporalChannels"/> is set.</summary>
    public int HiddenDim { get; init; } = 256;

    /// <summary>BiLSTM layers (0 = no BiLSTM: the classifier reads the temporal features directly).</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Dropout probability on the backbone features, between BiLSTM layers and before the classifier.</summary>
    public double Dropout { get; init; } = 0.2;

    /// <summary>MobileNetV3 width multiplier (torchvision's width_mult), ResNet-18 stage-width or tiny CNN channel multiplier; 1.0 is the published network.</summary>
    public double WidthMult { get; init; } = 1.0;

    /// <summary>Temporal conv blocks, VAC style: "K5-P2-K5-P2" (conv kernel 5 without padding, max-pool 2), or "" for none.</summary>
    public string TemporalConv { get; init; } = "K5-P2-K5-P2";

    /// <summary>
    /// Frames of edge padding on each side of the temporal conv's input: each clip's first and last
    /// frame features repeated (VAC pads its clips with 6 copies of the first and last frame). The
    /// unpadded K5-P2-K5-P2 otherwise trims 6 frames at each end, where a sentence's first and last
    /// glosses are signed; with 6 the output is floor(T / 4) frames. 0 (the field's default for old
    /// configurations) pads nothing.
    /// </summary>
    public int EdgePad { get; init; }

    /// <summary>The widest edge padding accepted.</summary>
    public const int MaxEdgePad = 64;

    /// <summary>Channels of the temporal conv blocks; null means <see cref="HiddenDim"/>.</summary>
    public int? TemporalChannels { get; init; }

    /// <summary>Insert a linear projection from the backbone features to 2 x <see cref="HiddenDim"/> before the temporal layers.</summary>
    public bool Projection { get; init; }

    /// <summary>I3D temporal stride: 8 as published (Conv3d_1a, MaxPool3d_4a and MaxPool3d_5a stride in time), 4 (MaxPool3d_5a keeps time; CSLR default) or 2.</summary>
    public int I3dTemporalStride { get; init; } = 4;

    /// <summary>Last I3D block used: Mixed_5c (1024-d, default) or Mixed_4f (832-d, truncated).</summary>
    public string I3dFinalEndpoint { get; init; } = "Mixed_5c";

    /// <summary>
    /// Classifier on the temporal-conv features (the BiLSTM's input) for the auxiliary objectives:
    /// none, linear (its own weights, key <c>conv_classifier.*</c>) or shared (SMKD: the main
    /// classifier becomes weight-normalised, without bias, and serves both heads).
    /// </summary>
    public string ConvHead { get; init; } = ConvHeadNone;

    /// <summary><see cref="InputNorm"/>: frames go to the backbone as the data pipeline normalised them.</summary>
    public const string InputNormNone = "none";
    /// <summary><see cref="InputNorm"/>: each clip's mean frame is subtracted and each channel divided by its standard deviation over the clip (<see cref="ClipNormalization"/>).</summary>
    public const string InputNormClip = "clip";

    /// <summary>
    /// Normalisation inside the model before the backbone: none, or clip (the clip's mean frame
    /// subtracted, each channel scaled to unit variance over the clip), which keeps what moves and
    /// removes what a signer's body, clothes, background and lighting add.
    /// </summary>
    public string InputNorm { get; init; } = InputNormNone;

    /// <summary><see cref="FeatureNorm"/>: the backbone's features go to the temporal layers as they are.</summary>
    public const string FeatureNormNone = "none";
    /// <summary><see cref="FeatureNorm"/>: each clip's mean feature vector is subtracted from its frames' features (<see cref="FeatureNormalization"/>).</summary>
    public const string FeatureNormClip = "clip";

    /// <summary>
    /// Normalisation of the backbone's features before the temporal layers: none, or clip (each
    /// clip's mean feature vector over its valid frames subtracted, as speech recognisers subtract
    /// an utterance's mean cepstrum), which removes what stays the same through a clip, such as how
    /// one signer's hands look, and keeps what changes from sign to sign.
    /// </summary>
    public string FeatureNorm { get; init; } = FeatureNormNone;

    /// <summary>Frame side in pixels the model is meant for (a hint for data pipelines and benchmarks; the network accepts other sizes).</summary>
    public int FrameSize { get; init; } = 112;

    /// <summary>Channels of the temporal conv blocks after defaults are applied.</summary>
    [JsonIgnore]
    public int ResolvedTemporalChannels => TemporalChannels ?? HiddenDim;

    /// <summary>The widest BiLSTM or temporal convolution accepted (the published models use 512 to 1024): wider ones take gigabytes, and a typo would allocate until the system kills the process.</summary>
    public const int MaxWidth = 8192;

    /// <summary>The most output classes accepted.</summary>
    public const int MaxClasses = 100_000;

    /// <summary>Throws a <see cref="GlossaException"/> naming the first invalid field.</summary>
    public ModelConfig Validate()
    {
        string[] backbones = [MobileNetV3Large, MobileNetV3Small, I3d, TinyCnn, TinyCnnGrid, ResNet18, ResNet18CorrNet];
        if (!backbones.Contains(Backbone))
            throw new GlossaException($"model config '{Name}': backbone '{Backbone}' is unknown; use one of {string.Join(", ", backbones)}");
        if (NumClasses < 2)
            throw new GlossaException($"model config '{Name}': num_classes {NumClasses} must be at least 2 (blank + one gloss)");
        if (NumClasses > MaxClasses)
            throw new GlossaException($"model config '{Name}': num_classes {NumClasses} is more than {MaxClasses}; a gloss vocabulary is a few thousand (PHOENIX-2014: 1,296)");
        if (HiddenDim is < 1 or > MaxWidth)
            throw new GlossaException($"model config '{Name}': hidden_dim {HiddenDim} must be between 1 and {MaxWidth}");
        if (Layers is < 0 or > 16)
            throw new GlossaException($"model config '{Name}': layers {Layers} must be between 0 and 16");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
            throw new GlossaException($"model config '{Name}': dropout {Dropout} must be in [0, 1)");
        if (WidthMult is <= 0 or > 4 || double.IsNaN(WidthMult))
            throw new GlossaException($"model config '{Name}': width_mult {WidthMult} must be in (0, 4]");
        if (TemporalChannels is < 1 or > MaxWidth)
            throw new GlossaException($"model config '{Name}': temporal_channels {TemporalChannels} must be between 1 and {MaxWidth}");
        if (I3dTemporalStride is not (2 or 4 or 8))
            throw new GlossaException($"model config '{Name}': i3d_temporal_stride {I3dTemporalStride} must be 2, 4 or 8");
        if (I3dFinalEndpoint is not ("Mixed_5c" or "Mixed_4f"))
            throw new GlossaException($"model config '{Name}': i3d_final_endpoint '{I3dFinalEndpoint}' must be Mixed_5c or Mixed_4f");
        if (I3dFinalEndpoint == "Mixed_4f" && I3dTemporalStride == 8)
            throw new GlossaException($"model config '{Name}': an I3D truncated at Mixed_4f has temporal stride 2 or 4, not 8");
        if (FrameSize < 32)
            throw new GlossaException($"model config '{Name}': frame_size {FrameSize} must be at least 32 pixels");
        Temporal.TemporalConvSpec.Parse(TemporalConv); // throws on a bad spec
        if (EdgePad is < 0 or > MaxEdgePad)
            throw new GlossaException($"model config '{Name}': edge_pad {EdgePad} must be between 0 and {MaxEdgePad} frames");
        if (EdgePad > 0 && Temporal.TemporalConvSpec.Parse(TemporalConv).Steps.Count == 0)
            throw new GlossaException($"model config '{Name}': edge_pad {EdgePad} pads the temporal conv's input, but the model has no temporal conv; set edge_pad to 0");
        if (InputNorm is not (InputNormNone or InputNormClip))
            throw new GlossaException($"model config '{Name}': input_norm '{InputNorm}' must be none or clip");
        if (FeatureNorm is not (FeatureNormNone or FeatureNormClip))
            throw new GlossaException($"model config '{Name}': feature_norm '{FeatureNorm}' must be none or clip");
        if (ConvHead is not (ConvHeadNone or ConvHeadLinear or ConvHeadShared))
            throw new GlossaException($"model config '{Name}': conv_head '{ConvHead}' must be none, linear or shared");
        // The width the shared head reads is known here unless it is the backbone's own (no temporal
        // conv, no projection); the model checks that case when built.
        if (Temporal.TemporalConvSpec.Parse(TemporalConv).Steps.Count > 0) RequireSharedWidths(ResolvedTemporalChannels);
        else if (Projection) RequireSharedWidths(2 * HiddenDim);
        return this;
    }

    /// <summary>
    /// Checks that one classifier can read both the temporal-conv features (<paramref name="convWidth"/>)
    /// and the BiLSTM output; called by the model once the backbone's feature width is known.
    /// </summary>
    public void RequireSharedWidths(int convWidth)
    {
        int seqWidth = Layers > 0 ? 2 * HiddenDim : convWidth;
        if (ConvHead == ConvHeadShared && convWidth != seqWidth)
            throw new GlossaException($"model config '{Name}': a shared (SMKD) classifier needs the temporal-conv width ({convWidth}) to equal the BiLSTM output (2 x {HiddenDim} = {seqWidth}); set temporal_channels (--temporal-channels) to {seqWidth}");
    }

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>The configuration as JSON (snake_case field names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// <see cref="ToJson"/> as a JSON object with what the configuration leaves to defaults filled in
    /// (temporal_channels: <see cref="ResolvedTemporalChannels"/>): the values the built model has.
    /// </summary>
    public JsonObject ToResolvedJson()
    {
        var json = JsonNode.Parse(ToJson())!.AsObject();
        json["temporal_channels"] = ResolvedTemporalChannels;
        return json;
    }

    /// <summary>Reads a configuration written by <see cref="ToJson"/> and validates it.</summary>
    public static ModelConfig FromJson(string json, string source = "model config")
    {
        ModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfig>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new GlossaException($"{source}: not a valid model configuration ({e.Message})", e);
        }
        return (config ?? throw new GlossaException($"{source}: empty model configuration")).Validate();
    }
}
