using System.Text.Json;
using Glossa.Common;
using Glossa.Models;
using Glossa.Models.Inference;
using static TorchSharp.torch;

namespace Glossa.Bench;

/// <summary>
/// Student inference, interleaved round by round so load from other jobs hits every variant alike:
/// Glossa's default CPU engine in fp32 (ONNX Runtime on an in-memory export, as evaluate and
/// recognize run it), its eval-mode TorchSharp model (eager), the fused TorchSharp path in fp32
/// and (where the CPU has it) bf16,
/// PyTorch in each allocator configuration, and PyTorch with the same folding and channels-last
/// layout (jemalloc), for reference. One 64-frame clip (batch 1) per sample; medians over rounds.
/// Another model (resnet18-vac) gets the eager rows only: the fused path knows MobileNetV3's layers, not ResNet's.
/// </summary>
internal static class InferenceBench
{
    /// <summary>The variant <c>evaluate</c> and <c>recognize</c> run by default on the CPU in fp32 (the target's row).</summary>
    public const string DefaultVariant = "onnx runtime fp32 (default engine)";

    public static IEnumerable<ModelBenchRow> Rows(string? script, int frames, int size, int threads, int rounds, string name = ModelFactory.MobileNetV3Student)
    {
        bool fusable = name == ModelFactory.MobileNetV3Student;
        Console.Error.WriteLine($"bench: {name} inference 1x{frames}x{size}x{size}, {rounds} interleaved rounds ...");
        using var student = ModelFactory.Create(name);
        bool bf16 = PrecisionSupport.Refusal(InferencePrecision.Bf16, CPU) is null;
        var variants = new List<(string Name, Func<double> Sample)>
        {
            (DefaultVariant, () => ModelBenchmark.OnnxInference(student, frames, size, 1, 1, threads).MedianMs),
            ("eager", () => ModelBenchmark.Inference(student, 1, frames, size, 0, 1).MedianMs),
            ("fused fp32", () => ModelBenchmark.FusedInference(student, InferencePrecision.Fp32, 1, frames, size, 0, 1).MedianMs),
        };
        if (bf16)
            variants.Add(("fused bf16", () => ModelBenchmark.FusedInference(student, InferencePrecision.Bf16, 1, frames, size, 0, 1).MedianMs));
        if (!fusable)
            variants.RemoveAll(v => v.Name != "eager");
        foreach (var v in variants) v.Sample();                                  // warm-up, not recorded
        var glossa = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var torch = new Dictionary<string, List<double>>();
        var fold = new List<double>();
        string best = "";
        for (int r = 0; r < rounds; r++)
        {
            foreach (var v in variants)
                glossa[v.Name].Add(v.Sample());
            if (script is null) continue;
            var result = ReferenceRunner.Run(script, name, size, 1, frames, threads, 1, 1, "infer");
            foreach (var (config, samples) in result.Samples)
                (torch.TryGetValue(config, out var list) ? list : torch[config] = []).AddRange(samples);
            if (!fusable) continue;
            using var doc = JsonDocument.Parse(ReferenceRunner.Direct(script, ["--model", name, "--size", $"{size}", "--batch", "1", "--frames", $"{frames}",
                "--threads", $"{threads}", "--warmup", "1", "--steps", "1", "--mode", "infer", "--fold-channels-last"]));
            fold.Add(doc.RootElement.GetProperty("median_ms").GetDouble());
        }
        ReferenceRunner.Result? reference = null;
        if (torch.Count > 0)
        {
            var medians = torch.ToDictionary(kv => kv.Key, kv => Statistics.Median(kv.Value));
            best = medians.MinBy(kv => kv.Value).Key;
            reference = new ReferenceRunner.Result(medians[best], best, medians, torch);
        }
        foreach (var v in variants)
            yield return ModelBenchRow.Of(name, "infer", v.Name, size, 1, frames, Statistics.Median(glossa[v.Name]), reference, fold.Count > 0 ? Statistics.Median(fold) : null);
    }
}
