using System.CommandLine;
using Glossa.Bench;
using Glossa.Models;

namespace Glossa.Cli.Commands;

/// <summary>Hidden <c>glossa bench-engines</c>: <see cref="EnginesBenchmark"/> as a markdown table or JSON.</summary>
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
            string? script = parse.GetValue(python) ?? ModelCommand.FindUp(Path.Combine("bench", "models", "bench_models.py"));
            var settings = new EnginesBenchmark.Settings(parse.GetValue(model)!, parse.GetValue(frames), parse.GetValue(size), parse.GetValue(reps),
                parse.GetValue(threads), script == "none" ? null : script).Validate();
            var result = EnginesBenchmark.Measure(settings);
            if (parse.GetValue(json))
                CliRunner.PrintJson(new
                {
                    rows = result.Rows.Select(r => new { engine = r.Engine, median_ms = r.MedianMs, samples_ms = r.SamplesMs, frames_per_second = settings.Frames / r.MedianMs * 1000 }),
                    max_abs_diff_onnx_torch = result.MaxAbsDiffOnnxTorch,
                    markdown = result.Markdown,
                });
            else
                Console.WriteLine(result.Markdown);
            return 0;
        }));
        return command;
    }
}
