using System.CommandLine;
using Glossa.Bench;
using Glossa.Common;
using Glossa.Models;

namespace Glossa.Cli.Commands;

/// <summary>
/// <c>glossa bench-engines</c>: parses the options and runs <see cref="EnginesBenchmark"/>.
/// </summary>
internal static class BenchEnginesCommand
{
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
            var (rows, maxDiff) = EnginesBenchmark.Measure(parse.GetValue(model)!, t, s, n, th, script);
            string markdown = EnginesBenchmark.Markdown(parse.GetValue(model)!, rows, maxDiff, t, s, n, th);
            if (parse.GetValue(json))
                CliRunner.PrintJson(new { rows = rows.Select(r => new { engine = r.Engine, median_ms = r.MedianMs, samples_ms = r.SamplesMs, frames_per_second = t / r.MedianMs * 1000 }), max_abs_diff_onnx_torch = maxDiff, markdown });
            else
                Console.WriteLine(markdown);
            return 0;
        }));
        return command;
    }
}
