using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Glossa.Common;
using Glossa.Models;
using Glossa.Models.Inference;
using Glossa.Models.Onnx;
using static TorchSharp.torch;

namespace Glossa.Cli.Commands;

/// <summary>
/// <c>glossa bench-engines</c>: one clip through the student with ONNX Runtime, TorchSharp (the
/// eval model and the fused inference model) and Debian's PyTorch under three allocators, the
/// engines alternating within each repetition; medians per engine.
/// </summary>
internal static class BenchEnginesCommand
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The PyTorch process environments tried; the fastest is the reference ("PyTorch at its best").</summary>
    static readonly (string Name, Dictionary<string, string?> Env)[] Allocators =
    [
        ("glibc malloc (default)", new() { ["LD_PRELOAD"] = null, ["MALLOC_CONF"] = null }),
        ("jemalloc, decay -1", new() { ["LD_PRELOAD"] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", ["MALLOC_CONF"] = "dirty_decay_ms:-1,muzzy_decay_ms:-1" }),
        ("glibc malloc, tuned (no mmap, no trim, 1 GB top pad)", new() { ["LD_PRELOAD"] = null, ["MALLOC_CONF"] = null,
            ["MALLOC_MMAP_MAX_"] = "0", ["MALLOC_TRIM_THRESHOLD_"] = "100000000000", ["MALLOC_TOP_PAD_"] = "1000000000" }),
    ];

    sealed record Row(string Engine, List<double> SamplesMs)
    {
        public double MedianMs => Median(SamplesMs);
    }

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Per-frame configuration.", DefaultValueFactory = _ => ModelFactory.MobileNetV3Student };
        var size = new Option<int>("--size") { Description = "Frame side in pixels.", DefaultValueFactory = _ => 224 };
        var frames = new Option<int>("--frames") { Description = "Frames in the clip.", DefaultValueFactory = _ => 64 };
        var reps = new Option<int>("--reps") { Description = "Repetitions (each engine once per repetition, after one warm-up run).", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "Threads of every engine.", DefaultValueFactory = _ => 2 };
        var python = new Option<string>("--python-script") { Description = "bench/models/bench_models.py (default: found above the current folder); 'none' skips PyTorch." };
        var json = new Option<bool>("--json") { Description = "Print {rows, markdown} as JSON." };
        var command = new Command("bench-engines", "Time student inference with ONNX Runtime, TorchSharp and PyTorch (three allocators) side by side.") { Hidden = true };
        foreach (Option o in new Option[] { model, size, frames, reps, threads, python, json }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            int t = parse.GetValue(frames), s = parse.GetValue(size), n = parse.GetValue(reps), th = parse.GetValue(threads);
            if (t < 16 || s < 32 || n < 1 || th < 1) throw new GlossaException("bench-engines: --frames >= 16, --size >= 32, --reps >= 1 and --threads >= 1 are needed");
            string? script = parse.GetValue(python) ?? ModelCommand.FindUp(Path.Combine("bench", "models", "bench_models.py"));
            if (script == "none") script = null;
            var (rows, maxDiff) = Measure(parse.GetValue(model)!, t, s, n, th, script);
            string markdown = Markdown(parse.GetValue(model)!, rows, maxDiff, t, s, n, th);
            if (parse.GetValue(json))
                CliRunner.PrintJson(new { rows = rows.Select(r => new { engine = r.Engine, median_ms = r.MedianMs, samples_ms = r.SamplesMs, frames_per_second = t / r.MedianMs * 1000 }), max_abs_diff_onnx_torch = maxDiff, markdown });
            else
                Console.WriteLine(markdown);
            return 0;
        }));
        return command;
    }

    static (List<Row> Rows, double MaxDiff) Measure(string name, int t, int s, int reps, int threads, string? script)
    {
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
                ("TorchSharp, eval model (as recognize runs it)", () => LogProbs(model.call(input, lengths).Logits)),
                ("TorchSharp, fused model (BatchNorm folded, channels-last)", () => LogProbs(fused.Forward(input, lengths).Logits)),
            };
            double maxDiff;
            using (no_grad())
            using (NewDisposeScope())
            {
                maxDiff = engines[0].Run().Zip(engines[1].Run(), (a, b) => Math.Abs(a - b)).Max();  // also the warm-up
                engines[2].Run();
            }
            var rows = engines.Select(e => new Row(e.Name, [])).ToList();
            if (script is not null) rows.AddRange(Allocators.Select(a => new Row($"PyTorch {TorchVersion()}, {a.Name}", [])));
            for (int r = 0; r < reps; r++)
            {
                for (int e = 0; e < engines.Count; e++) rows[e].SamplesMs.Add(Time(engines[e].Run));
                if (script is null) continue;
                for (int a = 0; a < Allocators.Length; a++)
                    rows[engines.Count + a].SamplesMs.Add(PyTorchMs(script, name, t, s, threads, Allocators[a].Env));
            }
            return (rows, maxDiff);
        }
        finally { File.Delete(onnxPath); }
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
    static double PyTorchMs(string script, string name, int t, int s, int threads, Dictionary<string, string?> env)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { script, "--model", name, "--size", $"{s}", "--batch", "1", "--frames", $"{t}", "--threads", $"{threads}", "--warmup", "1", "--steps", "1", "--mode", "infer" })
            start.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            if (v is null) start.Environment.Remove(k); else start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new GlossaException($"{script}: PyTorch exited with {p.ExitCode}: {stderr.Result.Trim().Split('\n')[^1]}");
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.GetProperty("median_ms").GetDouble();
    }

    static string? torchVersion;

    static string TorchVersion() => torchVersion ??= RunPython("import torch; print(torch.__version__)");

    static string RunPython(string code)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(code);
        using var p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }

    static string Markdown(string name, List<Row> rows, double maxDiff, int t, int s, int reps, int threads)
    {
        var md = new StringBuilder();
        md.Append(Inv, $"{name} with 1,296 classes (random weights), one clip of {t} frames at {s}x{s}, {threads} threads in every engine; each repetition runs every engine once in turn, medians of {reps} repetitions after one warm-up run. ");
        md.Append("PyTorch runs in a fresh process per repetition (one warm-up forward, one timed forward) under each allocator; the fastest allocator is PyTorch at its best. ");
        md.Append(Inv, $"ONNX Runtime's log-probabilities differ from TorchSharp's by at most {maxDiff.ToString("0.0e0", Inv)} on this input.\n\n");
        md.Append("| engine | median ms per clip | frames/s | runs (ms) | ONNX Runtime speed-up over it |\n|---|---:|---:|---|---:|\n");
        double ort = rows[0].MedianMs;
        var torchRows = rows.Where(r => r.Engine.StartsWith("PyTorch", StringComparison.Ordinal)).ToList();
        var best = torchRows.Count > 0 ? torchRows.MinBy(r => r.MedianMs) : null;
        foreach (var r in rows)
        {
            string mark = r == best ? " **(best PyTorch)**" : "";
            md.Append(Inv, $"| {r.Engine}{mark} | {r.MedianMs:F0} | {t / r.MedianMs * 1000:F1} | {string.Join(' ', r.SamplesMs.Select(x => x.ToString("F0", Inv)))} | {r.MedianMs / ort:F2}x |\n");
        }
        return md.ToString();
    }

    static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count == 0 ? double.NaN : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
