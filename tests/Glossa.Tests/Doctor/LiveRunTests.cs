using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Doctor;
using Glossa.Tests.Cli;
using Glossa.Training;

namespace Glossa.Tests.Doctor;

/// <summary>
/// The doctor live, on real (tiny) CTC training runs: a far too high learning rate kills the
/// features (dead ReLUs) and the model falls into the all-blank output; a sane rate learns.
/// </summary>
public sealed class LiveRunTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("glossa-live-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    (HealthMonitor Monitor, List<EpochMetrics> History, List<string> Log, string? StopReason) Train(TinyCtcRun run, string[] args)
    {
        var monitor = new HealthMonitor(new RunContext { ModelName = "tiny", CommandLine = args });
        var log = new List<string>();
        string? stop = null;
        var history = run.Run(m =>
        {
            foreach (var f in monitor.Observe(m))
                log.AddRange(f.ToLogLines());
            if (monitor.ShouldStop(out var reason)) { stop = reason; return false; } // --auto-stop
            return true;
        });
        return (monitor, history, log, stop);
    }

    [Fact]
    public void A_run_collapsing_to_blank_is_caught_live_and_auto_stopped()
    {
        string[] args = ["--model", "tiny", "--corpus", "synthetic", "--learning-rate", "1", "--output-dir", Path.Combine(dir, "run")];
        var (monitor, history, log, stop) = Train(new TinyCtcRun { LearningRate = 1.0, Recurrent = false, Epochs = 15 }, args);

        // The real run collapsed: all frames blank, all hypotheses empty.
        Assert.All(history.Skip(1), m => Assert.True(m.BlankRatio > 0.99 && m.EmptyRate == 1.0, $"epoch {m.Epoch}: blank {m.BlankRatio}, empty {m.EmptyRate}"));
        Assert.NotNull(stop);
        Assert.Contains("blank_collapse", stop);
        Assert.True(history.Count <= 6, $"stopped only after {history.Count} epochs");
        Assert.Equal(Verdict.Stop, monitor.Verdict);
        Assert.Contains(log, l => l.StartsWith("[doctor] CRITICAL blank_collapse: epoch"));
        // The advice lowers the rate from 1 to the healthy Adam rate, with warm-up, in a new folder.
        var collapse = monitor.Findings.Single(f => f.Rule == RuleIds.BlankCollapse);
        Assert.Contains("--learning-rate 0.0003 --output-dir " + Path.Combine(dir, "run_v2") + "", collapse.Actions[0].Command!.Replace(" --warmup-epochs 2", ""));
        Assert.Contains("learning rate 1 is high", collapse.Explanation);
        // Every distinct train command in the live log writes its own folder, as diagnose numbers them (the live log had
        // given a finding's restarts one folder, and the second was refused as a run already there).
        var folders = log.Where(l => l.Contains(" train ", StringComparison.Ordinal) && l.Contains(" --output-dir ", StringComparison.Ordinal))
            .Select(l => (Command: l[..l.LastIndexOf(" --output-dir ", StringComparison.Ordinal)].Trim(), Folder: l[(l.LastIndexOf(" --output-dir ", StringComparison.Ordinal) + 14)..].Trim()))
            .Distinct().ToList();
        Assert.True(folders.Count >= 2, string.Join("\n", log));
        Assert.True(folders.Select(f => f.Command).Distinct().Count() == folders.Select(f => f.Folder).Distinct().Count(), string.Join("\n", log));

        // After the fact: the same run folder through the command line gives exit code 3 and the same verdict.
        string runDir = Path.Combine(dir, "run");
        Directory.CreateDirectory(runDir);
        File.WriteAllLines(Path.Combine(runDir, RunFolder.MetricsFile), history.Select(m => JsonSerializer.Serialize(m, Snake)));
        File.WriteAllText(Path.Combine(runDir, RunFolder.ConfigFile), """{"model":"tiny","corpus":"synthetic","learning_rate":1.0,"output_dir":"RUNDIR"}""".Replace("RUNDIR", runDir));
        var (code, stdout, stderr) = Cli("diagnose", runDir, "--json");
        Assert.True(code == 3, $"exit {code}: {stderr}");
        var json = JsonNode.Parse(stdout)!;
        Assert.Equal("stop", (string?)json["verdict"]);
        Assert.Contains(json["findings"]!.AsArray(), f => (string?)f!["rule"] == "blank_collapse");
        Assert.True(File.Exists(Path.Combine(runDir, "diagnosis.md")));
        Assert.True(File.Exists(Path.Combine(runDir, "blank_ratio.png")));
    }

    [Theory]
    [InlineData(0.03, false)] // fast learner
    [InlineData(0.01, true)]  // GRU at a lower rate: pure blank for ~50 steps first (slow stage 1)
    public void A_healthy_run_gets_no_critical_finding(double lr, bool recurrent)
    {
        var (monitor, history, log, stop) = Train(new TinyCtcRun { LearningRate = lr, Recurrent = recurrent, Epochs = 10 }, []);
        Assert.Null(stop);
        Assert.Equal(10, history.Count);
        Assert.True(history[^1].ValWer < 10, $"the run did not learn: WER {history[^1].ValWer}");
        Assert.DoesNotContain(monitor.Raised, f => f.Severity == Severity.Critical);
        Assert.DoesNotContain(log, l => l.Contains("CRITICAL"));
    }

    [Fact]
    public void Cli_diagnoses_a_csv_history_and_rejects_bad_usage()
    {
        string csv = Path.Combine(dir, "reference-run.csv");
        File.WriteAllText(csv, "epoch,train_loss,val_loss,train_wer,val_wer,blank_ratio,empty_rate\n1,44.59,7.19,,,,\n25,4.19,4.90,,,,\n50,2.87,4.96,,,,\n60,2.36,5.29,82.7,90.83,0.93,0.6\n");
        var (code, stdout, _) = Cli("diagnose", "--history", csv, "--no-plots");
        Assert.Equal(3, code);
        Assert.Contains("Verdict: stop", stdout);
        // One line however long the advice (it had been wrapped mid-sentence at 80 columns when redirected).
        string verdictLine = stdout.Split('\n').Single(l => l.StartsWith("Verdict: ", StringComparison.Ordinal));
        Assert.EndsWith(".", verdictLine.TrimEnd());
        Assert.True(verdictLine.Length > 80, verdictLine);
        Assert.Contains("overfitting", stdout);
        Assert.True(File.Exists(Path.Combine(dir, "reference-run-diagnosis", "diagnosis.md")));

        string healthy = Path.Combine(dir, "ok.json");
        File.WriteAllText(healthy, """[{"epoch":1,"train_loss":3,"val_loss":2.9},{"epoch":2,"train_loss":2,"val_loss":1.9}]""");
        var ok = Cli("diagnose", "--history", healthy, "--json", "--no-write");
        Assert.Equal(0, ok.Code);
        Assert.Equal("healthy", (string?)JsonNode.Parse(ok.Stdout)!["verdict"]);

        var bad = Cli("diagnose", "--history", Path.Combine(dir, "missing.csv"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("history file not found", bad.Stderr);
        Assert.Equal(2, Cli("diagnose").Code);
    }

    static (int Code, string Stdout, string Stderr) Cli(params string[] args) => CliProcess.Run(TimeSpan.FromMinutes(5), args);
}
