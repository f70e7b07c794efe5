using System.Globalization;
using Glossa.Common;

namespace Glossa.Bench;

/// <summary>The benchmarks that run inside this process and return typed results: frame loading, decoding, scoring.</summary>
internal static class InProcessBenchmarks
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    const int C = Models.ModelConfig.PhoenixClasses; // classes per frame in the decoding benchmark

    /// <summary>Titles by benchmark name.</summary>
    public static readonly Dictionary<string, string> Titles = new()
    {
        ["loader"] = "Frame loading (Glossa BatchLoader vs Python PIL+numpy)",
        ["decode"] = "CTC decoding (greedy and beam 10)",
        ["score"] = "Scoring (Glossa vs sclite)",
    };

    public static BenchSection Loader(BenchSettings s)
    {
        string frames = Path.Combine(Path.GetTempPath(), "glossa-bench-frames");
        int reps = s.Quick ? s.Reps : Math.Max(s.Reps, 5);
        string[] pools = s.Quick ? ["thread"] : ["thread", "process"];
        string script = Path.Combine(s.Repo, "bench", "loader", "reference_loader.py");
        var result = LoaderBenchmark.Run(frames, [1, 2], reps, script, ExternalTool.Python, pools);
        string[] args = ["bench-loader", "--reps", $"{reps}", "--threads", "1,2", "--pools", string.Join(',', pools), "--frames", frames];
        var targets = new List<BenchTarget>();
        foreach (int t in new[] { 1, 2 })
        {
            var g = result.Rows.FirstOrDefault(r => r.Threads == t && r.Loader.StartsWith("glossa", StringComparison.Ordinal));
            var p = result.Rows.FirstOrDefault(r => r.Threads == t && r.Loader.Contains("python", StringComparison.Ordinal) && !r.Loader.Contains("process", StringComparison.Ordinal));
            if (g is null || p is null) continue;
            double wall = g.MedianFps / p.MedianFps;
            string cpu = g.MedianCpuMsPerFrame is double gc && p.MedianCpuMsPerFrame is double pc ? string.Create(Inv, $", CPU time {pc / gc:F2}x") : "";
            targets.Add(new($"loader >= 1.5x the Python reference ({t} thread{(t > 1 ? "s" : "")})", string.Create(Inv, $"{wall:F2}x wall ({g.MedianFps:F0} vs {p.MedianFps:F0} frames/s){cpu}"), wall >= 1.5, "loader"));
        }
        var g2 = result.Rows.FirstOrDefault(r => r.Threads == 2 && r.Loader.StartsWith("glossa", StringComparison.Ordinal));
        if (g2 is not null)
            targets.Add(new("loader >= 1,000 frames/s on 2 cores", string.Create(Inv,
                $"{g2.MedianFps:F0} frames/s wall (2 threads, shared machine); CPU {g2.MedianCpuMsPerFrame:F2} ms/frame, i.e. {2000 / (g2.MedianCpuMsPerFrame ?? double.NaN):F0} frames/s on 2 idle cores (projection, not measured)"), g2.MedianFps >= 1000, "loader"));
        return new("loader", Titles["loader"], [ProcessBenchmarks.Shell(s, args)], result.Markdown, targets, "", 0);
    }

    public static BenchSection Decode(BenchSettings s)
    {
        int n = s.Quick ? 500 : 4000;
        var result = DecodeBenchmark.Run(60, C, n, 10, 40, [1, 2], s.Reps);
        string[] args = ["bench-decode", "--frames", "60", "--classes", $"{C}", "--utterances", $"{n}", "--beam", "10", "--top-classes", "40", "--threads", "1,2", "--repeat", $"{s.Reps}"];
        var targets = new List<BenchTarget>();
        if (result.Rows.FirstOrDefault(r => r.Beam && r.Threads == 2) is { } beam2)
        {
            double wall = beam2.Speed.PerWallSecond, cpu = beam2.Speed.PerCpuSecond;
            targets.Add(new($"beam-10 >= 2,000 utterances/s on 2 cores (T=60, C={C})", string.Create(Inv, $"{wall:F0} utt/s wall; {cpu:F0} utt per CPU-second, i.e. {2 * cpu:F0}/s on 2 idle cores (projection). No reference runs here (ctcdecode is not installed)"), wall >= 2000, "decode"));
        }
        return new("decode", Titles["decode"], [ProcessBenchmarks.Shell(s, args)], result.Markdown().Trim(), targets, "", 0);
    }

    public static BenchSection Score(BenchSettings s)
    {
        int n = s.Quick ? 1000 : 10000;
        var result = ScoreBenchmark.Run(n, s.Reps, ExternalTool.Sclite);
        string[] args = ["bench-score", "--utterances", $"{n}", "--repeat", $"{s.Reps}"];
        var targets = new List<BenchTarget>
        {
            new("scorer >= 10x sclite (identical counts)", string.Create(Inv, $"{result.SpeedUp:F1}x; counts identical: {(result.Identical ? "yes" : "NO")}"), result.SpeedUp >= 10 && result.Identical, "score"),
        };
        return new("score", Titles["score"], [ProcessBenchmarks.Shell(s, args)], result.Markdown().Trim(), targets, "", 0);
    }
}
