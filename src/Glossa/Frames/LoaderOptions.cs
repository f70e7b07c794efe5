using Glossa.Common;

namespace Glossa.Frames;

/// <summary>How <see cref="BatchLoader"/> groups clips into batches and prefetches them.</summary>
public sealed record LoaderOptions
{
    /// <summary>Frame transforms (resize, crop, augmentation, normalisation).</summary>
    public FrameOptions Frames { get; init; } = new();

    /// <summary>Train: bucketed, shuffled batches with random augmentation. Eval: input order, deterministic transforms.</summary>
    public FrameMode Mode { get; init; } = FrameMode.Train;

    /// <summary>Clips per batch (peers use 2 videos).</summary>
    public int BatchSize { get; init; } = 2;

    /// <summary>Seed of every random draw: the batch order per epoch and each clip's augmentation.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Training batches are formed inside random chunks of this many batches, each chunk sorted
    /// by clip length (so a batch pads little), then the batches are shuffled. 1 disables bucketing.
    /// </summary>
    public int BucketChunkBatches { get; init; } = 50;

    /// <summary>Worker threads that decode and augment ahead of the consumer. 0 builds batches on the consumer's thread.</summary>
    public int Workers { get; init; } = Math.Min(2, Environment.ProcessorCount);

    /// <summary>Maximum batches decoded ahead (in flight or waiting); bounds memory.</summary>
    public int QueueDepth { get; init; } = 4;

    /// <summary>Folder of the decoded-frame cache (<see cref="FrameCache"/>), or null for no cache (the default).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// The fewest frames a training clip with this encoded label may be shortened to by the temporal
    /// rescale (the model's CTC minimum), or null for no per-clip floor. Lets a wide rescale keep every
    /// clip trainable instead of leaving the short ones out.
    /// </summary>
    public Func<long[], int>? ShortestClip { get; init; }

    /// <summary>Throws a <see cref="GlossaException"/> naming the first invalid field.</summary>
    public LoaderOptions Validate()
    {
        Frames.Validate();
        if (BatchSize < 1) throw new GlossaException($"loader options: batch size {BatchSize} must be at least 1");
        if (BucketChunkBatches < 1) throw new GlossaException($"loader options: bucket chunk {BucketChunkBatches} must be at least 1 batch");
        if (Workers is < 0 or > 64) throw new GlossaException($"loader options: workers {Workers} must be between 0 and 64");
        if (QueueDepth < 1) throw new GlossaException($"loader options: queue depth {QueueDepth} must be at least 1");
        if (CacheDirectory is { Length: 0 }) throw new GlossaException("loader options: cache directory is empty; give a folder or leave it unset");
        return this;
    }
}
