using System.CommandLine;
using Glossa.Bench;

namespace Glossa.Cli.Commands;

/// <summary>Hidden <c>glossa bench-decode</c>: <see cref="DecodeBenchmark"/> as a markdown table.</summary>
internal static class BenchDecodeCommand
{
    public static Command Create()
    {
        var frames = new Option<int>("--frames") { Description = "Frames per utterance (T).", DefaultValueFactory = _ => 60 };
        var classes = new Option<int>("--classes") { Description = "Classes per frame, blank included (C).", DefaultValueFactory = _ => Models.ModelConfig.PhoenixClasses };
        var count = new Option<int>("--utterances") { Description = "Utterances per measurement.", DefaultValueFactory = _ => 4000 };
        var beam = new Option<int>("--beam") { Description = "Beam width.", DefaultValueFactory = _ => 10 };
        var top = new Option<int>("--top-classes") { Description = "Classes per frame considered by the beam search.", DefaultValueFactory = _ => 40 };
        var reps = new Option<int>("--repeat") { Description = "Runs per measurement (the median is printed).", DefaultValueFactory = _ => 5 };
        var threads = new Option<string>("--threads") { Description = "Comma-separated thread counts.", DefaultValueFactory = _ => "1,2" };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var command = new Command("bench-decode", "Benchmark the CTC decoders (utterances per second).") { Hidden = true };
        foreach (var o in new Option[] { frames, classes, count, beam, top, threads, reps, json }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            var result = DecodeBenchmark.Run(parse.GetValue(frames), parse.GetValue(classes), parse.GetValue(count), parse.GetValue(beam),
                parse.GetValue(top), BenchLoaderCommand.ThreadCounts(parse.GetValue(threads)!), parse.GetValue(reps));
            if (parse.GetValue(json)) CliRunner.PrintJson(result);
            else Console.Write(result.Markdown());
            return 0;
        }));
        return command;
    }
}
