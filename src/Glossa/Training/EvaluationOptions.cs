using Glossa.Common;

namespace Glossa.Training;

/// <summary>What <c>glossa evaluate</c> decodes and how it scores.</summary>
public sealed record EvaluationOptions
{
    /// <summary>A checkpoint directory, e.g. <c>RUN/best</c> or <c>RUN/last</c>.</summary>
    public string Checkpoint { get; init; } = "";
    /// <summary>Corpus root or manifest.</summary>
    public string Corpus { get; init; } = "";
    /// <summary>Corpus format; null = detect.</summary>
    public string? CorpusFormat { get; init; }
    /// <summary>Split to decode: dev or test (or any split the corpus has).</summary>
    public string Split { get; init; } = "dev";
    /// <summary>Beam width; 0 or 1 = greedy (best path).</summary>
    public int Beam { get; init; }
    /// <summary>Gloss cleanup before scoring: auto (by corpus format: phoenix2014, phoenix2014t, none), or a rule set name.</summary>
    public string Cleanup { get; init; } = "auto";
    /// <summary>Folder for the CTM, STM, per-utterance alignments and summaries; null = RUN/eval-SPLIT next to the checkpoint.</summary>
    public string? OutputDir { get; init; }
    /// <summary>Clips per forward pass.</summary>
    public int BatchSize { get; init; } = 4;
    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "auto";
    /// <summary>Backbone arithmetic: "fp32", or "bf16" on CPUs with avx512_bf16/AMX and on CUDA (refused elsewhere).</summary>
    public string Precision { get; init; } = "fp32";
    /// <summary>What runs the model: auto (ONNX Runtime on the CPU in fp32 where the model exports, else TorchSharp), torch or onnx.</summary>
    public string Engine { get; init; } = "auto";
    /// <summary>libtorch threads; 0 = one per core.</summary>
    public int Threads { get; init; }
    /// <summary>Decoded-frame cache folder (shared with training); null = none.</summary>
    public string? CacheDir { get; init; }

    /// <summary>True when <see cref="Cleanup"/> is "auto" (any case): the corpus format's rules.</summary>
    public bool CleanupIsAuto => string.Equals(Cleanup, "auto", StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks every field with actionable messages.</summary>
    public EvaluationOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) throw new GlossaException("Checkpoint (--checkpoint) is required, e.g. RUN/best");
        if (string.IsNullOrWhiteSpace(Corpus)) throw new GlossaException("Corpus (--corpus) is required");
        if (string.IsNullOrWhiteSpace(Split)) throw new GlossaException("Split (--split) is empty; use dev or test");
        if (Beam < 0 || Beam > 1000) throw new GlossaException($"Beam (--beam) must be between 0 (greedy) and 1000 (got {Beam}); peers report beam 10");
        if (BatchSize < 1) throw new GlossaException($"BatchSize (--batch-size) must be at least 1 (got {BatchSize})");
        ThreadCount.Check(Threads, "Threads (--threads)");
        if (!CleanupIsAuto && Scoring.CleanupRules.Find(Cleanup) is null)
            throw new GlossaException($"Cleanup (--cleanup) '{Cleanup}' is not a rule set; use auto (by corpus format), {string.Join(", ", Scoring.CleanupRules.All.Select(r => r.Name))}");
        Models.Inference.PrecisionSupport.Parse(Precision);
        Models.Inference.EngineSelection.Parse(Engine);
        return this;
    }
}
