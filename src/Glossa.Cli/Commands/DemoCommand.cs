using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Doctor;
using Glossa.Training;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary>
/// <c>glossa demo</c>, the main job: write a synthetic PHOENIX-layout corpus, train the tiny
/// student on it on the CPU, evaluate dev and test with the official scoring, print the WER table
/// and the run folder. With <c>--corpus</c> the same recipe runs on an existing corpus.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output-dir", "--output_dir", "-o") { Description = "Folder for the synthetic corpus (not written with --corpus), the frame cache and the run.", DefaultValueFactory = _ => "runs/demo" };
        var corpus = new Option<string?>("--corpus") { Description = "Run the recipe on this corpus instead of writing a synthetic one." };
        var quick = new Option<bool>("--quick") { Description = $"16/4/4 sentences, 32x32 frames, {DemoRecipe.QuickEpochs} epochs: checks the whole pipeline in well under a minute on idle cores (CI); does not reach the WER target." };
        var epochs = new Option<int?>("--epochs") { Description = $"Most training epochs (default: as many as fit the time budget, at most {DemoRecipe.MaxEpochs}; quick {DemoRecipe.QuickEpochs})." };
        var budget = new Option<double>("--time-budget") { Description = "Minutes of compute (CPU time / threads) for the whole demo: corpus, training and evaluation. Training starts no epoch that would end past its share and anneals the rate over its last 30%; it may stop sooner when dev stops improving. Wall time runs 10-30% longer on idle cores (8:20-9:00 for the default 7) and is capped at 1.35 times the budget (9:27 for 7) when other work slows the cores: a loaded machine then trains fewer epochs, so a worse WER, and the output says so. At least 1.", DefaultValueFactory = _ => DemoRecipe.DefaultBudgetMinutes };
        var threads = new Option<int>("--threads") { Description = "libtorch threads; 0 = one per core.", DefaultValueFactory = _ => 0 };
        var seed = new Option<long>("--seed") { Description = "Seed of the synthetic corpus and of training (with --corpus: of training only).", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print {\"dev\": {\"wer\": ...}, \"test\": {\"wer\": ...}, ...} only." };
        var command = new Command("demo", "The main job: synthetic corpus -> train a small student on the CPU -> evaluate dev and test -> WER table (under 10 minutes on 2 cores).");
        foreach (var o in new Option[] { output, corpus, quick, epochs, budget, threads, seed, json }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            var clock = Stopwatch.StartNew();
            var compute = new ComputeClock(parse.GetValue(threads) > 0 ? parse.GetValue(threads) : Environment.ProcessorCount);
            bool asJson = parse.GetValue(json), isQuick = parse.GetValue(quick);
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            long seedValue = parse.GetValue(seed);
            string cache = Path.Combine(outDir, "cache");
            SafeWrite.CheckFolderPath(outDir, "--output-dir"); // exit 4 before any work, as train does
            double minutes = parse.GetValue(budget);
            if (!(minutes >= DemoRecipe.MinBudgetMinutes && minutes < TrainingOptions.MaxTimeBudgetMinutes))
                throw new GlossaException($"--time-budget must be at least {DemoRecipe.MinBudgetMinutes:0} and less than {TrainingOptions.MaxTimeBudgetMinutes:0} minutes (got {minutes}); the demo {(parse.GetValue(corpus) is null ? "writes its corpus, trains" : "trains")} and evaluates within it");
            if (parse.GetValue(corpus) is string named && !File.Exists(named) && !Directory.Exists(named))
                throw new GlossaException($"{named}: corpus not found (--corpus); 'glossa synth DIR' writes a synthetic one, or leave --corpus out for the built-in one");
            if (parse.GetValue(epochs) is int most && most < 1) throw new GlossaException($"--epochs must be at least 1 (got {most})");
            ThreadCount.Check(parse.GetValue(threads));
            string corpusPath = parse.GetValue(corpus) is string given
                ? given
                : Synthesize(outDir, isQuick, (int)seedValue, asJson);
            // Training's share of what is left, at least MinTrainingMinutes, rounded to a tenth of a minute: the figure
            // appears in the log, the stop message and the doctor's commands.
            static double TrainingPart(double left) => Math.Round(Math.Max(DemoRecipe.MinTrainingMinutes, left * DemoRecipe.TrainingShare), 1);
            double trainMinutes = TrainingPart(minutes - compute.Minutes);
            if ((minutes - compute.Minutes) * DemoRecipe.TrainingShare < DemoRecipe.MinTrainingMinutes)
                Console.Error.WriteLine($"glossa: note: writing the corpus took {compute.Minutes:0.0} of the {minutes:0.#}-minute budget; training gets {trainMinutes:0.0} min, so the demo will overrun its budget");
            // The wall-clock limit (a safety net for busy cores; DemoRecipe.WallFactor), shared out like the budget.
            double wallMinutes = TrainingPart(minutes * DemoRecipe.WallFactor - clock.Elapsed.TotalMinutes);
            var options = DemoRecipe.Options(corpusPath, Path.Combine(outDir, "run"), parse.GetValue(epochs) ?? (isQuick ? DemoRecipe.QuickEpochs : null),
                trainMinutes, parse.GetValue(threads), seedValue, cache, wallMinutes);
            if (isQuick) options = options with { FrameSize = 32 };
            options.Validate(); // every other option, before training is announced
            if (!asJson) Console.WriteLine($"training {options.Model} for up to {options.Epochs} epochs within {trainMinutes:0.0} min of compute on {corpusPath} -> {options.OutputDir}");
            var (outcome, job) = TrainingConsole.Run(options, json: asJson, quiet: asJson, quietLog: asJson ? Console.Error.WriteLine : null); // --json: the log on stderr, so a long run shows it is alive
            using var _ = job;
            if (outcome.Status is TrainingStatus.Interrupted or TrainingStatus.Failed)
            {
                if (asJson) CliRunner.PrintJson(new { status = outcome.Status.ToString().ToLowerInvariant(), message = outcome.Message, run_dir = outcome.RunDir });
                return TrainingConsole.ExitCode(outcome);
            }
            var results = DemoRecipe.Evaluate(options, corpusPath);
            string? note = DemoRecipe.WallClockNote(outcome, options.TimeBudgetMinutes); // null unless busy cores cut training short
            var signers = SplitSigners(corpusPath, results.Keys);
            if (asJson)
                CliRunner.PrintJson(new Dictionary<string, object?>
                {
                    ["dev"] = Summary(results["dev"]),
                    ["test"] = Summary(results["test"]),
                    ["run_dir"] = outcome.RunDir,
                    ["eval_dir"] = Path.Combine(outcome.RunDir, "eval"),   // SPLIT.stm, SPLIT.beam-10.ctm, results; a new user looked for them
                    ["epochs"] = outcome.Epochs,
                    ["best_epoch"] = outcome.BestEpoch,
                    ["best_val_wer_greedy"] = outcome.BestWer, // what training chose the checkpoint by; dev and test above are beam 10
                    ["signers"] = SignersJson(signers),                        // who signs each split: unseen signers make it a signer-independent figure
                    ["stopped"] = outcome.Message,
                    ["note"] = note,
                    ["findings"] = outcome.Findings,                          // the doctor's lines as training printed them
                    ["diagnosis"] = Diagnosis(outcome.RunDir),               // the run as 'glossa diagnose RUN --json' sees it
                    ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
                    ["cpu_seconds"] = Math.Round(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, 1),
                    ["peak_rss_mib"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0), // the whole demo's, training and evaluation
                });
            else
                PrintTable(results, outcome, clock.Elapsed, signers, note);
            return 0;
        }));
        return command;
    }

    static void PrintTable(IReadOnlyDictionary<string, EvaluationResult> results, TrainingOutcome outcome, TimeSpan elapsed,
        IReadOnlyDictionary<string, SignerCounts?> signers, string? note)
    {
        var table = new Table().AddColumns("split", "WER %", "sub", "del", "ins", "ref words", "utterances");
        foreach (var (split, r) in results)
            table.AddRow(split, r.Wer.ToString("0.00", CultureInfo.InvariantCulture), $"{r.Substitutions}", $"{r.Deletions}", $"{r.Insertions}", $"{r.ReferenceWords}", $"{r.Utterances}");
        AnsiConsole.Write(table);
        // Every epoch at 100% (nothing learnt, e.g. --quick): "best epoch 1" alone read as if epoch 1 had been good.
        string tie = outcome.BestWer >= 100 && outcome.Epochs > 1 ? ": every epoch was at 100% or above, so the first is kept" : "";
        Console.WriteLine($"best checkpoint: epoch {outcome.BestEpoch} of {outcome.Epochs} (greedy val WER {outcome.BestWer:0.00}%{tie}), beam {DemoRecipe.Beam}, {results["dev"].Cleanup} cleanup");
        var unseen = signers.Where(p => p.Value is { AllUnseen: true }).Select(p => p.Key).ToList();
        if (unseen.Count > 0)
            Console.WriteLine($"{string.Join(", ", unseen)}: signed only by signers who sign no training clip: {(unseen.Count == 1 ? "its WER measures" : "their WERs measure")} unseen signers (a signer-independent split)");
        foreach (var (split, c) in signers)
            if (c is { AllUnseen: false, Unseen: > 0 })
                Console.WriteLine($"{split}: {c.Unseen} of its {c.Validation} signers sign no training clip: its WER mixes seen and unseen signers");
        // The doctor's verdict on the finished run, as the JSON's "diagnosis" gives it (the text output had never said it).
        var report = new DiagnosisReport(RunRecord.Diagnose(outcome.RunDir), outcome.RunDir, RunRecord.Ended(outcome.RunDir));
        Console.WriteLine(report.Verdict == Verdict.Healthy
            ? "doctor: healthy (no warning and no critical finding)"
            : $"doctor: {report.Verdict.ToString().ToLowerInvariant()}: {report.Findings[0].Rule}: {report.Findings[0].Title}; 'glossa diagnose {outcome.RunDir}' gives the actions");
        if (note is not null) Console.WriteLine(note);
        Console.WriteLine($"run folder: {outcome.RunDir}  (training.log, metrics.jsonl, tensorboard/, best, last, eval/)");
        Console.WriteLine($"total time: {elapsed.TotalMinutes:0.0} min");
    }

    /// <summary>Each evaluated split's signers against the training split's (<see cref="SignerCounts"/>; null where the corpus names none).</summary>
    static Dictionary<string, SignerCounts?> SplitSigners(string corpusPath, IEnumerable<string> splits)
    {
        var corpus = CorpusLoader.LoadAnnotations(corpusPath); // who signs what is in the annotations
        var train = corpus.Split("train");
        return splits.ToDictionary(split => split, split => SignerCounts.Of(train, corpus.Split(split)));
    }

    /// <summary><c>{ "train": N, "dev": { "signers": N, "unseen": N }, ... }</c>, or null when the corpus names no signers.</summary>
    static JsonObject? SignersJson(IReadOnlyDictionary<string, SignerCounts?> signers)
    {
        if (signers.Values.FirstOrDefault(c => c is not null) is not { } any) return null;
        var json = new JsonObject { ["train"] = any.Training };
        foreach (var (split, c) in signers)
            json[split] = c is null ? null : new JsonObject { ["signers"] = c.Validation, ["unseen"] = c.Unseen };
        return json;
    }

    /// <summary>The doctor's verdict and findings on the finished run, the object <c>glossa diagnose RUN --json</c> prints.</summary>
    static JsonObject Diagnosis(string runDir) => new DiagnosisReport(RunRecord.Diagnose(runDir), runDir, RunRecord.Ended(runDir)).ToJson();

    static object Summary(EvaluationResult r) => new
    {
        wer = r.Wer,
        decoder = r.Decoder, // as evaluate --json and recognize --json name it ("beam-10"); until 2026-12-07 "beam 10, X cleanup"
        cleanup = r.Cleanup,
        substitutions = r.Substitutions,
        deletions = r.Deletions,
        insertions = r.Insertions,
        reference_words = r.ReferenceWords,
        utterances = r.Utterances,
    };

    /// <summary>Writes the synthetic corpus once; a later demo in the same folder reuses it.</summary>
    static string Synthesize(string outDir, bool quick, int seed, bool quiet)
    {
        var options = DemoRecipe.Corpus(quick, seed);
        string dir = Path.Combine(outDir, $"corpus-{options.TrainSentences}-{options.Glosses}-s{seed}");
        if (File.Exists(Path.Combine(dir, SyntheticCorpus.MarkerFile)))
        {
            if (!quiet) Console.WriteLine($"reusing the synthetic corpus at {dir}");
            return dir;
        }
        if (!quiet) Console.WriteLine($"writing a synthetic corpus ({options.TrainSentences}/{options.DevSentences}/{options.TestSentences} sentences, {options.Glosses} glosses, {options.Signers} signers) to {dir}");
        var summary = SyntheticCorpus.Write(options, dir, null, overwrite: true);
        if (!quiet) Console.WriteLine($"  {summary.Frames} frames in {summary.Elapsed.TotalSeconds:0.0} s");
        return dir;
    }
}
