using System.CommandLine;
using Glossa.Common;
using Glossa.Doctor;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary>
/// <c>glossa diagnose RUN_DIR</c> / <c>glossa diagnose --history FILE</c>: the training doctor after the
/// fact. Prints the findings, writes diagnosis.md, diagnosis.json and PNG plots, and exits 0
/// (healthy or continue) or 3 (stop).
/// </summary>
internal static class DiagnoseCommand
{
    /// <summary>Exit code when the verdict is stop.</summary>
    public const int StopExitCode = 3;

    public static Command Create()
    {
        var runDir = new Argument<string?>("RUN_DIR")
        {
            Description = "A glossa run folder (metrics.jsonl, config.json, optional run_context.json).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var history = new Option<string?>("--history") { HelpName = "FILE", Description = "A history from any toolkit: CSV with header, JSON array of objects, or JSON lines; columns epoch, train_loss, val_loss, optional train_wer, val_wer (percent), blank_ratio, empty_rate, ..." };
        var checkpoint = new Option<string?>("--checkpoint") { HelpName = "C", Description = "Diagnose a checkpoint on a corpus split (with --corpus and --split): blank share, empty predictions, vocabulary agreement, CTC feasibility, capacity." };
        var format = new Option<string?>("--format", "--corpus-format", "--corpus_format") { HelpName = "F", Description = "Corpus format for --checkpoint (default: detect)." };
        var corpus = new Option<string?>("--corpus") { HelpName = "P", Description = "Corpus for --checkpoint." };
        var split = new Option<string>("--split") { HelpName = "NAME", Description = "Corpus split for --checkpoint.", DefaultValueFactory = _ => "dev" };
        var json = new Option<bool>("--json") { Description = "Print the diagnosis as JSON (verdict, findings) instead of tables." };
        var output = new Option<string?>("--out", "-o") { HelpName = "DIR", Description = "Folder for diagnosis.md, diagnosis.json and plots (default: RUN_DIR, or FILE's folder/<name>-diagnosis for --history)." };
        var noPlots = new Option<bool>("--no-plots") { Description = "Do not write PNG plots." };
        var noWrite = new Option<bool>("--no-write") { Description = "Only print; write no files." };
        var config = new Option<string?>("--config") { HelpName = "FILE", Description = "With --history: the run's training options as a JSON object (like config.json), used to build ready-to-run commands." };
        var contextFile = new Option<string?>("--context") { HelpName = "FILE", Description = "With --history: a run_context.json (parameter count, training samples, stride, CTC-infeasible clips, label counts)." };

        var command = new Command("diagnose", "Diagnose a training run: blank collapse, overfitting, not learning, instability, CTC feasibility, capacity, non-finite values, data mismatch. Exit code 0 = healthy or continue, 3 = stop.");
        command.Aliases.Add("doctor"); // the feature's name in the docs (docs/doctor.md)
        command.Arguments.Add(runDir);
        foreach (var o in new Option[] { history, checkpoint, corpus, format, split, json, output, noPlots, noWrite, config, contextFile })
            command.Options.Add(o);

        command.SetAction(parse => CliRunner.Guard(() =>
        {
            string? dir = parse.GetValue(runDir);
            string? hist = parse.GetValue(history);
            string? ckpt = parse.GetValue(checkpoint);
            int sources = (dir is null ? 0 : 1) + (hist is null ? 0 : 1) + (ckpt is null ? 0 : 1);
            if (sources != 1)
                throw new GlossaException("diagnose: give exactly one of RUN_DIR, --history FILE or --checkpoint C --corpus P");
            if (dir is not null && (parse.GetValue(config) is not null || parse.GetValue(contextFile) is not null))
                throw new GlossaException("diagnose: --config and --context go with --history; a run folder has its own config.json and run_context.json");
            if (dir is not null && File.Exists(dir))
                throw new GlossaException("diagnose: " + RunRecord.FileInsteadOfFolder(dir));
            if (ckpt is not null && parse.GetValue(corpus) is null)
                throw new GlossaException("diagnose --checkpoint: give the corpus to run it on: --corpus PATH [--split dev]");

            var (monitor, source, defaultOut) = ckpt is not null ? FromCheckpoint(ckpt, parse.GetValue(corpus)!, parse.GetValue(format), parse.GetValue(split)!)
                : dir is not null ? FromRun(dir)
                : FromHistory(hist!, parse.GetValue(contextFile), parse.GetValue(config));
            // A checkpoint's run has ended too (when its folder says so): warnings then do not read as "keep training".
            string? ended = dir is not null ? RunRecord.Ended(dir)
                : ckpt is not null ? RunRecord.Ended(Glossa.Training.Checkpoint.RunFolderOf(ckpt)) : null;
            string? interrupted = dir is not null ? RunRecord.Interrupted(dir) : null;
            var report = new DiagnosisReport(monitor, source, ended, interrupted);
            IReadOnlyList<string> files = [];
            if (!parse.GetValue(noWrite))
                files = report.WriteAll(parse.GetValue(output) ?? defaultOut, plots: !parse.GetValue(noPlots));

            if (parse.GetValue(json))
                Console.WriteLine(report.ToJson().ToJsonString(CliRunner.Json));
            else
                PrintTables(report, monitor, files, checkpointMode: ckpt is not null);
            return monitor.Verdict == Verdict.Stop ? StopExitCode : 0;
        }));
        return command;
    }

    static (HealthMonitor Monitor, string Source, string DefaultOut) FromCheckpoint(string ckpt, string corpus, string? format, string split)
    {
        var monitor = CheckpointDiagnosis.Run(ckpt, corpus, format, split);
        // RUN/diagnosis-CHECKPOINT-SPLIT, with the corpus's name for another corpus than the run's own (as evaluate).
        // Its history ends at the checkpoint's epoch: say so, or a "healthy" here reads as disagreeing with the run's own diagnosis.
        // On another split or corpus than the run validated on, the run's history is not this data's: the pass stands alone.
        string scope = Glossa.Training.Checkpoint.SavedEpoch(ckpt) is int epoch
            ? monitor.History.Count > 1 || epoch <= 1
                ? $" (saved after epoch {epoch}; the run's history up to it: 'glossa diagnose RUN' judges every epoch)"
                : $" (saved after epoch {epoch}; this pass alone: the run's history is of another split or corpus)"
            : "";
        return (monitor, $"{ckpt} on {corpus} ({split}){scope}", Glossa.Training.Evaluator.OutputDirFor("diagnosis", ckpt, split, corpus));
    }

    static (HealthMonitor Monitor, string Source, string DefaultOut) FromRun(string dir) => (RunRecord.Diagnose(dir), dir, dir);

    static (HealthMonitor Monitor, string Source, string DefaultOut) FromHistory(string hist, string? contextFile, string? config)
    {
        var monitor = HealthMonitor.Diagnose(HistoryReader.Read(hist), RunRecord.LoadContextFor(hist, contextFile, config, out var beside));
        // Say which files beside the history were read: they change the commands, and a user may not expect them.
        string source = beside.Count == 0 ? hist : $"{hist} (with {string.Join(" and ", beside.Select(Path.GetFileName))} beside it)";
        return (monitor, source, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(hist))!, Path.GetFileNameWithoutExtension(hist) + "-diagnosis"));
    }

    static void PrintTables(DiagnosisReport report, HealthMonitor monitor, IReadOnlyList<string> files, bool checkpointMode)
    {
        var console = AnsiConsole.Console;
        var verdict = monitor.Verdict;
        string color = verdict switch { Verdict.Stop => "red", Verdict.Continue => "yellow", _ => "green" };
        // The advice is a plain write: Spectre wraps at the console width (80 columns when redirected), mid-sentence.
        console.Markup($"[bold {color}]Verdict: {Finding.VerdictName(verdict)}[/]");
        Console.WriteLine(" - " + report.VerdictAdvice());
        if (checkpointMode || report.Source.EndsWith(" beside it)", StringComparison.Ordinal))
            Console.WriteLine($"Judged: {report.Source}");
        if (monitor.Findings.Count == 0)
        {
            console.MarkupLine("No findings.");
            // What the live doctor printed and the run then left behind: without this line a user who saw a
            // warning in training.log reads "no findings" as a disagreement.
            var resolved = report.Resolved();
            if (resolved.Count > 0)
                Console.WriteLine("Resolved since it was raised (the run's later epochs no longer show it): " +
                    string.Join("; ", resolved.Select(f => $"epoch {f.Epoch} {f.Rule} ({Finding.SeverityName(f.Severity)}): {f.Title}")));
        }
        else
        {
            var table = new Table().AddColumns("severity", "rule", "first seen", "summary");
            foreach (var f in monitor.Findings)
            {
                string c = f.Severity switch { Severity.Critical => "red", Severity.Warning => "yellow", _ => "blue" };
                table.AddRow($"[{c}]{Finding.SeverityName(f.Severity)}[/]", Markup.Escape(f.Rule),
                    f.FirstEpoch is { } e ? $"epoch {e}" : "start", Markup.Escape(f.Title));
            }
            console.Write(table);
            foreach (var f in monitor.Findings)
            {
                console.MarkupLine($"\n[bold]{Markup.Escape(f.Rule)}[/] ({Finding.SeverityName(f.Severity)})");
                // Plain writes: Spectre would wrap the commands at the console width and break copy-paste.
                Console.WriteLine("  evidence: " + string.Join("; ", f.Evidence.Select(x => x.ToString())));
                Console.WriteLine("  " + f.Explanation);
                foreach (var a in f.Actions)
                {
                    Console.WriteLine("  - " + a.Description);
                    if (a.Command is not null) Console.WriteLine("      " + a.Command);
                }
            }
        }
        if (monitor.History.LastOrDefault(m => m.Samples is { Count: > 0 }) is { } withSamples)
        {
            var samples = new Table().AddColumns("id", "target", "prediction");
            foreach (var s in withSamples.Samples!.Take(5))
                samples.AddRow(Markup.Escape(s.Id), Markup.Escape(s.Target), s.Pred.Trim().Length == 0 ? "[grey](empty)[/]" : Markup.Escape(s.Pred));
            console.WriteLine();
            console.MarkupLine($"Sample predictions, epoch {withSamples.Epoch}:");
            console.Write(samples);
        }
        var gap = GapRows(monitor);
        if (gap is not null) { console.WriteLine(); console.Write(gap); }
        foreach (var f in files)
            console.WriteLine("wrote " + f);
    }

    static Table? GapRows(HealthMonitor monitor)
    {
        var h = monitor.History;
        if (h.Count == 0) return null;
        var table = new Table().AddColumns("epoch", "train loss", "val loss", "gap", "val WER", "blank", "empty");
        var rows = h.Count <= 12 ? h : h.Where((m, i) => i == 0 || i == h.Count - 1 || i % (int)Math.Ceiling(h.Count / 10.0) == 0).ToList();
        foreach (var m in rows)
            table.AddRow(m.Epoch.ToString(), Evidence.Format(m.TrainLoss), Fmt(m.ValLoss), Fmt(m.ValLoss - m.TrainLoss), Fmt(m.ValWer), Fmt(m.BlankRatio), Fmt(m.EmptyRate));
        return table;
    }

    static string Fmt(double? v) => v is { } x ? Evidence.Format(x) : "";
}
