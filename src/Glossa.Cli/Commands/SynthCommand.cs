using System.CommandLine;
using Glossa.Corpora;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa synth OUT</c>: writes a synthetic corpus in the PHOENIX-2014 layout.</summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var defaults = new SynthOptions();
        var outDir = new Argument<string>("OUT") { Description = "Folder to create; it receives phoenix-2014-multisigner/ in the PHOENIX-2014 layout." };
        var sentences = new Option<int>("--sentences")
        {
            Description = "Train sentences; dev and test each get a sixth of it (at least 2).",
            DefaultValueFactory = _ => defaults.TrainSentences,
        };
        var glosses = new Option<int>("--glosses") { Description = "Content glosses (plus __ON__ and __OFF__).", DefaultValueFactory = _ => defaults.Glosses };
        var signers = new Option<int>("--signers") { Description = "Signers (all appear in every split).", DefaultValueFactory = _ => defaults.Signers };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed writes identical files.", DefaultValueFactory = _ => defaults.Seed };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace OUT if it exists (only if it was written by glossa synth)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var command = new Command("synth", "Write a learnable synthetic sign language corpus (moving hands of drawn signers) in the exact RWTH-PHOENIX-Weather 2014 layout.");
        command.Arguments.Add(outDir);
        foreach (var o in new Option[] { sentences, glosses, signers, seed, overwrite, json }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            int train = parse.GetValue(sentences);
            int held = Math.Max(2, (int)Math.Round(train / 6.0));
            var options = defaults with
            {
                TrainSentences = train,
                DevSentences = held,
                TestSentences = held,
                Glosses = parse.GetValue(glosses),
                Signers = parse.GetValue(signers),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            bool asJson = parse.GetValue(json);
            var summary = asJson || Console.IsErrorRedirected
                ? SyntheticCorpus.Write(options, parse.GetValue(outDir)!, null, parse.GetValue(overwrite))
                : WriteWithProgress(options, parse.GetValue(outDir)!, parse.GetValue(overwrite));
            if (asJson)
                CliRunner.PrintJson(new
                {
                    out_dir = summary.OutDir,
                    corpus_root = summary.CorpusRoot,
                    sentences = summary.Sentences,
                    frames = summary.Frames,
                    glosses = summary.Glosses.Count,
                    seconds = Math.Round(summary.Elapsed.TotalSeconds, 2),
                });
            else
                Console.WriteLine($"wrote {summary.Frames} frames, {string.Join(" / ", summary.Sentences.Select(kv => $"{kv.Value} {kv.Key}"))} sentences, " +
                    $"{summary.Glosses.Count} glosses to {summary.CorpusRoot} in {summary.Elapsed.TotalSeconds:F1} s");
            return 0;
        }));
        return command;
    }

    static SynthSummary WriteWithProgress(SynthOptions options, string outDir, bool overwrite)
    {
        SynthSummary? summary = null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(true).Start(ctx =>
        {
            int total = options.TrainSentences + options.DevSentences + options.TestSentences;
            var task = ctx.AddTask($"rendering {total} sentences", maxValue: total);
            summary = SyntheticCorpus.Write(options, outDir, new Reporter(p => task.Value = p.SentencesDone), overwrite);
        });
        return summary!;
    }

    sealed class Reporter(Action<SynthProgress> report) : IProgress<SynthProgress>
    {
        public void Report(SynthProgress value) => report(value);
    }
}
