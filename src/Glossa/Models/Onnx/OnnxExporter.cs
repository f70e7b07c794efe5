using Glossa.Common;
using Glossa.Models.Backbones;
using Glossa.Models.Temporal;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Onnx;

/// <summary>
/// Writes a per-frame recogniser (MobileNetV3-Large/-Small or the tiny CNN backbone, optional
/// projection, temporal conv, BiLSTM, classifier) as an ONNX model in eval mode: input
/// <c>frames</c> (T, 3, H, W) float32 normalised like the checkpoint's evaluation transform, with
/// T, H and W dynamic; output <c>log_probs</c> (T', C), the log-softmax of the logits, with T' =
/// <see cref="CslrModel.ComputeOutputLength"/>(T). One clip per call (no padding, so no lengths).
/// The graph uses only standard opset-17 operators (Conv, BatchNormalization, HardSwish, LSTM,
/// MaxPool, ...), so ONNX Runtime and other runtimes run it unchanged.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Name of the graph input.</summary>
    public const string InputName = "frames";
    /// <summary>Name of the graph output.</summary>
    public const string OutputName = "log_probs";

    /// <summary>
    /// Serialises <paramref name="model"/> to <paramref name="path"/>; <paramref name="metadata"/> goes into the model's
    /// metadata_props. The file is written through a temporary name, so a failed export leaves no partial model behind.
    /// </summary>
    /// <exception cref="OutputException">The file cannot be written (a missing folder, a path that is a folder, a read-only
    /// folder, a full disk); the one-line message names the path and what to do.</exception>
    /// <exception cref="GlossaException">The model cannot be exported (<see cref="Refusal"/>).</exception>
    public static void Export(CslrModel model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        SafeWrite.CheckFilePath(path); // before the graph is built: a wrong path is the cheaper mistake to report
        SafeWrite.Bytes(path, ToBytes(model, metadata));
    }

    /// <summary>Null when models of <paramref name="config"/> can be exported, else the one-line reason.</summary>
    public static string? Refusal(ModelConfig config)
    {
        if (config.Backbone is not (ModelConfig.MobileNetV3Large or ModelConfig.MobileNetV3Small or ModelConfig.TinyCnn))
            return $"model '{config.Name}': ONNX export covers per-frame backbones ({ModelConfig.MobileNetV3Large}, {ModelConfig.MobileNetV3Small}, {ModelConfig.TinyCnn}); the {config.Backbone} backbone is not exported";
        if (config.ConvHead == ModelConfig.ConvHeadShared)
            return $"model '{config.Name}': the weight-normalised classifier shared by both heads (SMKD) is not exported";
        if (config.InputNorm != ModelConfig.InputNormNone)
            return $"model '{config.Name}': ONNX export covers input_norm none; this model normalises each clip ({config.InputNorm}) and is not exported";
        if (config.FeatureNorm != ModelConfig.FeatureNormNone)
            return $"model '{config.Name}': ONNX export covers feature_norm none; this model normalises each clip's features ({config.FeatureNorm}) and is not exported";
        return null;
    }

    /// <summary>Throws a one-line <see cref="GlossaException"/> unless models of <paramref name="config"/> can be exported.</summary>
    public static void CheckExportable(ModelConfig config)
    {
        if (Refusal(config) is string reason)
            throw new GlossaException($"{reason}; run it with --engine torch, or export it with --format pytorch or safetensors");
    }

    /// <summary>Metadata key of the exported weights' <see cref="WeightIO.Fingerprint"/>.</summary>
    public const string WeightsKey = "glossa.weights_sha256";

    /// <summary>The serialised ONNX ModelProto of <paramref name="model"/>.</summary>
    public static byte[] ToBytes(CslrModel model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        CheckExportable(model.Config);
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);
        var g = new OnnxGraph();
        g.Input(InputName, "time", 3, "height", "width");
        string x = Backbone(g, model.Backbone, InputName);                                            // (T, D)
        if (children.GetValueOrDefault("projection") is Linear projection)
            x = LinearLayer(g, projection, x, "projection");                                           // (T, 2H)
        if (children.GetValueOrDefault("temporal_conv") is TemporalConv conv)
        {
            x = g.Node("Transpose", [x], ("perm", new long[] { 1, 0 }));                              // (T, D) -> (D, T)
            x = g.Node("Unsqueeze", [x, g.Int64s("axis0", 0)]);                                       // -> (1, D, T)
            if (model.Config.EdgePad is int pad and > 0)
                x = g.Node("Pad", [x, g.Int64s("edge_pad", 0, 0, pad, 0, 0, pad)], ("mode", "edge"));   // -> (1, D, T + 2p): first and last frame repeated
            x = Chain(g, conv.named_children().Single().module, x, "temporal_conv.blocks");            // -> (1, D', T')
            x = g.Node("Transpose", [x], ("perm", new long[] { 2, 0, 1 }));                           // -> (T', 1, D')
        }
        else
        {
            x = g.Node("Unsqueeze", [x, g.Int64s("axis1", 1)]);                                       // (T, D) -> (T, 1, D)
        }
        if (children.GetValueOrDefault("lstm") is LSTM lstm)
            x = BiLstm(g, lstm, model.Config, x);                                                      // (T', 1, 2H)
        x = LinearLayer(g, (Linear)children["classifier"], x, "classifier");                           // (T', 1, C)
        x = g.Node("LogSoftmax", [x], ("axis", -1L));
        g.Node("Squeeze", [x, g.Int64s("axis1_out", 1)], [OutputName]);                                // (T', 1, C) -> (T', C)
        g.Output(OutputName, "out_time", model.Config.NumClasses);
        var meta = new Dictionary<string, string>
        {
            ["glossa.model_config"] = model.Config.ToJson(),
            [WeightsKey] = WeightIO.Fingerprint(model.state_dict()), // binds the file to these exact weights (another run of the same model differs)
        };
        if (metadata is not null)
            foreach (var (k, v) in metadata) meta[k] = v;
        return g.ToModel(model.Config.Name, meta);
    }

    /// <summary>(T, 3, H, W) -> (T, D): the backbone's "features" stack, then the spatial mean.</summary>
    static string Backbone(OnnxGraph g, Backbone backbone, string x)
    {
        var features = backbone.named_children().FirstOrDefault(c => c.name == "features").module
            ?? throw new GlossaException($"backbone {backbone.GetName()}: no 'features' stack to export");
        x = Chain(g, features, x, "backbone.features");                                                // (T, C, h, w)
        x = g.Node("GlobalAveragePool", [x]);                                                          // -> (T, C, 1, 1)
        return g.Node("Flatten", [x], ("axis", 1L));                                                   // -> (T, C)
    }

    /// <summary>One module (a Sequential is walked in order) applied to <paramref name="x"/>.</summary>
    static string Chain(OnnxGraph g, nn.Module module, string x, string path)
    {
        switch (module)
        {
            case Sequential:
                foreach (var (name, child) in module.named_children())
                    x = Chain(g, child, x, $"{path}.{name}");
                return x;
            case Convolution conv: return Conv(g, conv, x, path);
            case BatchNorm bn:
                return g.Node("BatchNormalization",
                    [x, g.Weight($"{path}.weight", Floats(bn.weight!), bn.num_features), g.Weight($"{path}.bias", Floats(bn.bias!), bn.num_features),
                     g.Weight($"{path}.running_mean", Floats(bn.running_mean!), bn.num_features), g.Weight($"{path}.running_var", Floats(bn.running_var!), bn.num_features)],
                    ("epsilon", (float)bn.eps));
            case ReLU: return g.Node("Relu", [x]);
            case Hardswish: return g.Node("HardSwish", [x]);
            case Dropout: return x; // eval mode
            case MaxPool1d pool:
                if (pool.ceil_mode || (pool.padding ?? 0) != 0 || (pool.dilation ?? 1) != 1)
                    throw new GlossaException($"{path}: only max-pools without padding, dilation or ceil mode are exported");
                return g.Node("MaxPool", [x], ("kernel_shape", new[] { pool.kernel_size }), ("strides", new[] { pool.stride ?? pool.kernel_size }));
        }
        return module.GetName() switch
        {
            "InvertedResidual" => InvertedResidual(g, module, x, path),
            "SqueezeExcitation" => SqueezeExcitation(g, module, x, path),
            _ => throw new GlossaException($"{path}: layer {module.GetType().Name} ({module.GetName()}) has no ONNX export"),
        };
    }

    static string Conv(OnnxGraph g, Convolution conv, string x, string path)
    {
        if (conv.transposed || conv.padding is null || conv.padding_mode != TorchSharp.PaddingModes.Zeros)
            throw new GlossaException($"{path}: only zero-padded, explicitly padded convolutions are exported");
        var weight = conv.weight!;
        string w = g.Weight($"{path}.weight", Floats(weight), weight.shape);
        var inputs = new List<string> { x, w };
        if (conv.bias is not null) inputs.Add(g.Weight($"{path}.bias", Floats(conv.bias), conv.out_channels));
        long[] pads = [.. conv.padding, .. conv.padding];                                               // begins then ends
        return g.Node("Conv", inputs, ("kernel_shape", conv.kernel_size), ("strides", conv.stride), ("pads", pads),
            ("dilations", conv.dilation), ("group", conv.groups));
    }

    /// <summary>torchvision's block: its layers, plus the input when stride is 1 and channels are kept.</summary>
    static string InvertedResidual(OnnxGraph g, nn.Module block, string x, string path)
    {
        var layers = block.named_children().Single().module;
        var convs = layers.modules().OfType<Convolution>().ToList();
        bool residual = convs.All(c => c.stride.All(s => s == 1)) && convs[0].in_channels == convs[^1].out_channels;
        string y = Chain(g, layers, x, $"{path}.block");
        return residual ? g.Node("Add", [y, x]) : y;
    }

    /// <summary>x * hardsigmoid(fc2(relu(fc1(mean_hw(x))))).</summary>
    static string SqueezeExcitation(OnnxGraph g, nn.Module se, string x, string path)
    {
        var parts = se.named_children().ToDictionary(c => c.name, c => (Convolution)c.module);
        string s = g.Node("GlobalAveragePool", [x]);                                                   // (N, C, h, w) -> (N, C, 1, 1)
        s = g.Node("Relu", [Conv(g, parts["fc1"], s, $"{path}.fc1")]);
        s = g.Node("HardSigmoid", [Conv(g, parts["fc2"], s, $"{path}.fc2")], ("alpha", 1f / 6), ("beta", 0.5f));
        return g.Node("Mul", [x, s]);
    }

    /// <summary>x (..., in) -> (..., out) = x W^T + b.</summary>
    static string LinearLayer(OnnxGraph g, Linear linear, string x, string path)
    {
        using var wt = linear.weight!.detach().t().contiguous();                                      // (out, in) -> (in, out)
        x = g.Node("MatMul", [x, g.Weight($"{path}.weight_t", Floats(wt), linear.in_features, linear.out_features)]);
        return linear.bias is null ? x : g.Node("Add", [x, g.Weight($"{path}.bias", Floats(linear.bias), linear.out_features)]);
    }

    /// <summary>The stacked BiLSTM on (T', 1, D) -> (T', 1, 2H), one ONNX LSTM node per layer.</summary>
    static string BiLstm(OnnxGraph g, LSTM lstm, ModelConfig config, string x)
    {
        var p = lstm.named_parameters().ToDictionary(q => q.name, q => q.parameter);
        int h = config.HiddenDim;
        for (int layer = 0; layer < config.Layers; layer++)
        {
            string[] suffixes = [$"_l{layer}", $"_l{layer}_reverse"];
            long input = p[$"weight_ih_l{layer}"].shape[1];
            var w = suffixes.SelectMany(s => Gates(p[$"weight_ih{s}"], h)).ToArray();               // (2, 4H, in)
            var r = suffixes.SelectMany(s => Gates(p[$"weight_hh{s}"], h)).ToArray();               // (2, 4H, H)
            var b = suffixes.SelectMany(s => Gates(p[$"bias_ih{s}"], h).Concat(Gates(p[$"bias_hh{s}"], h))).ToArray(); // (2, 8H)
            string y = g.Fresh($"lstm_l{layer}_y");
            g.Node("LSTM", [x, g.Weight($"lstm.W_l{layer}", w, 2, 4 * h, input), g.Weight($"lstm.R_l{layer}", r, 2, 4 * h, h), g.Weight($"lstm.B_l{layer}", b, 2, 8 * h)],
                [y], ("hidden_size", (long)h), ("direction", "bidirectional"));
            x = g.Node("Transpose", [y], ("perm", new long[] { 0, 2, 1, 3 }));                        // (T', 2, 1, H) -> (T', 1, 2, H)
            x = g.Node("Reshape", [x, g.Int64s("shape_t_1_2h", 0, 0, -1)]);                           // -> (T', 1, 2H)
        }
        return x;
    }

    /// <summary>PyTorch stacks LSTM gates as i, f, g, o; ONNX as i, o, f, c (c = PyTorch's g).</summary>
    static float[] Gates(Tensor t, int h)
    {
        float[] v = Floats(t);
        int block = v.Length / 4;
        int[] order = [0, 3, 1, 2];
        var result = new float[v.Length];
        for (int k = 0; k < 4; k++)
            Array.Copy(v, order[k] * block, result, k * block, block);
        return result;
    }

    static float[] Floats(Tensor t)
    {
        using var c = t.detach().cpu().to_type(float32).contiguous();
        return c.data<float>().ToArray();
    }
}
