using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Glossa.Common;
using Glossa.Corpora;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Frames;

/// <summary>
/// Turns samples into padded <see cref="ClipBatch"/>es: decodes (or reads from the cache),
/// transforms, pads and encodes the CTC targets, with worker threads decoding ahead of the
/// consumer (TorchSharp has no DataLoader workers). The same seed gives the same batches with
/// any number of workers: every random draw comes from (seed, epoch, sample index).
/// </summary>
/// <remarks>
/// Padding repeats each clip's last frame up to the longest clip of the batch (the peers' edge
/// padding); <see cref="ClipBatch.Lengths"/> holds the real lengths. Workers write the pixels
/// straight into the batch tensor's memory (no intermediate buffer, no copy on the consumer's
/// thread, which is the training thread). Tensors made on a worker belong to no dispose scope:
/// dispose each <see cref="ClipBatch"/> after its step (or move its tensors into your scope).
/// </remarks>
public sealed class BatchLoader
{
    readonly IReadOnlyList<Sample> samples;
    readonly LoaderOptions options;
    readonly VideoDecoder video;
    readonly FrameCache? cache;
    readonly long[][] targets;
    readonly int[] lengthKeys;
    readonly int[] shortest;

    /// <summary>A loader over <paramref name="samples"/>; glosses are encoded with <paramref name="vocab"/> now (unknown ones counted).</summary>
    public BatchLoader(IReadOnlyList<Sample> samples, Vocabulary vocab, LoaderOptions options, VideoDecoder? video = null)
    {
        this.samples = samples;
        this.options = options.Validate();
        this.video = video ?? VideoDecoder.Default;
        cache = options.CacheDirectory is null ? null : new FrameCache(options.CacheDirectory);
        targets = new long[samples.Count][];
        lengthKeys = new int[samples.Count];
        shortest = new int[samples.Count];
        var unknown = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            targets[i] = vocab.Encode(s.Glosses, out int missing).Select(x => (long)x).ToArray();
            UnknownGlossCount += missing;
            if (missing > 0)
                foreach (var g in s.Glosses.Where(g => vocab.IndexOf(g) <= 0))
                    unknown[g] = unknown.GetValueOrDefault(g) + 1;
            int n = s.FrameCount;
            lengthKeys[i] = n < 0 || options.Frames.MaxFrames <= 0 ? n : Math.Min(n, options.Frames.MaxFrames);
            shortest[i] = options.ShortestClip?.Invoke(targets[i]) ?? 0;
        }
        UnknownGlosses = unknown;
    }

    /// <summary>The options in use.</summary>
    public LoaderOptions Options => options;

    /// <summary>Number of samples.</summary>
    public int Count => samples.Count;

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => (samples.Count + options.BatchSize - 1) / options.BatchSize;

    /// <summary>Gloss occurrences outside the vocabulary (dropped from the targets, not fatal).</summary>
    public int UnknownGlossCount { get; }

    /// <summary>Each unknown gloss and how often it occurs.</summary>
    public IReadOnlyDictionary<string, int> UnknownGlosses { get; }

    /// <summary>Counters: wait time, build time, batches, clips, frames.</summary>
    public LoaderStats Stats { get; } = new();

    /// <summary>Seconds the consumer has waited for data so far (see <see cref="LoaderStats.WaitSeconds"/>).</summary>
    public double WaitSeconds => Stats.WaitSeconds;

    /// <summary>The decoded-frame cache, when enabled.</summary>
    public FrameCache? Cache => cache;

    /// <summary>The batches of an epoch as sample indices (what <see cref="Epoch(int, CancellationToken)"/> will produce, in order).</summary>
    public IReadOnlyList<int[]> PlanEpoch(int epoch) => BatchPlanner.Plan(lengthKeys, options, epoch);

    /// <summary>
    /// The batches of one epoch, decoded ahead by <see cref="LoaderOptions.Workers"/> threads. The
    /// caller owns each batch (dispose it after the step). Stopping the enumeration early, or
    /// cancelling, stops the workers. A failing sample throws a <see cref="GlossaException"/>
    /// naming it when its batch is reached.
    /// </summary>
    public IEnumerable<ClipBatch> Epoch(int epoch, CancellationToken ct = default) => Epoch(epoch, 0, ct);

    /// <summary>The epoch's batches after the first <paramref name="skipBatches"/>, which are not built (an interrupted epoch continues;
    /// batch order and augmentation depend only on (seed, epoch, sample), so the rest are the same batches).</summary>
    public IEnumerable<ClipBatch> Epoch(int epoch, int skipBatches, CancellationToken ct = default)
    {
        var plan = skipBatches > 0 ? PlanEpoch(epoch).Skip(skipBatches).ToList() : PlanEpoch(epoch);
        return options.Workers == 0 ? Synchronous(plan, epoch, ct) : Prefetched(plan, epoch, ct);
    }

    /// <summary>Builds one batch from the given samples on the calling thread.</summary>
    public ClipBatch BuildBatch(IReadOnlyList<int> sampleIndices, int epoch = 0, CancellationToken ct = default) =>
        Build(sampleIndices, epoch, ct);

    IEnumerable<ClipBatch> Synchronous(IReadOnlyList<int[]> plan, int epoch, CancellationToken ct)
    {
        foreach (var indices in plan)
        {
            var sw = Stopwatch.StartNew();
            var batch = Build(indices, epoch, ct);
            Stats.AddWait(sw.Elapsed);
            Stats.AddBatch();
            yield return batch;
        }
    }

    IEnumerable<ClipBatch> Prefetched(IReadOnlyList<int[]> plan, int epoch, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = cts.Token;
        // One slot per batch, filled in any order, read in plan order; the window bounds how many
        // batches are built but not yet taken, and so the memory.
        var slots = new TaskCompletionSource<ClipBatch>[plan.Count];
        for (int i = 0; i < slots.Length; i++) slots[i] = new TaskCompletionSource<ClipBatch>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var window = new SemaphoreSlim(options.QueueDepth);
        int next = -1;

        void Work()
        {
            while (!token.IsCancellationRequested)
            {
                try { window.Wait(token); }
                catch (OperationCanceledException) { return; }
                int i = Interlocked.Increment(ref next);
                if (i >= plan.Count) return;
                try
                {
                    slots[i].SetResult(Build(plan[i], epoch, token));
                }
                catch (OperationCanceledException)
                {
                    slots[i].TrySetCanceled(token);
                    return;
                }
                catch (Exception e)
                {
                    slots[i].SetException(e);
                }
            }
        }

        int taken = 0;
        int workerCount = Math.Min(options.Workers, Math.Max(1, plan.Count));
        var workers = new Task[workerCount];
        for (int w = 0; w < workerCount; w++)
            workers[w] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            for (int i = 0; i < plan.Count; i++)
            {
                var sw = Stopwatch.StartNew();
                var task = slots[i].Task;
                try { task.Wait(token); }
                catch (AggregateException) { }
                var batch = task.GetAwaiter().GetResult();
                taken = i + 1;
                window.Release();
                Stats.AddWait(sw.Elapsed);
                Stats.AddBatch();
                yield return batch;
            }
        }
        finally
        {
            cts.Cancel();
            try { Task.WaitAll(workers); }
            catch (AggregateException) { }
            // Batches built but never handed out are ours to free.
            for (int i = taken; i < slots.Length; i++)
                if (slots[i].Task.IsCompletedSuccessfully)
                    slots[i].Task.Result.Dispose();
        }
    }

    ClipBatch Build(IReadOnlyList<int> indices, int epoch, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var o = options.Frames;
        int b = indices.Count;
        var clips = new DecodedClip[b];
        var rented = new byte[]?[b];
        var frameIdx = new int[b][];
        var augs = new ClipAugmentation[b];
        for (int k = 0; k < b; k++)
        {
            int s = indices[k];
            try
            {
                var rng = ClipRandom.For(options.Seed, epoch, s);
                (clips[k], frameIdx[k], rented[k]) = Prepare(samples[s], shortest[s], ref rng, ct);
                augs[k] = ClipTransform.Draw(o, options.Mode, ref rng, clips[k].Width, clips[k].Height);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new GlossaException($"sample '{samples[s].Id}' ({samples[s].Source}): {e.Message}", e);
            }
        }

        int t = frameIdx.Max(f => f.Length);
        int frameFloats = 3 * o.CropHeight * o.CropWidth;
        long totalBytes = (long)b * t * frameFloats * sizeof(float);
        if (totalBytes > int.MaxValue)
        {
            ReturnAll(rented);
            throw new GlossaException($"batch of {b} clips x {t} frames at {o.CropWidth}x{o.CropHeight} exceeds 2 GB; lower the batch size, max-frames or crop");
        }
        // (B, T, 3, H, W) float32, written in place: one pass from decoded bytes to the tensor.
        var frames = empty([b, t, 3, o.CropHeight, o.CropWidth], ScalarType.Float32);
        try
        {
            var all = MemoryMarshal.Cast<byte, float>(frames.bytes);
            var lengths = new long[b];
            var targetLengths = new long[b];
            var ids = new string[b];
            var glosses = new IReadOnlyList<string>[b];
            for (int k = 0; k < b; k++)
            {
                var dst = all.Slice(k * t * frameFloats, t * frameFloats);
                int n = frameIdx[k].Length;
                ClipTransform.Apply(clips[k], frameIdx[k], augs[k], o, dst);
                // Pad by repeating the last real frame (edge padding, as the peers do).
                var last = dst.Slice((n - 1) * frameFloats, frameFloats);
                for (int p = n; p < t; p++) last.CopyTo(dst.Slice(p * frameFloats, frameFloats));
                lengths[k] = n;
                targetLengths[k] = targets[indices[k]].Length;
                ids[k] = samples[indices[k]].Id;
                glosses[k] = samples[indices[k]].Glosses;
                Stats.AddClip(n);
            }
            var flatTargets = indices.SelectMany(i => targets[i]).ToArray();
            var batch = new ClipBatch(
                frames,
                tensor(lengths, ScalarType.Int64),
                flatTargets.Length == 0 ? zeros(0, ScalarType.Int64) : tensor(flatTargets, ScalarType.Int64),
                tensor(targetLengths, ScalarType.Int64),
                ids,
                glosses);
            Stats.AddBuild(sw.Elapsed);
            return batch;
        }
        catch
        {
            frames.Dispose();
            throw;
        }
        finally
        {
            ReturnAll(rented);
        }
    }

    static void ReturnAll(byte[]?[] rented)
    {
        foreach (var r in rented)
            if (r is not null) ArrayPool<byte>.Shared.Return(r);
    }

    /// <summary>The decoded clip, the frame indices to use, and the pooled buffer to give back (or null).</summary>
    (DecodedClip Clip, int[] Indices, byte[]? Rented) Prepare(Sample sample, int minFrames, ref ClipRandom rng, CancellationToken ct)
    {
        var o = options.Frames;
        var source = FrameSource.For(sample, video);
        var (rw, rh) = (o.ResizeWidth, o.ResizeHeight);
        if (o.ResizeShorterSide > 0)
        {
            var (nw, nh) = source.NativeSize();
            (rw, rh) = o.ResizeFor(nw, nh);
        }
        if (cache is not null)
        {
            var all = cache.GetOrDecode(source, rw, rh, ct);
            if (all.DecodeErrors is { } cachedErrors) Stats.AddDecodeErrors(sample, cachedErrors);
            RequireFrames(sample, all.Length, minFrames);
            return (all, ClipTransform.FrameIndices(all.Length, o, options.Mode, ref rng, minFrames), null);
        }
        if (source is FrameFileSource files)
        {
            // Frame files: decode only the frames the clip will use, in order, into a pooled buffer.
            RequireFrames(sample, files.KnownLength, minFrames);
            int[] wanted = ClipTransform.FrameIndices(files.KnownLength, o, options.Mode, ref rng, minFrames);
            long bytes = (long)wanted.Length * rw * rh * 3;
            byte[]? buffer = bytes <= Array.MaxLength ? ArrayPool<byte>.Shared.Rent((int)bytes) : null;
            try
            {
                var picked = files.Decode(rw, rh, wanted, buffer, ct);
                return (picked, Enumerable.Range(0, wanted.Length).ToArray(), buffer);
            }
            catch
            {
                if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }
        var clip = source.Decode(rw, rh, null, ct);
        if (clip.DecodeErrors is { } errors) Stats.AddDecodeErrors(sample, errors);
        RequireFrames(sample, clip.Length, minFrames);
        return (clip, ClipTransform.FrameIndices(clip.Length, o, options.Mode, ref rng, minFrames), null);
    }

    /// <summary>
    /// Stops with the sample's name when a clip, as decoded, has fewer frames than its label needs for CTC
    /// (<paramref name="minFrames"/>, training only): the temporal rescale would stretch it to fit and train on it
    /// silently. The run's start-up check leaves such clips out when their lengths are known; this catches a video
    /// whose length was not (ffprobe missing, or counting other frames than the decoder gives).
    /// </summary>
    void RequireFrames(Sample sample, int length, int minFrames)
    {
        int kept = options.Frames.MaxFrames > 0 ? Math.Min(length, options.Frames.MaxFrames) : length;
        if (minFrames > 0 && kept < minFrames)
            throw new GlossaException(
                $"it decodes to {kept} frames, fewer than the {minFrames} its {sample.Glosses.Count} glosses need for CTC at the model's temporal stride; " +
                "remove the clip from the corpus or fix its label ('glossa corpus check' lists every such clip when ffprobe can measure the videos)");
    }
}
