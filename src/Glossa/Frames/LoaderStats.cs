namespace Glossa.Frames;

/// <summary>Counters of a <see cref="BatchLoader"/>, cumulative over its epochs; safe to read while it runs.</summary>
public sealed class LoaderStats
{
    long waitTicks, buildTicks, batches, clips, frames;

    /// <summary>
    /// Seconds the consumer spent getting batches: waiting for the workers plus the one copy
    /// into the tensor (with 0 workers, all the decoding). Divide by the epoch time for the data-wait share.
    /// </summary>
    public double WaitSeconds => TimeSpan.FromTicks(Interlocked.Read(ref waitTicks)).TotalSeconds;

    /// <summary>Seconds spent decoding and augmenting, summed over workers.</summary>
    public double BuildSeconds => TimeSpan.FromTicks(Interlocked.Read(ref buildTicks)).TotalSeconds;

    /// <summary>Batches handed to the consumer.</summary>
    public long Batches => Interlocked.Read(ref batches);

    /// <summary>Clips built.</summary>
    public long Clips => Interlocked.Read(ref clips);

    /// <summary>Real (unpadded) frames written into batches.</summary>
    public long Frames => Interlocked.Read(ref frames);

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> decodeErrors = new(StringComparer.Ordinal);

    /// <summary>
    /// The clips whose video decoded with errors (damaged frames concealed or dropped), one line each naming the clip and
    /// the decoder's first error, in clip order; reported by training's log and evaluate's warnings.
    /// </summary>
    public IReadOnlyList<string> DecodeErrors => [.. decodeErrors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value)];

    internal void AddDecodeErrors(Corpora.Sample sample, string errors) =>
        decodeErrors.TryAdd(sample.Source, $"{sample.Id} ({sample.Source}): {sample.VideoPath} decodes with errors ({errors}): damaged frames are concealed or dropped; re-encode it from a sound copy");

    internal void AddWait(TimeSpan t) => Interlocked.Add(ref waitTicks, t.Ticks);
    internal void AddBuild(TimeSpan t) => Interlocked.Add(ref buildTicks, t.Ticks);
    internal void AddBatch() => Interlocked.Increment(ref batches);
    internal void AddClip(int realFrames)
    {
        Interlocked.Increment(ref clips);
        Interlocked.Add(ref frames, realFrames);
    }
}
