using Glossa.Common;
using Microsoft.ML.OnnxRuntime;

namespace Glossa.Models.Onnx;

/// <summary>
/// A recogniser exported by <see cref="OnnxExporter"/>, run with ONNX Runtime on the CPU:
/// frames (T, 3, H, W) in, log-probabilities (T', C) out.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    readonly InferenceSession session;

    /// <summary>The exporting model's configuration (from the file's metadata), when present.</summary>
    public ModelConfig? Config { get; }

    /// <summary>Output classes C.</summary>
    public int Classes { get; }

    /// <summary>Opens <paramref name="path"/>; <paramref name="threads"/> intra-op threads (0 = ONNX Runtime's default, one per core).</summary>
    public OnnxModel(string path, int threads = 0)
    {
        if (!File.Exists(path))
            throw new GlossaException($"{path}: no such ONNX file; write one with 'glossa model export CHECKPOINT --format onnx --out {path}'");
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new GlossaException($"{path}: ONNX Runtime cannot load it ({e.Message.Split('\n')[0]})", e);
        }
        if (!session.InputMetadata.ContainsKey(OnnxExporter.InputName) || !session.OutputMetadata.TryGetValue(OnnxExporter.OutputName, out var output))
        {
            session.Dispose();
            throw new GlossaException($"{path}: not a Glossa recogniser (needs input '{OnnxExporter.InputName}' and output '{OnnxExporter.OutputName}')");
        }
        Classes = output.Dimensions[^1];
        if (session.ModelMetadata.CustomMetadataMap.TryGetValue("glossa.model_config", out var json))
            Config = ModelConfig.FromJson(json, $"{path} metadata");
    }

    /// <summary>
    /// Log-probabilities (T', C), row-major, of one clip of <paramref name="frames"/> frames given as
    /// a row-major (T, 3, H, W) float array (the evaluation transform already applied).
    /// </summary>
    public float[] LogProbs(float[] pixels, int frames, int height, int width, out int outFrames)
    {
        if (pixels.Length != (long)frames * 3 * height * width)
            throw new GlossaException($"onnx input: {pixels.Length} values are not {frames} x 3 x {height} x {width} frames");
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [frames, 3, height, width]);
        using var run = new RunOptions();
        using var results = session.Run(run, [OnnxExporter.InputName], [input], [OnnxExporter.OutputName]);
        var shape = results[0].GetTensorTypeAndShape().Shape;                 // (T', C)
        outFrames = (int)shape[0];
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => session.Dispose();
}
