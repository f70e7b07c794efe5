using Glossa.Corpora;
using Glossa.Frames;
using Glossa.Training;
using static TorchSharp.torch;

namespace Glossa.Tests.Training;

/// <summary>
/// Random but learnable clips for trainer tests: each gloss is a fixed colour, shown for 6 frames
/// with noise; data order depends only on (seed, epoch) like the real batch loader's.
/// </summary>
internal static class TinyData
{
    public const int Side = 16;
    public const int FramesPerGloss = 6;

    public static Vocabulary Vocabulary(int glosses = 6) =>
        Glossa.Corpora.Vocabulary.FromGlosses(Enumerable.Range(0, glosses).Select(i => $"G{i}"));

    public sealed record Clip(string Id, int[] Classes);

    public static List<Clip> Clips(Vocabulary vocab, int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            int n = rng.Next(2, 5);
            var classes = Enumerable.Range(0, n).Select(_ => rng.Next(1, vocab.Count)).ToArray();
            return new Clip($"clip{seed}_{i:D3}", classes);
        }).ToList();
    }

    /// <summary>Builds a padded batch from clips; deterministic given the clips and <paramref name="noiseSeed"/>.</summary>
    public static ClipBatch Batch(Vocabulary vocab, IReadOnlyList<Clip> clips, int noiseSeed, float nanAt = -1)
    {
        var colours = Colours(vocab.Count);
        int maxT = clips.Max(c => c.Classes.Length) * FramesPerGloss;
        var frames = new float[clips.Count * maxT * 3 * Side * Side];
        var rng = new Random(noiseSeed);
        for (int b = 0; b < clips.Count; b++)
            for (int g = 0; g < clips[b].Classes.Length; g++)
                for (int f = 0; f < FramesPerGloss; f++)
                {
                    int t = g * FramesPerGloss + f;
                    for (int ch = 0; ch < 3; ch++)
                        for (int p = 0; p < Side * Side; p++)
                            frames[(((b * maxT) + t) * 3 + ch) * Side * Side + p] = colours[clips[b].Classes[g], ch] + (float)(rng.NextDouble() - 0.5) * 0.3f;
                }
        if (nanAt >= 0) frames[0] = float.NaN;
        var targets = clips.SelectMany(c => c.Classes.Select(x => (long)x)).ToArray();
        return new ClipBatch(
            tensor(frames).reshape(clips.Count, maxT, 3, Side, Side), // (B,T,3,H,W)
            tensor(clips.Select(c => (long)c.Classes.Length * FramesPerGloss).ToArray()),
            tensor(targets),
            tensor(clips.Select(c => (long)c.Classes.Length).ToArray()),
            clips.Select(c => c.Id).ToArray(),
            clips.Select(c => (IReadOnlyList<string>)vocab.Decode(c.Classes)).ToArray());
    }

    static float[,] Colours(int classes)
    {
        var rng = new Random(7);
        var c = new float[classes, 3];
        for (int i = 0; i < classes; i++)
            for (int ch = 0; ch < 3; ch++)
                c[i, ch] = (float)(rng.NextDouble() * 2 - 1);
        return c;
    }

    /// <summary>Training data over fixed clips, shuffled per epoch from (seed, epoch).</summary>
    public static TrainingData Data(Vocabulary vocab, List<Clip> train, List<Clip> val, int batchSize, int seed, Func<int, int, bool>? plantNaN = null)
    {
        IEnumerable<ClipBatch> TrainBatches(int epoch)
        {
            var order = train.OrderBy(_ => 0).ToList();
            var rng = new Random(seed * 1000 + epoch);
            for (int i = order.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
            for (int i = 0, k = 0; i < order.Count; i += batchSize, k++)
                yield return Batch(vocab, order.Skip(i).Take(batchSize).ToList(), seed * 7919 + epoch * 131 + k,
                    plantNaN?.Invoke(epoch, k) == true ? 0 : -1);
        }
        IEnumerable<ClipBatch> ValBatches()
        {
            for (int i = 0; i < val.Count; i += batchSize)
                yield return Batch(vocab, val.Skip(i).Take(batchSize).ToList(), 99 + i);
        }
        return new TrainingData(TrainBatches, ValBatches, (train.Count + batchSize - 1) / batchSize, train.Count, val.Count);
    }
}
