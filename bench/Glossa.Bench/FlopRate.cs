using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Glossa.Bench;

/// <summary>
/// Achieved GFLOP/s of the model benchmark's rows against the machine's fp32 peak: the FLOPs of
/// each configuration are counted by bench/models/flops.py on the PyTorch reference models
/// (convolutions, linear layers and LSTMs; a training step as 3x the forward), then divided by
/// each side's median time.
/// </summary>
internal static class FlopRate
{
    /// <summary>fp32 matrix-multiply peak of this 2-core machine with oneDNN (measured, see the guide).</summary>
    public const double PeakGflops = 450;

    /// <summary>A markdown table for <paramref name="rows"/>, or "" when the script or Python is missing.</summary>
    public static string Table(string repo, IReadOnlyList<ModelBenchRow> rows)
    {
        string script = Path.Combine(repo, "bench", "models", "flops.py");
        if (!File.Exists(script) || rows.Count == 0) return "";
        var inv = CultureInfo.InvariantCulture;
        var body = new StringBuilder($"\nAchieved arithmetic rate (FLOPs from `bench/models/flops.py`: convolutions, linear layers and LSTMs, a training step taken as 3x the forward; against the ~{PeakGflops:F0} GFLOP/s fp32 peak of 2 cores):\n\n| model | mode | input | GFLOP | Glossa GFLOP/s | share of peak | fastest PyTorch GFLOP/s |\n|---|---|---|---:|---:|---:|---:|\n");
        var cache = new Dictionary<(string, int, int, int), double>();
        foreach (var r in rows)
        {
            var key = (r.Model, r.Size, 1, r.Frames);                 // FLOPs grow linearly with the batch: count one clip
            if (!cache.TryGetValue(key, out double forward))
            {
                try
                {
                    string json = ReferenceRunner.Direct(script, ["--models", r.Model, "--sizes", $"{r.Size}", "--batch", "1", "--frames", $"{r.Frames}"]);
                    using var doc = JsonDocument.Parse(json.Trim().Split('\n')[^1]);
                    forward = doc.RootElement.GetProperty("forward_gflop").GetDouble();
                }
                catch (Exception e) when (e is Common.GlossaException or JsonException)
                {
                    return $"\nAchieved GFLOP/s: not computed ({e.Message.Split('\n')[0]}).\n";
                }
                cache[key] = forward;
            }
            double gflop = r.Batch * (r.Mode == "train" ? 3 * forward : forward);
            double glossa = gflop / (r.GlossaMs / 1000);
            string torch = r.PytorchMs is double p ? (gflop / (p / 1000)).ToString("F1", inv) : "-";
            string mode = r.Variant.Length > 0 ? $"{r.Mode} ({r.Variant})" : r.Mode;
            body.Append(inv, $"| {r.Model} | {mode} | {r.Batch}x{r.Frames}x{r.Size} | {gflop:F1} | {glossa:F1} | {glossa / PeakGflops:P0} | {torch} |\n");
        }
        return body.ToString();
    }
}
