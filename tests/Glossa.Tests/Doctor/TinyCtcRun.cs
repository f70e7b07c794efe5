using Glossa.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Tests.Doctor;

/// <summary>
/// A real, tiny CTC training run (TorchSharp, CPU, a few seconds) on synthetic sequences: each
/// gloss is a fixed random feature vector shown for a few frames with noise; a frame-wise MLP +
/// GRU predicts glosses. It measures what the trainer will measure (losses, WER, blank share,
/// empty rate, length ratio, gradient norms) so the doctor can be tested live on a run that
/// learns and on one made to collapse.
/// </summary>
internal sealed class TinyCtcRun
{
    public double LearningRate { get; init; } = 3e-3;
    public int Epochs { get; init; } = 8;
    public int Glosses { get; init; } = 6;
    public int FramesPerGloss { get; init; } = 5;
    public int TrainClips { get; init; } = 96;
    public int DevClips { get; init; } = 32;
    public int BatchSize { get; init; } = 8;
    public int Seed { get; init; } = 7;
    /// <summary>Pairs each training clip with another clip's labels: the inputs no longer explain the labels.</summary>
    public bool ShuffleLabels { get; init; }
    /// <summary>A GRU over the frame features (true) or a frame-wise MLP only (false).</summary>
    public bool Recurrent { get; init; } = true;
    const int Dim = 12;

    sealed class Net : nn.Module<Tensor, Tensor>
    {
        readonly nn.Module<Tensor, Tensor> proj;
        readonly TorchSharp.Modules.GRU? gru;
        readonly nn.Module<Tensor, Tensor> head;
        public Net(int classes, bool recurrent) : base("tiny")
        {
            proj = nn.Sequential(nn.Linear(Dim, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU());
            gru = recurrent ? nn.GRU(32, 32, batchFirst: true, bidirectional: true) : null;
            head = nn.Linear(recurrent ? 64 : 32, classes);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = proj.call(x);                  // (B,T,D) -> (B,T,32)
            if (gru is not null)
                (h, _) = gru.call(h);              // (B,T,32) -> (B,T,64)
            return head.call(h).log_softmax(-1).MoveToOuterDisposeScope(); // (B,T,C)
        }
    }

    /// <summary>Runs the training, calling <paramref name="onEpoch"/> after each epoch; stops early when it returns false.</summary>
    public List<EpochMetrics> Run(Func<EpochMetrics, bool>? onEpoch = null)
    {
        torch.manual_seed(Seed);
        var rng = new Random(Seed);
        var protos = torch.randn(Glosses + 1, Dim) * 2;
        var train = MakeClips(rng, TrainClips, protos);
        var dev = MakeClips(rng, DevClips, protos);
        if (ShuffleLabels)
        {
            var labels = train.Select(c => c.Y).OrderBy(_ => rng.Next()).ToList();
            train = train.Select((c, i) => (c.X, labels[i])).ToList();
        }
        int threads = torch.get_num_threads();
        torch.set_num_threads(1); // tiny tensors: threads only fight over the shared cores (100x faster here)
        try { return Train(protos, train, dev, rng, onEpoch); }
        finally { torch.set_num_threads(threads); }
    }

    List<EpochMetrics> Train(Tensor protos, List<(float[,] X, int[] Y)> train, List<(float[,] X, int[] Y)> dev, Random rng, Func<EpochMetrics, bool>? onEpoch)
    {
        using var model = new Net(Glosses + 1, Recurrent);
        var opt = torch.optim.Adam(model.parameters(), lr: LearningRate);
        var ctc = nn.CTCLoss(blank: 0, reduction: nn.Reduction.Mean, zero_infinity: true);
        var history = new List<EpochMetrics>();
        long steps = 0;
        for (int epoch = 1; epoch <= Epochs; epoch++)
        {
            model.train();
            double sum = 0, max = 0, gsum = 0, gmax = 0;
            int n = 0;
            foreach (var batch in Batches(train, rng))
            {
                using var scope = NewDisposeScope();
                opt.zero_grad();
                var (x, y, xl, yl) = Collate(batch);
                var lp = model.call(x).transpose(0, 1); // (B,T,C) -> (T,B,C) for CTC
                var loss = ctc.call(lp, y, xl, yl);
                loss.backward();
                double g = nn.utils.clip_grad_norm_(model.parameters(), max_norm: 1e9);
                opt.step();
                double l = loss.item<float>();
                sum += l; max = Math.Max(max, l); gsum += g; gmax = Math.Max(gmax, g);
                n++; steps++;
            }
            var m = Evaluate(model, dev, ctc) with
            {
                Epoch = epoch,
                TrainLoss = sum / n,
                TrainLossMax = max,
                GradNormMean = gsum / n,
                GradNormMax = gmax,
                LearningRate = LearningRate,
                Steps = steps,
            };
            history.Add(m);
            if (onEpoch is not null && !onEpoch(m)) break;
        }
        return history;
    }

    EpochMetrics Evaluate(Net model, List<(float[,] X, int[] Y)> dev, nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor> ctc)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (x, y, xl, yl) = Collate(dev);
        var lp = model.call(x);                                   // (B,T,C)
        double loss = ctc.call(lp.transpose(0, 1), y, xl, yl).item<float>();
        var best = lp.argmax(-1);                                 // (B,T)
        long blank = 0, frames = 0, empty = 0, hypLen = 0, refLen = 0, errors = 0;
        var samples = new List<PredictionSample>();
        for (int b = 0; b < dev.Count; b++)
        {
            int T = dev[b].X.GetLength(0);
            var path = best[b].slice(0, 0, T, 1).data<long>().ToArray();
            blank += path.Count(p => p == 0);
            frames += T;
            var hyp = new List<int>();
            long prev = -1;
            foreach (long p in path)
            {
                if (p != prev && p != 0) hyp.Add((int)p);
                prev = p;
            }
            if (hyp.Count == 0) empty++;
            hypLen += hyp.Count; refLen += dev[b].Y.Length;
            errors += Edit(dev[b].Y, hyp);
            if (b < 5) samples.Add(new PredictionSample($"dev{b}", string.Join(' ', dev[b].Y.Select(g => "G" + g)), string.Join(' ', hyp.Select(g => "G" + g))));
        }
        return new EpochMetrics
        {
            ValLoss = loss,
            ValWer = 100.0 * errors / refLen,
            BlankRatio = (double)blank / frames,
            EmptyRate = (double)empty / dev.Count,
            LengthRatio = (double)hypLen / refLen,
            Samples = samples,
        };
    }

    static int Edit(int[] r, List<int> h)
    {
        var d = new int[r.Length + 1, h.Count + 1];
        for (int i = 0; i <= r.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= h.Count; j++) d[0, j] = j;
        for (int i = 1; i <= r.Length; i++)
            for (int j = 1; j <= h.Count; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1));
        return d[r.Length, h.Count];
    }

    List<(float[,] X, int[] Y)> MakeClips(Random rng, int count, Tensor protos)
    {
        var p = protos.data<float>().ToArray();
        var clips = new List<(float[,], int[])>();
        for (int c = 0; c < count; c++)
        {
            int len = rng.Next(3, 6);
            var y = new int[len];
            for (int i = 0; i < len; i++)
                do y[i] = rng.Next(1, Glosses + 1); while (i > 0 && y[i] == y[i - 1]);
            int T = len * FramesPerGloss + 4;
            var x = new float[T, Dim];
            for (int t = 0; t < T; t++)
            {
                int k = t < 2 || t >= T - 2 ? 0 : y[(t - 2) / FramesPerGloss]; // 2 rest frames at each end
                for (int d = 0; d < Dim; d++)
                    x[t, d] = p[k * Dim + d] + (float)(rng.NextDouble() - 0.5);
            }
            clips.Add((x, y));
        }
        return clips;
    }

    IEnumerable<List<(float[,] X, int[] Y)>> Batches(List<(float[,] X, int[] Y)> data, Random rng)
    {
        var order = Enumerable.Range(0, data.Count).OrderBy(_ => rng.Next()).ToList();
        for (int i = 0; i < order.Count; i += BatchSize)
            yield return order.Skip(i).Take(BatchSize).Select(j => data[j]).ToList();
    }

    static (Tensor X, Tensor Y, Tensor XLen, Tensor YLen) Collate(List<(float[,] X, int[] Y)> batch)
    {
        int T = batch.Max(b => b.X.GetLength(0));
        int L = batch.Max(b => b.Y.Length);
        var x = new float[batch.Count * T * Dim];
        var y = new long[batch.Count * L];
        for (int b = 0; b < batch.Count; b++)
        {
            var bx = batch[b].X;
            for (int t = 0; t < bx.GetLength(0); t++)
                for (int d = 0; d < Dim; d++)
                    x[(b * T + t) * Dim + d] = bx[t, d];
            for (int l = 0; l < batch[b].Y.Length; l++)
                y[b * L + l] = batch[b].Y[l];
        }
        return (tensor(x).reshape(batch.Count, T, Dim), tensor(y).reshape(batch.Count, L),
            tensor(batch.Select(b => (long)b.X.GetLength(0)).ToArray()), tensor(batch.Select(b => (long)b.Y.Length).ToArray()));
    }
}
