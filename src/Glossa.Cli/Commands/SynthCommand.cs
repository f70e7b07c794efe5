using System.CommandLine;
using Glossa.Common;
using Glossa.Corpora;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa synth OUT</c>: writes a synthetic corpus in the PHOENIX-2014 layout.</summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var defaults = new SynthOptions();
        var signDefaults = new SignWorldOptions();
        var outDir = new Argument<string>("OUT") { Description = "Folder to create; it receives phoenix-2014-multisigner/ (or phoenix-2014-signerindependent-SI5/) in the PHOENIX-2014 layout." };
        var world = new Option<string>("--world")
        {
            Description = "Which world: 'hands' (moving hands, the demo's corpus) or 'sign' (signs from phonological parameters with minimal pairs, " +
                "co-articulation, signer and camera variation; PHOENIX-2014 statistics at full size).",
            DefaultValueFactory = _ => "hands",
        };
        world.AcceptOnlyFromAmong("hands", "sign");
        var sentences = new Option<int?>("--sentences")
        {
            Description = $"Train sentences (default {defaults.TrainSentences}; sign world {signDefaults.TrainSentences}). Dev and test get a sixth each " +
                "(sign world: PHOENIX's proportions, 540 and 629 per 5,671), at least 2.",
        };
        var glosses = new Option<int?>("--glosses") { Description = $"Glosses (default {defaults.Glosses} plus __ON__ and __OFF__; sign world {signDefaults.Glosses})." };
        var signers = new Option<int?>("--signers") { Description = $"Signers (default {defaults.Signers}; sign world {signDefaults.Signers})." };
        var perSentence = new Option<double?>("--glosses-per-sentence") { Description = $"Sign world: mean glosses per sentence (default {signDefaults.MeanGlossesPerSentence}, at most {signDefaults.MaxGlossesPerSentence})." };
        var independent = new Option<bool>("--signer-independent") { Description = "Sign world: dev and test signed only by the last signer, never seen in train (like PHOENIX SI5)." };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed writes identical files.", DefaultValueFactory = _ => defaults.Seed };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace OUT if it exists (only if it was written by glossa synth)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var command = new Command("synth", "Write a learnable synthetic sign language corpus (drawn signers) in the exact RWTH-PHOENIX-Weather 2014 layout.");
        command.Arguments.Add(outDir);
        foreach (var o in new Option[] { world, sentences, glosses, signers, perSentence, independent, seed, overwrite, json }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Interruptible(cancel =>
        {
            bool sign = parse.GetValue(world) == "sign";
            if (!sign && (parse.GetValue(perSentence) is not null || parse.GetValue(independent)))
                throw new GlossaException("--glosses-per-sentence and --signer-independent belong to the sign world; add --world sign");
            string target = parse.GetValue(outDir)!;
            bool replace = parse.GetValue(overwrite);
            var (total, write) = sign
                ? Plan(signDefaults.WithTrainSentences(parse.GetValue(sentences) ?? signDefaults.TrainSentences) with
                {
                    Glosses = parse.GetValue(glosses) ?? signDefaults.Glosses,
                    Signers = parse.GetValue(signers) ?? signDefaults.Signers,
                    MeanGlossesPerSentence = parse.GetValue(perSentence) ?? signDefaults.MeanGlossesPerSentence,
                    SignerIndependent = parse.GetValue(independent),
                    Seed = parse.GetValue(seed),
                }, target, replace, cancel)
                : Plan(defaults.WithTrainSentences(parse.GetValue(sentences) ?? defaults.TrainSentences) with
                {
                    Glosses = parse.GetValue(glosses) ?? defaults.Glosses,
                    Signers = parse.GetValue(signers) ?? defaults.Signers,
                    Seed = parse.GetValue(seed),
                }, target, replace, cancel);
            bool asJson = parse.GetValue(json);
            Print(asJson || Console.IsErrorRedirected ? write(null) : WriteWithProgress(total, write), asJson);
            return 0;
        }));
        return command;
    }

    static (int Total, Func<IProgress<SynthProgress>?, SynthSummary> Write) Plan(SignWorldOptions options, string outDir, bool overwrite, CancellationToken cancel)
    {
        options.Validate();
        return (options.TrainSentences + options.DevSentences + options.TestSentences, p => SignWorld.Write(options, outDir, p, overwrite, cancel));
    }

    static (int Total, Func<IProgress<SynthProgress>?, SynthSummary> Write) Plan(SynthOptions options, string outDir, bool overwrite, CancellationToken cancel)
    {
        options.Validate();
        return (options.TrainSentences + options.DevSentences + options.TestSentences, p => SyntheticCorpus.Write(options, outDir, p, overwrite, cancel));
    }

    static void Print(SynthSummary summary, bool asJson)
    {
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
    }

    static SynthSummary WriteWithProgress(int total, Func<IProgress<SynthProgress>?, SynthSummary> write)
    {
        SynthSummary? summary = null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask($"rendering {total} sentences", maxValue: total);
            summary = write(new Reporter(p => task.Value = p.SentencesDone));
        });
        return summary!;
    }

    sealed class Reporter(Action<SynthProgress> report) : IProgress<SynthProgress>
    {
        public void Report(SynthProgress value) => report(value);
    }
}
