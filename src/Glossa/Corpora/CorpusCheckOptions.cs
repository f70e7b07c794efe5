using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>What <see cref="CorpusChecker"/> verifies and how hard it works.</summary>
public sealed record CorpusCheckOptions
{
    /// <summary>Temporal stride of the model (output frames = floor(T / stride)); clips too short for CTC at it are errors.</summary>
    public int Stride { get; init; } = 4;

    /// <summary>
    /// The output frames a model gives a clip of T frames (its temporal conv, edge padding and rounding, and the frame cap
    /// training applies), when the check is for that model (<c>corpus check --model</c>); null: floor(T / <see cref="Stride"/>),
    /// which differs from a model's own count for some (an I3D rounds up; K5-P3-K5 loses frames at its edges).
    /// </summary>
    public Func<int, int>? OutputLength { get; init; }

    /// <summary>The model <see cref="OutputLength"/> is of, for messages (e.g. <c>tiny-student --temporal-conv K5-P2-K5</c>).</summary>
    public string? Model { get; init; }

    /// <summary>Decode every frame's header (not its pixels) and check that the file is not cut short, to find corrupt images. Costs two small reads per frame.</summary>
    public bool CheckFrames { get; init; } = true;

    /// <summary>
    /// Also decode every frame's pixels (and, for video samples, let ffprobe decode every frame instead of counting packets),
    /// to find damaged image data that a sound header and end marker let through; a frame training cannot decode stops it in
    /// its first epoch. Costs a full decode of the corpus (about 1 ms per 210x260 PNG on one core).
    /// </summary>
    public bool DecodePixels { get; init; }

    /// <summary>Count the frames of video samples with ffprobe (<c>-count_packets</c>), so their CTC length can be checked.</summary>
    public bool ProbeVideos { get; init; } = true;

    /// <summary>Threads used for frame and video checks.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Largest number of unreadable frames reported per sample before summarising the rest.</summary>
    public int MaxFrameErrorsPerSample { get; init; } = 5;

    /// <summary>Throws a <see cref="GlossaException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (Stride < 1) throw new GlossaException($"Stride (--stride) must be at least 1 (got {Stride})");
        if (Parallelism < 1) throw new GlossaException($"Parallelism must be at least 1 (got {Parallelism})");
        if (MaxFrameErrorsPerSample < 1) throw new GlossaException($"MaxFrameErrorsPerSample must be at least 1 (got {MaxFrameErrorsPerSample})");
    }
}
