using Glossa.Common;
using Glossa.Models.Onnx;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>Parses <c>--engine</c> and decides which engine <see cref="InferenceEngine.Auto"/> means for a model.</summary>
public static class EngineSelection
{
    /// <summary>The words <c>--engine</c> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "torch", "onnx"];

    /// <summary>"auto", "torch" or "onnx" (case-insensitive) -> the engine; anything else is a one-line error.</summary>
    public static InferenceEngine Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => InferenceEngine.Auto,
        "torch" or "torchsharp" => InferenceEngine.Torch,
        "onnx" or "onnxruntime" => InferenceEngine.Onnx,
        _ => throw new GlossaException($"--engine '{text}' is unknown; use {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// The engine that runs: <paramref name="asked"/> unless it is <see cref="InferenceEngine.Auto"/>,
    /// which picks ONNX Runtime on the CPU in fp32 for models the exporter covers and TorchSharp
    /// otherwise (CUDA, bf16, the 3D teacher, ResNet18 recipes, the grid student). An explicit
    /// onnx choice the model or device cannot take is refused with one line.
    /// </summary>
    public static InferenceEngine Resolve(InferenceEngine asked, ModelConfig config, Device device, InferencePrecision precision)
    {
        bool fits = device.type == TorchSharp.DeviceType.CPU && precision == InferencePrecision.Fp32 && OnnxExporter.Refusal(config) is null;
        if (asked == InferenceEngine.Auto)
            return fits ? InferenceEngine.Onnx : InferenceEngine.Torch;
        if (asked == InferenceEngine.Onnx)
        {
            if (device.type != TorchSharp.DeviceType.CPU)
                throw new GlossaException($"--engine onnx runs on the CPU only (asked for {device.type}); use --engine torch on {device.type}, or --device cpu");
            if (precision != InferencePrecision.Fp32)
                throw new GlossaException("--precision bf16 applies to --engine torch; the onnx engine runs fp32");
            OnnxExporter.CheckExportable(config);
        }
        return asked;
    }

    /// <summary>The engine's name in results and logs.</summary>
    public static string Name(InferenceEngine engine) => engine switch
    {
        InferenceEngine.Onnx => "onnx",
        InferenceEngine.Torch => "torch",
        _ => "auto",
    };
}
