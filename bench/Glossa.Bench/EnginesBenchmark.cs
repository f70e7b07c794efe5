using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Glossa.Common;
using Glossa.Models;
using Glossa.Models.Inference;
using Glossa.Models.Onnx;
using static TorchSharp.torch;

namespace Glossa.Bench;

/// <summary>
/// Student inference on one clip with ONNX Runtime, TorchSharp (the eval model and the fused
/// inference model) and Debian's PyTorch under three allocators, the engines alternating within
/// each repetition; medians per engine. <c>glossa bench-engines</c> runs <see cref="Measure"/>;
/// the harness runs that command in a child process so that its thread settings stay its own.
/// </summary>
public static class EnginesBenchmark
{
    public const string Title = "Student inference at 224 px: ONNX Runtime, TorchSharp and PyTorch at its best";

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>What to measure.</summary>
    /// <param name="Model">Per-frame model configuration (random weights).</param>
    /// <param name="Frames">Frames in the clip (at least 16).</param>
    /// <param name="Size">Frame side in pixels (at least 32).</param>
    /// <param name="Reps">Repetitions; each engine runs once per repetition, after one warm-up run.</param>
    /// <param name="Threads">Threads of every engine.</param>
    /// <param name="PythonScript">bench/models/bench_models.py, or null to skip PyTorch.</param>
    public sealed record Settings(string Model, int Frames, int Size, int Reps, int Threads, string? PythonScript)
    {
        /// <summary>Throws a one-line message when a value is out of range.</summary>
        public Settings Validate()
        {
            if (Frames < 16 || Size < 32 || Reps < 1 || Threads < 1)
                throw new GlossaException("bench-engines: --frames >= 16, --size >= 32, --reps >= 1 and --threads >= 1 are needed");
            return this;
        }
    }

    /// <summary>One engine's timings.</summary>
    public sealed record Row(string Engine, List<double> SamplesMs)
    {
        public double MedianMs => Statistics.Median(SamplesMs);
    }

    /// <summary>The rows, the largest ONNX-vs-TorchSharp log-probability difference, and the markdown table.</summary>
    public sealed record Result(IReadOnlyList<Row> Rows, double MaxAbsDiffOnnxTorch, string Markdown);

    /// <summary>The PyTorch process environments tried; the fastest is the reference ("PyTorch at its best").</summary>
    static readonly (string Name, Dictionary<string, string?> Env)[] Allocators =
    [
        ("glibc malloc (default)", new() { ["LD_PRELOAD"] = null, ["MALLOC_CONF"] = null }),
        ("jemalloc, decay -1", new() { ["LD_PRELOAD"] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", ["MALLOC_CONF"] = "dirty_decay_ms:-1,muzzy_decay_ms:-1" }),
        ("glibc malloc, tuned (no mmap, no trim, 1 GB top pad)", new() { ["LD_PRELOAD"] = null, ["MALLOC_CONF"] = null,
            ["MALLOC_MMAP_MAX_"] = "0", ["MALLOC_TRIM_THRESHOLD_"] = "100000000000", ["MALLOC_TOP_PAD_"] = "1000000000" }),
    ];

    /// <summary>The harness section: <c>glossa bench-engines --json</c> in a child process, its typed result.</summary>
    internal static BenchSection Run(BenchSettings s)
    {
        string[] args = s.Quick
            ? ["bench-engines", "--json", "--size", "112", "--frames", "16", "--reps", $"{s.Reps}", "--threads", "2"]
            : ["bench-engines", "--json", "--size", "224", "--frames", "64", "--reps", $"{s.Reps}", "--threads", "2"];
        using var doc = JsonDocument.Parse(ProcessBenchmarks.Glossa(s, args));
        string body = doc.RootElement.GetProperty("markdown").GetString() ?? "";
        return new BenchSection("engines", Title, [ProcessBenchmarks.Shell(s, args)], body.Trim(), [], "", 0);
    }

    /// <summary>Times every engine on one random clip through a randomly initialised model.</summary>
    public static Result Measure(Settings settings)
    {
        var (name, t, s, threads) = (settings.Validate().Model, settings.Frames, settings.Size, settings.Threads);
        set_num_threads(threads);
        manual_seed(0);
        using var model = ModelFactory.Create(name);
        model.eval();
        string onnxPath = Path.Combine(Path.GetTempPath(), $"glossa-bench-engines-{Environment.ProcessId}.onnx");
        OnnxExporter.Export(model, onnxPath);
        try
        {
            using var onnx = new OnnxModel(onnxPath, threads);
            using var fused = FusedModel.Create(model);
            using var input = rand([1, t, 3, s, s]).mul_(2).sub_(1);                                   // (1,T,3,S,S) in [-1,1)
            using var lengths = tensor(new long[] { t });
            float[] pixels = input[0].contiguous().data<float>().ToArray();
            var engines = new List<(string Name, Func<float[]> Run)>
            {
                ("ONNX Runtime 1.32 (CPU)", () => onnx.LogProbs(pixels, t, s, s, out _)),
                ("TorchSharp, eval model (no folding)", () => LogProbs(model.call(input, lengths).Logits)),
                ("TorchSharp, fused model (BatchNorm folded, NCHW; --engine torch)", () => LogProbs(fused.Forward(input, lengths).Logits)),
            };
            double maxDiff = WarmUp(engines);
            var rows = Alternate(engines, settings);
            return new Result(rows, maxDiff, Markdown(settings, rows, maxDiff));
        }
        finally { File.Delete(onnxPath); }
    }

    /// <summary>One run of every engine; returns the largest difference between ONNX Runtime's and TorchSharp's log-probabilities.</summary>
    static double WarmUp(List<(string Name, Func<float[]> Run)> engines)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        double maxDiff = engines[0].Run().Zip(engines[1].Run(), (a, b) => Math.Abs(a - b)).Max();
        engines[2].Run();
        return maxDiff;
    }

    /// <summary>Each repetition runs every engine once in turn, then PyTorch under each allocator.</summary>
    static List<Row> Alternate(List<(string Name, Func<float[]> Run)> engines, Settings settings)
    {
        var rows = engines.Select(e => new Row(e.Name, [])).ToList();
        string? script = settings.PythonScript;
        if (script is not null) rows.AddRange(Allocators.Select(a => new Row($"PyTorch {TorchVersion()}, {a.Name}", [])));
        for (int r = 0; r < settings.Reps; r++)
        {
            for (int e = 0; e < engines.Count; e++) rows[e].SamplesMs.Add(Time(engines[e].Run));
            if (script is null) continue;
            for (int a = 0; a < Allocators.Length; a++)
                rows[engines.Count + a].SamplesMs.Add(PyTorchMs(script, settings, Allocators[a].Env));
        }
        return rows;
    }

    static float[] LogProbs(Tensor logits) => nn.functional.log_softmax(logits, dim: -1)[0].contiguous().data<float>().ToArray();  // (1,T',C) -> (T',C)

    static double Time(Func<float[]> run)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var watch = Stopwatch.StartNew();
        run();
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>One PyTorch process: builds the same architecture, one warm-up forward, one timed forward.</summary>
    static double PyTorchMs(string script, Settings s, Dictionary<string, string?> env)
    {
        var start = ExternalTool.Python.StartInfo([script, "--model", s.Model, "--size", $"{s.Size}", "--batch", "1", "--frames", $"{s.Frames}",
            "--threads", $"{s.Threads}", "--warmup", "1", "--steps", "1", "--mode", "infer"]);
        foreach (var (k, v) in env)
            if (v is null) start.Environment.Remove(k); else start.Environment[k] = v;
        var result = ProcessRunner.Run(start, $"{script} (PyTorch)");
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("median_ms").GetDouble();
    }

    static string? torchVersion;

    static string TorchVersion() => torchVersion ??= ExternalTool.Python.Run(["-c", "import torch; print(torch.__version__)"]).Stdout.Trim();

    static string Markdown(Settings s, IReadOnlyList<Row> rows, double maxDiff)
    {
        var md = new StringBuilder();
        md.Append(Inv, $"{s.Model} with {ModelConfig.PhoenixClasses:N0} classes (random weights), one clip of {s.Frames} frames at {s.Size}x{s.Size}, {s.Threads} threads in every engine; each repetition runs every engine once in turn, medians of {s.Reps} repetitions after one warm-up run. ");
        md.Append("PyTorch runs in a fresh process per repetition (one warm-up forward, one timed forward) under each allocator; the fastest allocator is PyTorch at its best. ");
        md.Append(Inv, $"ONNX Runtime's log-probabilities differ from TorchSharp's by at most {maxDiff.ToString("0.0e0", Inv)} on this input.\n\n");
        md.Append("| engine | median ms per clip | frames/s | runs (ms) | ONNX Runtime speed-up over it |\n|---|---:|---:|---|---:|\n");
        double ort = rows[0].MedianMs;
        var torchRows = rows.Where(r => r.Engine.StartsWith("PyTorch", StringComparison.Ordinal)).ToList();
        var best = torchRows.Count > 0 ? torchRows.MinBy(r => r.MedianMs) : null;
        foreach (var r in rows)
        {
            string mark = r == best ? " **(best PyTorch)**" : "";
            md.Append(Inv, $"| {r.Engine}{mark} | {r.MedianMs:F0} | {s.Frames / r.MedianMs * 1000:F1} | {string.Join(' ', r.SamplesMs.Select(x => x.ToString("F0", Inv)))} | {r.MedianMs / ort:F2}x |\n");
        }
        return md.ToString();
    }
}
