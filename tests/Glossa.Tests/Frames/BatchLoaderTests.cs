using Glossa.Common;
using Glossa.Corpora;
using Glossa.Frames;

namespace Glossa.Tests.Frames;

public sealed class BatchLoaderTests : IDisposable
{
    readonly FrameTestData data = new();
    static readonly FrameOptions Small = FrameOptions.Square(20, 16) with
    {
        RescaleMinFrames = 2, RescaleMaxFrames = 64, Brightness = 0.2, Contrast = 0.2, Saturation = 0.2,
    };

    public void Dispose() => data.Dispose();

    List<Sample> Samples(int count, Func<int, int> length) =>
        Enumerable.Range(0, count).Select(i => data.Sample($"s{i:D2}", length(i), 24, 22, "A", i % 2 == 0 ? "B" : "C")).ToList();

    static LoaderOptions Train(int workers = 0) => new() { Frames = Small, BatchSize = 2, Workers = workers, Seed = 7, BucketChunkBatches = 2 };

    static List<(string[] Ids, float[] Frames, long[] Lengths, long[] Targets)> Run(BatchLoader loader, int epoch) =>
        loader.Epoch(epoch).Select(b =>
        {
            using (b)
                return (b.Ids.ToArray(), b.Frames.data<float>().ToArray(), b.Lengths.data<long>().ToArray(), b.Targets.data<long>().ToArray());
        }).ToList();

    [Fact]
    public void A_wide_temporal_rescale_keeps_each_training_clip_as_long_as_its_label_needs()
    {
        var samples = new List<Sample> { data.Sample("tight", 14, 24, 22, "A", "B", "C"), data.Sample("loose", 40, 24, 22, "A", "B") };
        var options = new LoaderOptions
        {
            Frames = Small with { TemporalRescale = 0.9, RescaleMinFrames = 1 },
            BatchSize = 1,
            Workers = 0,
            ShortestClip = Glossa.Training.TrainingJob.ShortestInput(n => n / 4),
        };
        var loader = new BatchLoader(samples, FrameTestData.Vocab("A", "B", "C"), options);
        var lengths = Enumerable.Range(0, 20).SelectMany(e => Run(loader, e)).ToLookup(b => b.Ids[0], b => b.Lengths[0]);
        Assert.All(lengths["tight"], n => Assert.InRange(n, 12, 26)); // 3 glosses at stride 4 need 12 frames
        Assert.Contains(12L, lengths["tight"]);                          // the floor binds: 0.1 to 0.9 x 14 would go lower
        Assert.All(lengths["loose"], n => Assert.InRange(n, 8, 76));     // 2 glosses: 8 frames
        Assert.Contains(lengths["loose"], n => n < 20);                  // a clip with room is still shortened freely
    }

    [Fact]
    public void Padding_repeats_the_last_frame_and_lengths_are_real()
    {
        var samples = new List<Sample> { data.Sample("short", 3, 24, 22, "A"), data.Sample("long", 5, 24, 22, "B", "A") };
        var options = new LoaderOptions { Frames = Small, Mode = FrameMode.Eval, BatchSize = 2, Workers = 0 };
        var loader = new BatchLoader(samples, FrameTestData.Vocab("A", "B"), options);

        using var batch = loader.Epoch(0).Single();

        Assert.Equal([2L, 5, 3, 16, 16], batch.Frames.shape);
        Assert.Equal([3L, 5L], batch.Lengths.data<long>().ToArray());
        Assert.Equal(["short", "long"], batch.Ids);
        var f = batch.Frames.data<float>().ToArray();
        int frame = 3 * 16 * 16;
        var last = f.AsSpan(2 * frame, frame).ToArray();
        Assert.Equal(last, f.AsSpan(3 * frame, frame).ToArray());
        Assert.Equal(last, f.AsSpan(4 * frame, frame).ToArray());
        Assert.NotEqual(last, f.AsSpan(1 * frame, frame).ToArray());
        // The second clip's frames really differ from each other (no padding inside).
        Assert.NotEqual(f.AsSpan(5 * frame + 3 * frame, frame).ToArray(), f.AsSpan(5 * frame + 4 * frame, frame).ToArray());
    }

    [Fact]
    public void Targets_are_concatenated_and_unknown_glosses_counted()
    {
        var samples = new List<Sample>
        {
            data.Sample("a", 2, 24, 22, "A", "B"),
            data.Sample("b", 2, 24, 22, "B", "ZZZ", "C", "ZZZ"),
        };
        var options = new LoaderOptions { Frames = Small, Mode = FrameMode.Eval, BatchSize = 2, Workers = 0 };
        var vocab = FrameTestData.Vocab("A", "B", "C");
        var loader = new BatchLoader(samples, vocab, options);

        using var batch = loader.Epoch(0).Single();

        Assert.Equal([1L, 2, 2, 3], batch.Targets.data<long>().ToArray());
        Assert.Equal([2L, 2], batch.TargetLengths.data<long>().ToArray());
        Assert.Equal(2, loader.UnknownGlossCount);
        Assert.Equal(2, loader.UnknownGlosses["ZZZ"]);
        Assert.Equal(["B", "ZZZ", "C", "ZZZ"], batch.Glosses[1]);
    }

    [Fact]
    public void Same_seed_gives_same_batches_and_another_epoch_differs()
    {
        var samples = Samples(6, i => 3 + i % 3);
        var vocab = FrameTestData.Vocab("A", "B", "C");

        var first = Run(new BatchLoader(samples, vocab, Train()), 1);
        var again = Run(new BatchLoader(samples, vocab, Train()), 1);
        var parallel = Run(new BatchLoader(samples, vocab, Train(workers: 3)), 1);
        var other = Run(new BatchLoader(samples, vocab, Train()), 2);

        Assert.Equal(first.Count, again.Count);
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].Ids, again[i].Ids);
            Assert.Equal(first[i].Frames, again[i].Frames);
            Assert.Equal(first[i].Ids, parallel[i].Ids);
            Assert.Equal(first[i].Frames, parallel[i].Frames);
            Assert.Equal(first[i].Lengths, parallel[i].Lengths);
        }
        // Epoch 2: a different order or different augmentation of the same clip.
        Assert.False(first.Select(b => string.Join(",", b.Ids)).SequenceEqual(other.Select(b => string.Join(",", b.Ids))) &&
                     first.Zip(other).All(p => p.First.Frames.SequenceEqual(p.Second.Frames)));
        var clipA1 = first.Single(b => b.Ids.Contains("s00"));
        var clipA2 = other.Single(b => b.Ids.Contains("s00"));
        Assert.False(clipA1.Frames.SequenceEqual(clipA2.Frames), "augmentation of s00 should change between epochs");
    }

    [Fact]
    public void Eval_mode_is_input_order_and_identical_across_epochs_and_seeds()
    {
        var samples = Samples(5, i => 2 + i);
        var vocab = FrameTestData.Vocab("A", "B", "C");
        var eval = new LoaderOptions { Frames = Small with { FlipProbability = 1 }, Mode = FrameMode.Eval, BatchSize = 2, Workers = 2 };

        var a = Run(new BatchLoader(samples, vocab, eval), 0);
        var b = Run(new BatchLoader(samples, vocab, eval with { Seed = 99 }), 5);

        Assert.Equal(["s00", "s01", "s02", "s03", "s04"], a.SelectMany(x => x.Ids));
        Assert.Equal(a.Select(x => x.Frames), b.Select(x => x.Frames));
        Assert.Equal([2L, 3, 4, 5, 6], a.SelectMany(x => x.Lengths));
    }

    [Fact]
    public void Bucketing_groups_similar_lengths()
    {
        var lengths = Enumerable.Range(0, 400).Select(i => (i * 37) % 200 + 10).ToArray();
        var options = new LoaderOptions { BatchSize = 4, BucketChunkBatches = 25, Seed = 3 };

        var plan = BatchPlanner.Plan(lengths, options, epoch: 0);
        var unbucketed = BatchPlanner.Plan(lengths, options with { BucketChunkBatches = 1 }, epoch: 0);

        Assert.Equal(Enumerable.Range(0, 400), plan.SelectMany(b => b).Order());
        double Spread(IReadOnlyList<int[]> p) => p.Average(b => b.Max(i => lengths[i]) - b.Min(i => lengths[i]));
        Assert.True(Spread(plan) * 5 < Spread(unbucketed), $"bucketed spread {Spread(plan)} vs {Spread(unbucketed)}");
        // The batches are shuffled: not sorted by length overall.
        var firstLengths = plan.Select(b => lengths[b[0]]).ToList();
        Assert.NotEqual(firstLengths.Order(), firstLengths);
        Assert.NotEqual(plan.Select(b => b[0]), BatchPlanner.Plan(lengths, options, epoch: 1).Select(b => b[0]));
    }

    [Fact]
    public void Prefetch_returns_exactly_the_synchronous_batches_and_reports_wait()
    {
        var samples = Samples(9, i => 2 + i % 4);
        var vocab = FrameTestData.Vocab("A", "B", "C");
        var syncLoader = new BatchLoader(samples, vocab, Train(workers: 0));
        var prefetchLoader = new BatchLoader(samples, vocab, Train(workers: 2) with { QueueDepth = 2 });

        var sync = Run(syncLoader, 3);
        var pre = Run(prefetchLoader, 3);

        Assert.Equal(5, pre.Count);
        Assert.Equal(sync.Select(b => b.Ids), pre.Select(b => b.Ids));
        Assert.Equal(sync.Select(b => b.Frames), pre.Select(b => b.Frames));
        Assert.Equal(sync.Select(b => b.Targets), pre.Select(b => b.Targets));
        Assert.Equal(5, prefetchLoader.Stats.Batches);
        Assert.Equal(9, prefetchLoader.Stats.Clips);
        Assert.True(prefetchLoader.WaitSeconds > 0);
        Assert.True(syncLoader.Stats.BuildSeconds > 0);
    }

    [Fact]
    public void Worker_exception_surfaces_with_the_sample_id()
    {
        var samples = Samples(6, _ => 2);
        File.WriteAllBytes(samples[4].FramePaths[1], [0, 1, 2, 3]);
        var options = new LoaderOptions { Frames = Small, Mode = FrameMode.Eval, BatchSize = 2, Workers = 2, QueueDepth = 1 };
        var loader = new BatchLoader(samples, FrameTestData.Vocab("A", "B", "C"), options);

        var seen = new List<string>();
        var e = Assert.Throws<GlossaException>(() =>
        {
            foreach (var b in loader.Epoch(0))
                using (b) seen.AddRange(b.Ids);
        });

        Assert.Contains("sample 's04'", e.Message);
        Assert.Contains(samples[4].FramePaths[1], e.Message);
        Assert.Equal(["s00", "s01", "s02", "s03"], seen);
    }

    [Fact]
    public void Stopping_early_or_cancelling_ends_the_workers()
    {
        var samples = Samples(10, _ => 2);
        var loader = new BatchLoader(samples, FrameTestData.Vocab("A", "B", "C"), Train(workers: 2) with { QueueDepth = 1 });

        foreach (var b in loader.Epoch(0).Take(1)) b.Dispose();

        using var cts = new CancellationTokenSource();
        var ex = Record.Exception(() =>
        {
            foreach (var b in loader.Epoch(1, cts.Token))
            {
                b.Dispose();
                cts.Cancel();
            }
        });
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
    }

    [Fact]
    public void Cache_round_trips_and_rebuilds_damaged_files()
    {
        var samples = Samples(3, i => 3 + i);
        var vocab = FrameTestData.Vocab("A", "B", "C");
        string cacheDir = Path.Combine(data.Root, "cache");
        var plain = Run(new BatchLoader(samples, vocab, Train()), 0);

        var cold = new BatchLoader(samples, vocab, Train() with { CacheDirectory = cacheDir });
        var first = Run(cold, 0);
        Assert.Equal(3, cold.Cache!.Misses);
        var files = Directory.GetFiles(cacheDir, "*.u8");
        Assert.Equal(3, files.Length);
        Assert.Empty(Directory.GetFiles(cacheDir, "*.tmp"));

        // Truncate one file, corrupt the header of another.
        var longest = files.OrderBy(f => new FileInfo(f).Length).ToArray();
        using (var fs = new FileStream(longest[2], FileMode.Open)) fs.SetLength(fs.Length - 10);
        var bytes = File.ReadAllBytes(longest[0]);
        bytes[0] = (byte)'X';
        File.WriteAllBytes(longest[0], bytes);

        var warm = new BatchLoader(samples, vocab, Train() with { CacheDirectory = cacheDir });
        var second = Run(warm, 0);
        Assert.Equal(1, warm.Cache!.Hits);
        Assert.Equal(2, warm.Cache.Rebuilds);

        Assert.Equal(plain.Select(b => b.Frames), first.Select(b => b.Frames));
        Assert.Equal(plain.Select(b => b.Frames), second.Select(b => b.Frames));
        var clip = FrameCache.TryRead(longest[2], 20, 20);
        Assert.NotNull(clip);
        Assert.Null(FrameCache.TryRead(longest[2], 24, 20));
    }
}

public sealed class ShorterSideResizeTests : IDisposable
{
    readonly FrameTestData data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Clips_of_different_aspect_ratios_share_a_batch_after_the_crop()
    {
        var wide = new Sample("wide", "train", "s", ["A"], data.Clip("wide", 3, 40, 20), null, "t:1");
        var tall = new Sample("tall", "train", "s", ["A"], data.Clip("tall", 2, 20, 40), null, "t:2");
        var frames = new FrameOptions { ResizeShorterSide = 16, CropWidth = 12, CropHeight = 12 };
        Assert.Equal((32, 16), frames.ResizeFor(40, 20));
        Assert.Equal((16, 32), frames.ResizeFor(20, 40));

        foreach (var mode in new[] { FrameMode.Eval, FrameMode.Train })
        {
            var options = new LoaderOptions { Frames = frames with { RescaleMinFrames = 1 }, Mode = mode, BatchSize = 2, Workers = 0 };
            var loader = new BatchLoader([wide, tall], FrameTestData.Vocab("A"), options);
            using var batch = loader.BuildBatch([0, 1]);
            Assert.Equal(new long[] { 2, batch.Frames.shape[1], 3, 12, 12 }, batch.Frames.shape);
        }

        // Eval: the centre crop of the 32x16 resize of the wide clip starts at x = 10, y = 2.
        var eval = new LoaderOptions { Frames = frames, Mode = FrameMode.Eval, BatchSize = 1, Workers = 0 };
        using var one = new BatchLoader([wide], FrameTestData.Vocab("A"), eval).BuildBatch([0]);
        var expected = new byte[32 * 16 * 3];
        ImageDecoder.DecodeResized(wide.FramePaths[0], 32, 16, expected);
        float r00 = one.Frames[0, 0, 0, 0, 0].item<float>();
        Assert.Equal(expected[(2 * 32 + 10) * 3] / 127.5f - 1f, r00, 5);
    }

    [Fact]
    public void Crop_larger_than_shorter_side_is_rejected()
    {
        var e = Assert.Throws<GlossaException>(() => new FrameOptions { ResizeShorterSide = 100, CropWidth = 112, CropHeight = 112 }.Validate());
        Assert.Contains("shorter side", e.Message);
    }
}
