using System.Diagnostics;
using Glossa.Common;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// Times what training and inference cost for a model: one training step is forward, CTC loss,
/// backward and an AdamW update on random frames (batch x frames x 3 x size x size, all frames
/// valid); inference is an eval-mode forward without gradients. Reports the median over the
/// timed repetitions after warm-up. bench/models/bench_models.py does the same in PyTorch.
/// </summary>
public static class ModelBenchmark
{
    /// <summary>Median and all timings in milliseconds.</summary>
    public sealed record Timing(double MedianMs, IReadOnlyList<double> SamplesMs);

    /// <summary>Median wall time of a full training step.</summary>
    public static Timing TrainStep(CslrModel model, int batch, int frames, int size, int warmup, int steps, int seed = 0, bool channelsLast = false)
    {
        manual_seed(seed);
        model.train();
        if (channelsLast)
            model.ChannelsLast = true;                 // otherwise the layout training uses (the backbone's preference)
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-4, weight_decay: 1e-4);
        using var input = rand([batch, frames, 3, size, size]).mul_(2).sub_(1);
        using var lengths = full(batch, (long)frames, dtype: int64);
        int labelLength = (int)Math.Max(1, Math.Min(10, model.ComputeOutputLength(frames) / 2));
        using var targets = randint(1, model.Config.NumClasses, [batch * labelLength], dtype: int64);
        using var targetLengths = full(batch, (long)labelLength, dtype: int64);
        var samples = new List<double>();
        for (int i = 0; i < warmup + steps; i++)
        {
            var watch = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                optimizer.zero_grad();
                var output = model.call(input, lengths);
                var logProbs = output.Logits.log_softmax(2).transpose(0, 1);    // (B,T',C) -> (T',B,C)
                var loss = nn.functional.ctc_loss(logProbs, targets, output.Lengths, targetLengths, zero_infinity: true);
                loss.backward();
                optimizer.step();
                _ = loss.item<float>();
            }
            if (i >= warmup)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return new Timing(Median(samples), samples);
    }

    /// <summary>Median wall time of an eval-mode forward of one clip (divide frames by it for frames/s).</summary>
    public static Timing Inference(CslrModel model, int batch, int frames, int size, int warmup, int steps, int seed = 0)
    {
        model.eval();
        using var noGrad = no_grad();
        return TimeForward((x, l) => model.call(x, l), batch, frames, size, warmup, steps, seed);
    }

    /// <summary>
    /// Median wall time of one clip through the inference path (<see cref="Inference.FusedModel"/>:
    /// folded BatchNorm, channels-last, inference mode) in <paramref name="precision"/>.
    /// </summary>
    public static Timing FusedInference(CslrModel model, Glossa.Models.Inference.InferencePrecision precision, int batch, int frames, int size, int warmup, int steps, int seed = 0)
    {
        using var fast = Glossa.Models.Inference.FusedModel.Create(model, precision);
        return TimeForward(fast.Forward, batch, frames, size, warmup, steps, seed);
    }

    /// <summary>
    /// Median wall time of one clip through ONNX Runtime on the CPU (the default engine of
    /// <c>evaluate</c> and <c>recognize</c> in fp32: <see cref="Onnx.OnnxModel.FromModel"/>), with
    /// <paramref name="threads"/> intra-op threads; opening the session is not timed.
    /// </summary>
    public static Timing OnnxInference(CslrModel model, int frames, int size, int warmup, int steps, int threads, int seed = 0)
    {
        model.eval();
        using var onnx = Onnx.OnnxModel.FromModel(model, threads);
        manual_seed(seed);
        float[] pixels;
        using (var input = rand([frames, 3, size, size]).mul_(2).sub_(1))                       // (T,3,S,S) in [-1,1)
            pixels = input.data<float>().ToArray();
        var samples = new List<double>();
        for (int i = 0; i < warmup + steps; i++)
        {
            var watch = Stopwatch.StartNew();
            _ = onnx.LogProbs(pixels, frames, size, size, out _);
            if (i >= warmup)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return new Timing(Median(samples), samples);
    }

    /// <summary>Times <paramref name="forward"/> on one random clip batch; the logits are read back so the work is really done.</summary>
    static Timing TimeForward(Func<Tensor, Tensor, CslrOutput> forward, int batch, int frames, int size, int warmup, int steps, int seed)
    {
        manual_seed(seed);
        using var input = rand([batch, frames, 3, size, size]).mul_(2).sub_(1);                 // (B,T,3,S,S) in [-1,1)
        using var lengths = full(batch, (long)frames, dtype: int64);
        var samples = new List<double>();
        for (int i = 0; i < warmup + steps; i++)
        {
            var watch = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                var output = forward(input, lengths);
                _ = output.Logits.sum().item<float>();
            }
            if (i >= warmup)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return new Timing(Median(samples), samples);
    }

    /// <summary>
    /// Median milliseconds of the parts of a training step, to locate a gap to PyTorch: backbone
    /// forward, backbone forward + backward, head (temporal layers, classifier, CTC) forward +
    /// backward on fixed features, and the AdamW update.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Profile(CslrModel model, int batch, int frames, int size, int warmup, int steps)
    {
        manual_seed(0);
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-4, weight_decay: 1e-4);
        using var input = rand([batch, frames, 3, size, size]).mul_(2).sub_(1);
        using var lengths = full(batch, (long)frames, dtype: int64);
        var parts = new Dictionary<string, List<double>> { ["backbone_forward"] = [], ["backbone_forward_backward"] = [], ["head_forward_backward"] = [], ["adamw_step"] = [] };
        for (int i = 0; i < warmup + steps; i++)
        {
            using var scope = NewDisposeScope();
            var w = Stopwatch.StartNew();
            using (no_grad())
                _ = model.BackboneFeatures(input, lengths).Features.sum().item<float>();
            double fwd = w.Elapsed.TotalMilliseconds;
            w.Restart();
            var (features, featureLengths) = model.BackboneFeatures(input, lengths);
            features.sum().backward();
            double fwdBwd = w.Elapsed.TotalMilliseconds;
            var fixedFeatures = features.detach().requires_grad_(true);
            w.Restart();
            var output = model.Head(fixedFeatures, featureLengths);
            int labels = (int)Math.Max(1, Math.Min(10, output.Logits.shape[1] / 2));
            var loss = nn.functional.ctc_loss(output.Logits.log_softmax(2).transpose(0, 1), randint(1, model.Config.NumClasses, [batch * labels], dtype: int64),
                output.Lengths, full(batch, (long)labels, dtype: int64), zero_infinity: true); // (T',B,C)
            loss.backward();
            double head = w.Elapsed.TotalMilliseconds;
            w.Restart();
            optimizer.step();
            optimizer.zero_grad();
            double step = w.Elapsed.TotalMilliseconds;
            if (i < warmup)
                continue;
            parts["backbone_forward"].Add(fwd);
            parts["backbone_forward_backward"].Add(fwdBwd);
            parts["head_forward_backward"].Add(head);
            parts["adamw_step"].Add(step);
        }
        return parts.ToDictionary(kv => kv.Key, kv => Median(kv.Value));
    }

    /// <summary>Median forward milliseconds of each child of the backbone's first container (e.g. MobileNetV3's <c>features.{i}</c>), no gradients.</summary>
    public static IReadOnlyList<(string Name, double Ms)> LayerProfile(Backbones.Backbone backbone, int n, int size, int repeats)
    {
        backbone.eval();
        using var noGrad = no_grad();
        var container = backbone.named_children().First().module;
        var result = new List<(string, double)>();
        using var scope = NewDisposeScope();
        var x = rand([n, 3, size, size]);
        foreach (var (name, layer) in container.named_children())
        {
            var m = (nn.Module<Tensor, Tensor>)layer;
            var times = new List<double>();
            Tensor y = x;
            for (int r = 0; r < repeats + 1; r++)
            {
                // Each repeat's output is freed before the next, as in a real forward: keeping them all
                // made every repeat fault in fresh pages (a 64-px ReLU on 700 frames timed at ~100 ms).
                using var repeat = NewDisposeScope();
                var w = Stopwatch.StartNew();
                var output = m.call(x);
                if (r > 0) times.Add(w.Elapsed.TotalMilliseconds);
                if (r == repeats) y = output.MoveToOuterDisposeScope();
            }
            result.Add((name, Median(times)));
            x = y;
        }
        return result;
    }

    static double Median(List<double> xs) => Statistics.Median(xs);
}
