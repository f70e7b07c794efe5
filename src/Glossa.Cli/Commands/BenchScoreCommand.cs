using System.CommandLine;
using Glossa.Bench;
using Glossa.Common;

namespace Glossa.Cli.Commands;

/// <summary>Hidden <c>glossa bench-score</c>: <see cref="ScoreBenchmark"/> (Glossa's scorer beside the real sclite) as a markdown table.</summary>
internal static class BenchScoreCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--utterances") { Description = "Generated utterances.", DefaultValueFactory = _ => 10_000 };
        var reps = new Option<int>("--repeat") { Description = "Repetitions (medians are reported).", DefaultValueFactory = _ => 5 };
        var sclite = new Option<string?>("--sclite") { Description = $"sclite binary (default: ${ExternalTool.Sclite.EnvironmentVariable} or {ExternalTool.Sclite.DebianPath})." };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var command = new Command("bench-score", "Benchmark the scorer against sclite on the same generated utterances.") { Hidden = true };
        foreach (var o in new Option[] { count, reps, sclite, json }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            var tool = parse.GetValue(sclite) is string path ? ExternalTool.At("sclite", path) : ExternalTool.Sclite;
            var result = ScoreBenchmark.Run(parse.GetValue(count), parse.GetValue(reps), tool);
            if (parse.GetValue(json)) CliRunner.PrintJson(result);
            else Console.Write(result.Markdown());
            return result.Identical ? 0 : 1;
        }));
        return command;
    }
}
