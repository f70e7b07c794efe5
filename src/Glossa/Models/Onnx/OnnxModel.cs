using Glossa.Common;
using Glossa.Decoding;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

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

    /// <summary>The exported weights' fingerprint (<see cref="OnnxExporter.WeightsKey"/>), when the file has one.</summary>
    public string? WeightsFingerprint => session.ModelMetadata.CustomMetadataMap.GetValueOrDefault(OnnxExporter.WeightsKey);

    /// <summary>Output classes C.</summary>
    public int Classes { get; }

    /// <summary>Opens <paramref name="path"/>; <paramref name="threads"/> intra-op threads (0 = ONNX Runtime's default, one per core).</summary>
    public OnnxModel(string path, int threads = 0)
    {
        if (!File.Exists(path))
            throw new GlossaException($"{path}: no such ONNX file; write one with 'glossa model export CHECKPOINT --format onnx --out {path}'");
        session = Open(options => new InferenceSession(path, options), path, threads);
        (Classes, Config) = Check(session, path);
    }

    OnnxModel(byte[] model, string source, int threads)
    {
        session = Open(options => new InferenceSession(model, options), source, threads);
        (Classes, Config) = Check(session, source);
    }

    /// <summary>
    /// <paramref name="model"/> (in eval mode) exported in memory (<see cref="OnnxExporter"/>) and
    /// opened: the onnx engine without a file on disk.
    /// </summary>
    public static OnnxModel FromModel(CslrModel model, int threads = 0) =>
        new(OnnxExporter.ToBytes(model), $"model '{model.Config.Name}' (exported in memory)", threads);

    static InferenceSession Open(Func<SessionOptions, InferenceSession> create, string source, int threads)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        try
        {
            return create(options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new GlossaException($"{source}: ONNX Runtime cannot load it ({e.Message.Split('\n')[0]})", e);
        }
    }

    static (int Classes, ModelConfig? Config) Check(InferenceSession session, string source)
    {
        if (!session.InputMetadata.ContainsKey(OnnxExporter.InputName) || !session.OutputMetadata.TryGetValue(OnnxExporter.OutputName, out var output))
        {
            session.Dispose();
            throw new GlossaException($"{source}: not a Glossa recogniser (needs input '{OnnxExporter.InputName}' and output '{OnnxExporter.OutputName}')");
        }
        ModelConfig? config = session.ModelMetadata.CustomMetadataMap.TryGetValue("glossa.model_config", out var json)
            ? ModelConfig.FromJson(json, $"{source} metadata") : null;
        return (output.Dimensions[^1], config);
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

    /// <summary>
    /// Log-probabilities of a padded batch, frames (B, T, 3, H, W) with valid lengths (B), one clip
    /// per run without its padding, as a <see cref="LogProbBatch"/> (rows past a clip's output
    /// length are zero; the decoders read only valid rows).
    /// </summary>
    public LogProbBatch LogProbs(Tensor frames, Tensor lengths, Func<long, long> outputLength)
    {
        using var cpu = frames.cpu().contiguous();                                                  // (B,T,3,H,W)
        using var lens = lengths.cpu().to_type(ScalarType.Int64);
        long[] valid = lens.data<long>().ToArray();
        int batch = (int)cpu.shape[0], height = (int)cpu.shape[3], width = (int)cpu.shape[4];
        int outMax = (int)valid.Select(outputLength).DefaultIfEmpty(0).Max();
        var data = new float[(long)batch * outMax * Classes];
        var outLengths = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            using var clip = cpu[b].narrow(0, 0, valid[b]).contiguous();                               // (T_b,3,H,W)
            float[] rows = LogProbs(clip.data<float>().ToArray(), (int)valid[b], height, width, out int t);
            if (t > outMax)
                throw new GlossaException($"onnx engine: clip {b} gave {t} output frames, more than the {outMax} its length allows; the exported graph does not match the model");
            Array.Copy(rows, 0, data, (long)b * outMax * Classes, rows.Length);
            outLengths[b] = t;
        }
        return new LogProbBatch(data, outLengths, outMax, Classes);
    }

    public void Dispose() => session.Dispose();
}
