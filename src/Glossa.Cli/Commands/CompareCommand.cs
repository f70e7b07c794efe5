using System.CommandLine;
using System.Globalization;
using Glossa.Training;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa compare RUN_A RUN_B ...</c>: the runs' size, speed and WER side by side.</summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("RUNS") { Description = "Run folders written by glossa train or glossa distill.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print the rows as JSON." };
        var command = new Command("compare", "Compare run folders: model, parameters, epochs, best epoch, training speed, dev/test WER (from glossa evaluate outputs when present).");
        command.Arguments.Add(runs);
        command.Options.Add(json);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            var rows = RunComparison.Read(parse.GetValue(runs)!);
            if (parse.GetValue(json)) CliRunner.PrintJson(rows);
            else Print(rows);
            return 0;
        }));
        return command;
    }

    /// <summary>The status, and for an early stop what stopped it: "early-stopped: wall clock".</summary>
    static string Ended(RunComparisonRow r) => r.StopCause is null ? r.Status : $"{r.Status}: {r.StopCause.Replace('_', ' ')}";

    /// <summary>The evaluations' decoder, or "dev / test" when they differ.</summary>
    static string Decoders(RunComparisonRow r) =>
        r.DevDecoder is not null && r.TestDecoder is not null && r.DevDecoder != r.TestDecoder ? $"{r.DevDecoder} / {r.TestDecoder}"
        : r.DevDecoder ?? r.TestDecoder ?? "-";

    static void Print(IReadOnlyList<RunComparisonRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        string F(double? v, string format) => v is double d && double.IsFinite(d) ? d.ToString(format, c) : "-";
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "run", "model", "objective", "params", "frames", "epochs", "best epoch", "clips/s", "s/epoch", "best val WER", "dev WER", "test WER", "decoder", "ms/clip (eval)" })
            table.AddColumn(new TableColumn(h));
        var names = RunComparison.DisplayNames(rows.Select(r => r.Run).ToList());
        foreach (var (r, name) in rows.Zip(names))
        {
            string run = name + (r.Teacher is null ? "" : " (distilled)");
            string objective = r.Recipe is null ? r.Objective : $"{r.Recipe}: {r.Objective}";
            table.AddRow(Markup.Escape(run), Markup.Escape(r.Model), Markup.Escape(objective), r.Parameters.ToString("N0", c), $"{r.FrameSize}px",
                $"{r.Epochs} ({Ended(r)})", r.BestEpoch?.ToString(c) ?? "-", F(r.ClipsPerSecond, "0.00"), F(r.SecondsPerEpoch, "0.0"),
                F(r.BestValWer, "0.00"), F(r.DevWer, "0.00"), F(r.TestWer, "0.00"), Markup.Escape(Decoders(r)), F(r.EvalMsPerClip, "0.0"));
        }
        AnsiConsole.Write(table);
        foreach (var (r, name) in rows.Zip(names).Where(p => p.First.Teacher is not null))
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(name)}: distilled from {Markup.Escape(r.Teacher!)}[/]");
        if (rows.Select(r => r.Run).Distinct(StringComparer.Ordinal).Count() < rows.Count)
            AnsiConsole.MarkupLine("[grey]the same run folder is given more than once[/]");
        if (rows.Any(r => r.DevDecoder is not null && r.TestDecoder is not null && r.DevDecoder != r.TestDecoder))
            AnsiConsole.MarkupLine("[grey]dev and test were evaluated with different decoders where the decoder column shows two ('dev / test'); evaluate both splits with the same --beam to compare them[/]");
        if (RunComparison.TrainedOnDifferentCorpora(rows))
            AnsiConsole.MarkupLine("[grey]the runs trained on different corpora, so their WERs measure different tasks: " +
                Markup.Escape(string.Join("; ", rows.Zip(names).Select(p => $"{p.Second}: {p.First.Corpus ?? "unknown"}"))) + "[/]");
        if (rows.Any(r => r.EvalMsPerClip is not null))
            AnsiConsole.MarkupLine("[grey]ms/clip (eval) is the model's forward time per clip in the evaluation the WERs come from (dev, else test): it depends on that process's threads and the machine's load[/]");
        if (rows.Any(r => r.DevWer is null))
            AnsiConsole.MarkupLine("[grey]dev/test WER come from 'glossa evaluate --checkpoint RUN/best --split dev|test' outputs in the run folder; '-' = not evaluated yet[/]");
    }
}
