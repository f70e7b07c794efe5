using Glossa.Common;

namespace Glossa.Recognition;

/// <summary>How <c>glossa recognize</c> turns videos or frame folders into glosses.</summary>
public sealed record RecognitionOptions
{
    /// <summary>A checkpoint directory written by training, e.g. <c>RUN/best</c>.</summary>
    public string Checkpoint { get; init; } = "";

    /// <summary>
    /// Frames per chunk. Inputs up to this length are processed whole (exactly as evaluation
    /// does); longer ones in chunks, so memory depends on this and not on the input's length.
    /// </summary>
    public int ChunkFrames { get; init; } = 256;

    /// <summary>
    /// Context frames on each side of a chunk whose outputs are discarded (the neighbouring chunk
    /// supplies them), so chunk boundaries hardly change the result. A multiple of the model's
    /// temporal stride; chunks share 2 x this many frames.
    /// </summary>
    public int Overlap { get; init; } = 32;

    /// <summary>Beam width; 0 or 1 = greedy (best path).</summary>
    public int Beam { get; init; }

    /// <summary>Alternatives to report, best first (more than 1 implies a beam of at least this width).</summary>
    public int NBest { get; init; } = 1;

    /// <summary>Frame rate for timings; null = ffprobe's for videos, 25 for frame folders.</summary>
    public double? Fps { get; init; }

    /// <summary>Frames per backbone call inside a chunk (per-frame backbones only): bounds activation memory; 0 = the whole chunk at once.</summary>
    public int BackboneBatch { get; init; } = 64;

    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>libtorch threads; 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Backbone arithmetic of the torch engine: "fp32", or "bf16" on CPUs with avx512_bf16/AMX and on CUDA (refused elsewhere).</summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>
    /// What runs the model: "auto" (the default: ONNX Runtime on the CPU in fp32 where the model
    /// exports, else TorchSharp), "torch" (TorchSharp's fused path: any device, bf16) or "onnx"
    /// (ONNX Runtime on the CPU: <see cref="OnnxFile"/>, else the checkpoint's model.onnx if
    /// present, else the checkpoint exported in memory).
    /// </summary>
    public string Engine { get; init; } = "auto";

    /// <summary>An exported model for the onnx engine (implies it under auto); null = model.onnx in the checkpoint directory if present, else an in-memory export.</summary>
    public string? OnnxFile { get; init; }

    /// <summary>The ONNX file the onnx engine runs, or null for an in-memory export of the checkpoint.</summary>
    public string? ResolvedOnnxFile
    {
        get
        {
            if (OnnxFile is not null) return OnnxFile;
            string saved = Path.Combine(Checkpoint.TrimEnd('/'), "model.onnx");
            return File.Exists(saved) ? saved : null;
        }
    }

    /// <summary>Beam width actually used: the larger of <see cref="Beam"/> and <see cref="NBest"/>, or 0 for greedy.</summary>
    public int EffectiveBeam => NBest > 1 ? Math.Max(Beam, NBest) : Beam > 1 ? Beam : 0;

    /// <summary>Checks every field with actionable messages (the stride checks need the model: see <see cref="Recognizer"/>).</summary>
    public RecognitionOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) throw new GlossaException("Checkpoint (--checkpoint) is required, e.g. RUN/best");
        if (ChunkFrames < 8) throw new GlossaException($"ChunkFrames (--chunk) must be at least 8 frames (got {ChunkFrames}); 256 is the default");
        if (Overlap < 0 || 2 * Overlap >= ChunkFrames)
            throw new GlossaException($"Overlap (--overlap) must be at least 0 and less than half the chunk (got {Overlap} with ChunkFrames (--chunk) {ChunkFrames}: at most {(ChunkFrames - 1) / 2})");
        if (Beam < 0 || Beam > 1000) throw new GlossaException($"Beam (--beam) must be between 0 (greedy) and 1000 (got {Beam})");
        if (NBest < 1 || NBest > 100) throw new GlossaException($"NBest (--nbest) must be between 1 and 100 (got {NBest})");
        if (Fps is double f && !(f > 0 && double.IsFinite(f))) throw new GlossaException($"Fps (--fps) must be a positive number (got {f})");
        if (BackboneBatch < 0) throw new GlossaException($"BackboneBatch (--backbone-batch) must be 0 (whole chunk) or positive (got {BackboneBatch})");
        ThreadCount.Check(Threads, "Threads (--threads)");
        var engine = Models.Inference.EngineSelection.Parse(Engine);
        var precision = Models.Inference.PrecisionSupport.Parse(Precision);
        if (precision != Models.Inference.InferencePrecision.Fp32 && (engine == Models.Inference.InferenceEngine.Onnx || OnnxFile is not null))
            throw new GlossaException("Precision (--precision) bf16 applies to Engine \"torch\" (--engine torch); the onnx engine runs the exported fp32 model");
        if (OnnxFile is not null && engine == Models.Inference.InferenceEngine.Torch) throw new GlossaException("OnnxFile (--onnx) is run by the onnx engine; drop Engine \"torch\" (--engine torch) or OnnxFile (--onnx)");
        return this;
    }
}
