namespace Glossa.Frames;

/// <summary>
/// Which samples go into which batch, per epoch. Training: a seeded shuffle, then within random
/// chunks of <see cref="LoaderOptions.BucketChunkBatches"/> batches the clips are sorted by length
/// (similar lengths share a batch, so little padding), then the batch order is shuffled.
/// Evaluation: the input order, cut into consecutive batches.
/// </summary>
public static class BatchPlanner
{
    /// <summary>Batches of sample indices. Unknown lengths (videos, -1) sort as equal.</summary>
    public static IReadOnlyList<int[]> Plan(IReadOnlyList<int> lengths, LoaderOptions o, int epoch)
    {
        int n = lengths.Count, bs = o.BatchSize;
        var order = Enumerable.Range(0, n).ToArray();
        if (o.Mode != FrameMode.Train) return Cut(order, bs);

        var rng = ClipRandom.For(o.Seed, epoch, -1);
        rng.Shuffle(order);
        int chunk = bs * o.BucketChunkBatches;
        var batches = new List<int[]>((n + bs - 1) / bs);
        for (int start = 0; start < n; start += chunk)
        {
            // Stable sort: equal lengths keep their shuffled order.
            var part = order.Skip(start).Take(chunk).OrderBy(i => lengths[i]).ToArray();
            batches.AddRange(Cut(part, bs));
        }
        rng.Shuffle(batches);
        return batches;
    }

    static List<int[]> Cut(int[] order, int bs)
    {
        var batches = new List<int[]>();
        for (int i = 0; i < order.Length; i += bs)
            batches.Add(order[i..Math.Min(order.Length, i + bs)]);
        return batches;
    }
}
