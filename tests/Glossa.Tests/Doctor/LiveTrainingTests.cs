using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Corpora;
using Glossa.Tests.Training;
using Glossa.Tests.Cli;

namespace Glossa.Tests.Doctor;

/// <summary>
/// The doctor live inside real <c>glossa train</c> runs on a synthetic PHOENIX-layout corpus:
/// a run made to collapse to blank (dropout 0.95, i.e. a keep probability passed as a drop
/// rate) is caught and auto-stopped within a few epochs, and the command the doctor prints
/// for the restart is run as printed and trains a healthy model with no critical finding.
/// </summary>
public sealed class LiveTrainingTests(LiveTrainingTests.World world) : IClassFixture<LiveTrainingTests.World>, IDisposable
{
    /// <summary>The synthetic corpus both tests read, written once (the runs write only their own folders).</summary>
    const int TrainClips = 32;

    public sealed class World : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("glossa-live-corpus-").FullName;

        public string Corpus => Path.Combine(Root, "corpus");

        public World() =>
            SyntheticCorpus.Write(new SynthOptions { TrainSentences = TrainClips, DevSentences = 8, TestSentences = 8, Glosses = 8, Signers = 2, Seed = 5 }, Corpus, overwrite: true);

        public void Dispose()
        {
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        }
    }

    readonly string root = Directory.CreateTempSubdirectory("glossa-live-train-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    string Corpus() => world.Corpus;

    static List<JsonNode> Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Trim().Length > 0).Select(l => JsonNode.Parse(l)!).ToList();

    [Fact]
    public void Clips_cut_too_short_for_ctc_are_named_before_training_and_flagged_by_the_doctor()
    {
        string corpus = Corpus(), run = Path.Combine(root, "short");
        // --max-frames 36 subsamples every clip to 36 frames: 9 output frames (stride 4, edge-padded), too few for the longer sentences.
        var (code, stdout, stderr) = CliProcess.Run(Limit, "train", "--model", "tiny-student", "--corpus", corpus, "--output-dir", run, "--epochs", "1",
            "--frame-size", "32", "--max-frames", "36", "--no-augment", "--threads", "2", "--workers", "1", "--histogram-every", "0", "--json");
        Assert.True(code == 0, stderr);
        string log = File.ReadAllText(Path.Combine(run, "training.log"));
        var listed = System.Text.RegularExpressions.Regex.Match(log, $@"train: (\d+) of {TrainClips} clips are too short for CTC and are left out:");
        Assert.True(listed.Success, log);
        int bad = int.Parse(listed.Groups[1].Value);
        Assert.InRange(bad, 1, TrainClips - 1);
        Assert.Matches(@"synth_train_\d+-0 \(.*train\.corpus\.csv:\d+\): \d+ frames -> 9 output frames, needs 1\d", log); // each named, with file, line and arithmetic
        Assert.Contains($"[doctor] {(bad * 4 >= TrainClips ? "CRITICAL" : "WARNING")} ctc_infeasible: {bad} of {TrainClips} clips", log); // critical from 25%
        // The run's model, counting output frames as it does (with the run's frame cap), and at half the stride.
        Assert.Contains("corpus check " + corpus + " --model tiny-student --max-frames 36\n", log);
        Assert.Contains("corpus check " + corpus + " --model tiny-student --temporal-conv K5-P2-K5 --max-frames 36\n", log);
        (code, stdout, _) = CliProcess.Run(Limit, "corpus", "check", corpus, "--model", "tiny-student", "--max-frames", "36", "--json", "--skip-frames");
        Assert.Equal(1, code);
        using (var checkedCorpus = JsonDocument.Parse(stdout))
            Assert.Equal(bad, checkedCorpus.RootElement.GetProperty("errors").EnumerateArray()
                .Count(e => e.GetProperty("kind").GetString() == "ctc_infeasible" && e.GetProperty("file").GetString()!.EndsWith("train.corpus.csv")));
        var context = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "run_context.json")))!;
        Assert.Equal(TrainClips - bad, (int?)context["training_samples"]);
        Assert.True((int?)context["signers"]?["training"] > 0, context.ToJsonString()); // the synthetic corpus names its signers
        // The dev clips cut as short are scored, as evaluate scores them: one dev WER, whichever command measures it (training's
        // validation had left them out, so a new user's 'best' was chosen on half the clips evaluate scored).
        Assert.Matches(@"dev: \d+ of 8 clips are too short for CTC: their glosses cannot all be recognised; they are decoded and scored", log);
        (code, stdout, stderr) = CliProcess.Run(Limit, "evaluate", "--checkpoint", Path.Combine(run, "best"), "--corpus", corpus, "--split", "dev",
            "--beam", "0", "--json", "--threads", "2", "--output-dir", Path.Combine(root, "short-eval"));
        Assert.True(code == 0, stderr);
        using var evaluated = JsonDocument.Parse(stdout);
        Assert.Equal(8, evaluated.RootElement.GetProperty("utterances").GetInt32());
        Assert.Equal(Math.Round((double)Metrics(run)[0]["val_wer"]!, 2), evaluated.RootElement.GetProperty("wer").GetDouble(), 6); // evaluate --json rounds to 2 places
        Assert.Contains(evaluated.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("clips are too short for CTC at the model's temporal stride 4"));
        // Every short clip, not the warning's three examples: the same clips training's log counted.
        int shortDev = int.Parse(System.Text.RegularExpressions.Regex.Match(log, @"dev: (\d+) of 8 clips are too short").Groups[1].Value);
        var shortClips = evaluated.RootElement.GetProperty("too_short_clips").EnumerateArray().ToList();
        Assert.Equal(shortDev, shortClips.Count);
        Assert.All(shortClips, c => Assert.True(c.GetProperty("output_frames").GetInt32() < c.GetProperty("required_frames").GetInt32(), c.ToString()));
    }

    [Fact]
    public void A_run_collapsing_to_blank_is_auto_stopped_and_the_printed_restart_trains_healthily()
    {
        string corpus = Corpus(), run = Path.Combine(root, "keep-prob");
        // The user's options as typed, with aliases (--data, --lr, -o): the advice must come back in canonical, runnable form.
        // 8 epochs: the doctor stops the collapse at 4-7, and the printed restart keeps them and reaches 0% val WER by ~6.
        var (code, stdout, stderr) = CliProcess.Run(Limit, "train", "--model", "tiny-student", "--data", corpus, "-o", run, "--epochs", "8",
            "--frame-size", "32", "--batch-size", "4", "--lr", "0.001", "--dropout", "0.95", "--threads", "2", "--workers", "1",
            "--histogram-every", "0", "--no-augment", "--auto-stop", "--json");

        // Stopped by the doctor, before the 8 epochs asked for.
        Assert.True(code == 3, $"exit {code}: {stderr}");
        var summary = JsonNode.Parse(stdout)!;
        Assert.Contains("the training doctor stopped the run after epoch", (string?)summary["message"]);
        Assert.Contains("blank_collapse", (string?)summary["message"]); // the reason, in the summary
        int epochs = (int)summary["epochs"]!;
        Assert.InRange(epochs, 4, 7);

        // The run really collapsed: every validation frame blank, every hypothesis empty, from epoch 1.
        var metrics = Metrics(run);
        Assert.Equal(epochs, metrics.Count);
        Assert.All(metrics, m => Assert.True((double)m["blank_ratio"]! >= 0.99 && (double)m["empty_rate"]! == 1.0, m.ToJsonString()));

        // Live: the critical finding is in training.log in the epoch the run stopped, with the reason in the summary line.
        string log = File.ReadAllText(Path.Combine(run, "training.log"));
        Assert.Contains($"[doctor] CRITICAL blank_collapse: epoch {epochs}:", log);
        Assert.Contains("AutoStopped: the training doctor stopped the run", log);

        // After the fact: the same verdict, the dropout named as the cause, and a ready-to-run restart.
        (code, stdout, stderr) = CliProcess.Run(Limit, "diagnose", run, "--json", "--no-plots");
        Assert.True(code == 3, $"exit {code}: {stderr}");
        var diagnosis = JsonNode.Parse(stdout)!;
        Assert.Equal("stop", (string?)diagnosis["verdict"]);
        var collapse = diagnosis["findings"]!.AsArray().Single(f => (string?)f!["rule"] == "blank_collapse")!;
        Assert.Equal("critical", (string?)collapse["severity"]);
        Assert.Contains("dropout 0.95 zeroes 95% of the features", (string?)collapse["explanation"]);
        string restart = (string)collapse["actions"]![0]!["command"]!;
        Assert.StartsWith("./glossa train --model tiny-student --corpus " + corpus, restart);
        Assert.Contains("--dropout 0.05", restart);
        Assert.Contains("--learning-rate 0.001 ", restart); // a sane rate is left alone
        Assert.EndsWith("--output-dir " + run + "_v2", restart);
        Assert.DoesNotContain("--overwrite", restart);

        // The restart, run exactly as printed: it learns, and the doctor finds nothing critical.
        string[] args = restart.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
        (code, stdout, stderr) = CliProcess.Run(Limit, args);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        var healthy = Metrics(run + "_v2");
        Assert.Equal(8, healthy.Count);
        Assert.True((double)healthy[^1]["val_wer"]! < 20, $"the restarted run did not learn: {healthy[^1].ToJsonString()}");
        Assert.True((double)healthy[^1]["blank_ratio"]! < 0.9);
        Assert.DoesNotContain("CRITICAL", File.ReadAllText(Path.Combine(run + "_v2", "training.log")));
        (code, stdout, stderr) = CliProcess.Run(Limit, "diagnose", run + "_v2", "--json", "--no-write");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        var after = JsonNode.Parse(stdout)!;
        Assert.NotEqual("stop", (string?)after["verdict"]);
        Assert.DoesNotContain(after["findings"]!.AsArray(), f => (string?)f!["severity"] == "critical");
    }
}
