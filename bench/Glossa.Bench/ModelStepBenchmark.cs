using System.Text.Json;
using Glossa.Models;

namespace Glossa.Bench;

/// <summary>
/// <c>glossa model bench</c>: training-step and student-inference timings of Glossa next to the same
/// architectures in Debian's PyTorch (bench/models/bench_models.py through <see cref="ReferenceRunner"/>),
/// alternating per configuration in one run.
/// </summary>
public static class ModelStepBenchmark
{
    /// <summary>What to measure.</summary>
    /// <param name="Models">Model configurations.</param>
    /// <param name="Sizes">Frame sizes of the training step.</param>
    /// <param name="Batch">Clips per step.</param>
    /// <param name="Frames">Frames per clip.</param>
    /// <param name="Warmup">Untimed steps first.</param>
    /// <param name="Steps">Timed steps (the median is reported).</param>
    /// <param name="Threads">libtorch threads on both sides.</param>
    /// <param name="PythonScript">bench_models.py, or null to skip PyTorch.</param>
    /// <param name="InferSize">Frame size of the inference rows (0 skips them).</param>
    /// <param name="ChannelsLast">Also time the training step with channels-last frames.</param>
    /// <param name="Rounds">Training rows: Glossa and PyTorch alternate this many times (PyTorch in every allocator
    /// configuration in the first round, then only in the fastest); the medians pool every round's steps.</param>
    public sealed record Settings(IReadOnlyList<string> Models, IReadOnlyList<int> Sizes, int Batch, int Frames, int Warmup, int Steps, int Threads,
        string? PythonScript, int InferSize, bool ChannelsLast, int Rounds = 1);

    /// <summary>One row per model and size (two with channels-last), then the inference rows (the student's, and resnet18-vac's when it is among the models).</summary>
    public static List<ModelBenchRow> Rows(Settings s)
    {
        var (b, t, w, n) = (s.Batch, s.Frames, s.Warmup, s.Steps);
        var rows = new List<ModelBenchRow>();
        foreach (string name in s.Models)
        {
            foreach (int size in s.Sizes)
            {
                Console.Error.WriteLine($"bench: {name} train step {b}x{t}x{size}x{size} ...");
                using var model = ModelFactory.Create(name);
                var (glossaMs, torch) = Alternating(s, name, size, () => ModelBenchmark.TrainStep(model, b, t, size, w, n).SamplesMs);
                rows.Add(ModelBenchRow.Of(name, "train", "", size, b, t, glossaMs, torch));
                if (s.ChannelsLast)
                    rows.Add(ModelBenchRow.Of(name, "train", "channels-last", size, b, t, ModelBenchmark.TrainStep(model, b, t, size, w, n, channelsLast: true).MedianMs, torch));
            }
        }
        if (s.InferSize > 0)
            rows.AddRange(InferenceBench.Rows(s.PythonScript, t, s.InferSize, s.Threads, Math.Max(n, 3)));
        if (s.InferSize > 0 && s.Models.Contains(ModelFactory.ResNet18Vac))
            rows.AddRange(InferenceBench.Rows(s.PythonScript, t, s.InferSize, s.Threads, Math.Max(n, 3), ModelFactory.ResNet18Vac));
        return rows;
    }

    /// <summary>
    /// Glossa's steps and PyTorch's, alternating for <see cref="Settings.Rounds"/> rounds so that load from
    /// other jobs hits both sides: round 1 runs PyTorch in every allocator configuration, later rounds only
    /// in the fastest of them. Returns Glossa's median over all its steps and PyTorch's result with the
    /// fastest configuration's median taken over all of its rounds.
    /// </summary>
    static (double GlossaMs, ReferenceRunner.Result? Torch) Alternating(Settings s, string name, int size, Func<IReadOnlyList<double>> glossaSteps)
    {
        var glossa = new List<double>();
        ReferenceRunner.Result? torch = null;
        for (int round = 0; round < s.Rounds; round++)
        {
            glossa.AddRange(glossaSteps());
            if (s.PythonScript is null) continue;
            var run = ReferenceRunner.Run(s.PythonScript, name, size, s.Batch, s.Frames, s.Threads, s.Warmup, s.Steps, "train", configs: torch?.Best);
            torch = torch is null ? run : torch.Pooled(run);
        }
        return (Glossa.Common.Statistics.Median(glossa), torch);
    }

    /// <summary>The parts of a step (per-layer backbone times, forward+backward, head, AdamW) on both sides, as lines of text.</summary>
    public static IEnumerable<string> Profile(Settings s)
    {
        var (b, t, w, n) = (s.Batch, s.Frames, s.Warmup, s.Steps);
        foreach (string name in s.Models)
        {
            foreach (int size in s.Sizes)
            {
                using var model = ModelFactory.Create(name);
                if (model.Backbone.PerFrame)
                    foreach (var (layer, ms) in ModelBenchmark.LayerProfile(model.Backbone, b * t, size, n))
                        yield return $"glossa layer {layer}: {ms:F1} ms";
                var parts = ModelBenchmark.Profile(model, b, t, size, w, n);
                string torchParts = s.PythonScript is null ? "" : ReferenceRunner.Direct(s.PythonScript, ["--model", name, "--size", $"{size}", "--batch", $"{b}",
                    "--frames", $"{t}", "--threads", $"{s.Threads}", "--warmup", $"{w}", "--steps", $"{n}", "--mode", "profile"]);
                yield return $"{name} {b}x{t}x{size}: glossa {JsonSerializer.Serialize(parts)}";
                yield return $"{name} {b}x{t}x{size}: pytorch {torchParts.Trim()}";
            }
        }
    }
}
