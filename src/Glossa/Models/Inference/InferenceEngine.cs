namespace Glossa.Models.Inference;

/// <summary>What runs a checkpoint's forward pass in <c>evaluate</c> and <c>recognize</c>.</summary>
public enum InferenceEngine
{
    /// <summary>
    /// ONNX Runtime on an in-memory export where it applies (CPU, fp32, a model the exporter
    /// covers: about 1.5x TorchSharp's fused path on the student here, same greedy output),
    /// else <see cref="Torch"/>.
    /// </summary>
    Auto,
    /// <summary>TorchSharp's fused eval path (<see cref="FusedModel"/>), on any device and precision.</summary>
    Torch,
    /// <summary>ONNX Runtime on the CPU, fp32: an exported file or, without one, the checkpoint exported in memory.</summary>
    Onnx,
}
