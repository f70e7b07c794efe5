using Glossa.Common;

namespace Glossa.Models;

/// <summary>The named recogniser configurations and the one place models are built from a <see cref="ModelConfig"/>.</summary>
public static class ModelFactory
{
    /// <summary>I3D (stride 4, Mixed_5c) -> linear 1024 -> 2H -> 2-layer BiLSTM (H = 512 per direction) -> classifier: 27,264,560 parameters at 1,296 classes.</summary>
    public const string I3dTeacher = "i3d-teacher";
    /// <summary>MobileNetV3-Large per frame -> temporal conv K5-P2-K5-P2 (H channels) -> 2-layer BiLSTM (H = 256) -> classifier: 7,824,448 parameters at 1,296 classes.</summary>
    public const string MobileNetV3Student = "mobilenetv3-student";
    /// <summary>MobileNetV3-Small per frame -> K5-P2-K5-P2 -> 1-layer BiLSTM (H = 128): a lighter student for 112 px.</summary>
    public const string MobileNetV3SmallStudent = "mobilenetv3-small-student";
    /// <summary>A 4-block 2D CNN per frame -> K5-P2-K5-P2 -> 1-layer BiLSTM (H = 128): trains in minutes on 2 CPU cores at 64 px.</summary>
    public const string TinyStudent = "tiny-student";
    /// <summary><see cref="TinyStudent"/> whose CNN keeps a 4x4 raster of its last map (2,048 features) instead of a global average, so the features say where the hands are: the demo's model.</summary>
    public const string TinyGridStudent = "tiny-grid-student";

    /// <summary>VAC's network: ResNet-18 per frame -> K5-P2-K5-P2 (1024 channels) -> 2-layer BiLSTM (2 x 512) -> classifier, plus the temporal-conv classifier of its auxiliary objectives.</summary>
    public const string ResNet18Vac = "resnet18-vac";
    /// <summary>CorrNet: <see cref="ResNet18Vac"/> with the correlation and identification modules after ResNet stages 2, 3 and 4.</summary>
    public const string CorrNet = "corrnet";

    /// <summary>All names accepted by <see cref="Named"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [I3dTeacher, MobileNetV3Student, MobileNetV3SmallStudent, TinyStudent, TinyGridStudent, ResNet18Vac, CorrNet];

    /// <summary>
    /// Edge padding of every named model with a K5-P2-K5-P2 temporal conv: VAC pads each clip with 6
    /// copies of its first and last frame, so the conv keeps T / 4 output frames and a sentence's
    /// first and last glosses are not trimmed away.
    /// </summary>
    public const int VacEdgePad = 6;

    /// <summary>The named configuration, with optional vocabulary size, hidden size and dropout overrides.</summary>
    public static ModelConfig Named(string name, int numClasses = ModelConfig.PhoenixClasses, int? hiddenDim = null, double? dropout = null)
    {
        ModelConfig config = name switch
        {
            I3dTeacher => new ModelConfig
            {
                Name = name, Backbone = ModelConfig.I3d, HiddenDim = 512, Layers = 2, Projection = true,
                TemporalConv = "", I3dTemporalStride = 4, Dropout = 0.3, FrameSize = 224,
            },
            MobileNetV3Student => new ModelConfig
            {
                Name = name, Backbone = ModelConfig.MobileNetV3Large, HiddenDim = 256, Layers = 2,
                TemporalConv = "K5-P2-K5-P2", EdgePad = VacEdgePad, Dropout = 0.2, FrameSize = 224,
            },
            MobileNetV3SmallStudent => new ModelConfig
            {
                Name = name, Backbone = ModelConfig.MobileNetV3Small, HiddenDim = 128, Layers = 1,
                TemporalConv = "K5-P2-K5-P2", EdgePad = VacEdgePad, Dropout = 0.2, FrameSize = 112,
            },
            TinyStudent or TinyGridStudent => new ModelConfig
            {
                Name = name, Backbone = name == TinyGridStudent ? ModelConfig.TinyCnnGrid : ModelConfig.TinyCnn, HiddenDim = 128, Layers = 1,
                TemporalConv = "K5-P2-K5-P2", EdgePad = VacEdgePad, Dropout = 0.1, FrameSize = 64,
            },
            ResNet18Vac or CorrNet => new ModelConfig
            {
                Name = name, Backbone = name == CorrNet ? ModelConfig.ResNet18CorrNet : ModelConfig.ResNet18,
                HiddenDim = 512, Layers = 2, TemporalConv = "K5-P2-K5-P2", EdgePad = VacEdgePad, TemporalChannels = 1024,
                ConvHead = ModelConfig.ConvHeadLinear, Dropout = 0.2, FrameSize = 224,
            },
            _ => throw new GlossaException($"model '{name}' is unknown; use one of {string.Join(", ", Names)}"),
        };
        config = config with { NumClasses = numClasses };
        if (hiddenDim is int h)
            config = config with { HiddenDim = h };
        if (dropout is double d)
            config = config with { Dropout = d };
        return config.Validate();
    }

    /// <summary>Builds the network described by <paramref name="config"/> (validated first).</summary>
    public static CslrModel Create(ModelConfig config) => new(config.Validate());

    /// <summary>Builds a named configuration.</summary>
    public static CslrModel Create(string name, int numClasses = ModelConfig.PhoenixClasses, int? hiddenDim = null, double? dropout = null) =>
        Create(Named(name, numClasses, hiddenDim, dropout));
}
