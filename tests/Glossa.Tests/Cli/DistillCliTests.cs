using System.Text.Json;
using Glossa.Tests.Training;
using Glossa.Tests.Recognition;

namespace Glossa.Tests.Cli;

/// <summary>glossa distill and glossa compare as processes, on the tiny synthetic corpus.</summary>
public sealed class DistillCliTests() : TinyRunTests("glossa-distill-cli-")
{
    [Fact]
    public void Distill_runs_end_to_end_resumes_and_compare_reads_both_runs()
    {
        string teacher = Path.Combine(root, "teacher"), student = Path.Combine(root, "student");
        var (code, _, err) = Glossa(["train", "--model", "tiny-student", .. Common(teacher, 1), "--json"]);
        Assert.True(code == 0, err);

        (code, var stdout, err) = Glossa(["distill", "--teacher", Path.Combine(teacher, "best"), "--model", "tiny-student", "--hidden_dim", "16",
            "--kd-temperature", "4", "--kd-weight", "0.5", "--kd-non-blank", "--cache-teacher", .. Common(student, 1), "--json"]);
        Assert.True(code == 0, err);
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(student, "summary.json"))))
            Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
        int cached = Directory.GetFiles(Path.Combine(student, "teacher-cache"), "*.kd").Length;
        Assert.True(cached > 0, "the teacher cache is empty");

        // Resume for one more epoch: the cache is read, not refilled, and both epochs carry the distillation loss apart.
        (code, _, err) = Glossa(["distill", "--teacher", Path.Combine(teacher, "best"), "--model", "tiny-student", "--hidden_dim", "16",
            "--kd-temperature", "4", "--kd-weight", "0.5", "--kd-non-blank", "--cache-teacher", "--resume", .. Common(student, 2), "--json"]);
        Assert.True(code == 0, err);
        Assert.Equal(cached, Directory.GetFiles(Path.Combine(student, "teacher-cache"), "*.kd").Length);
        var metrics = File.ReadAllLines(Path.Combine(student, "metrics.jsonl"));
        Assert.Equal(2, metrics.Length);
        foreach (var line in metrics)
        {
            using var m = JsonDocument.Parse(line);
            double kd = m.RootElement.GetProperty("distill_loss").GetDouble();
            Assert.True(kd > 0 && double.IsFinite(kd), $"distill_loss {kd}");
            Assert.True(m.RootElement.GetProperty("train_loss").GetDouble() > 0);
        }
        // A dry run of a distillation with a real teacher names its model and classes.
        (code, stdout, err) = Glossa(["distill", "--teacher", Path.Combine(teacher, "best"), "--model", "tiny-student", .. Common(Path.Combine(root, "dry"), 1), "--dry-run"]);
        Assert.True(code == 0, err);
        using (var dry = JsonDocument.Parse(stdout))
        {
            Assert.Equal("tiny-student", dry.RootElement.GetProperty("teacher").GetProperty("model").GetString());
            Assert.True(dry.RootElement.GetProperty("teacher").GetProperty("classes").GetInt32() > 1);
            Assert.Equal(4, dry.RootElement.GetProperty("model_config").GetProperty("temporal_stride").GetInt32());
        }
        Assert.False(Directory.Exists(Path.Combine(root, "dry")));
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(student, "config.json"))))
        {
            var kd = config.RootElement.GetProperty("distillation");
            Assert.Equal(4, kd.GetProperty("temperature").GetDouble());
            Assert.True(kd.GetProperty("non_blank_only").GetBoolean());
            Assert.StartsWith(teacher, kd.GetProperty("teacher").GetString());
        }
        string log = File.ReadAllText(Path.Combine(student, "training.log"));
        Assert.Contains("distill loss", log);
        Assert.Contains("frozen (eval, no grad)", log);

        (code, stdout, err) = Glossa("compare", teacher, student, "--json");
        Assert.True(code == 0, err);
        using (var rows = JsonDocument.Parse(stdout))
        {
            var r = rows.RootElement;
            Assert.Equal(2, r.GetArrayLength());
            Assert.Equal(JsonValueKind.Null, r[0].GetProperty("teacher").ValueKind);
            Assert.StartsWith(teacher, r[1].GetProperty("teacher").GetString());
            Assert.Equal(2, r[1].GetProperty("epochs").GetInt32());
            Assert.True(r[1].GetProperty("parameters").GetInt64() < r[0].GetProperty("parameters").GetInt64());
            Assert.True(r[1].GetProperty("best_val_wer").GetDouble() >= 0);
        }
        (code, stdout, err) = Glossa("compare", teacher, student);
        Assert.True(code == 0, err);
        Assert.Contains("distilled from", stdout);
    }

    [Fact]
    public void Sigint_stops_a_distillation_like_a_training_run()
    {
        string teacher = Path.Combine(root, "t"), student = Path.Combine(root, "s");
        var (code, _, err) = Glossa(["train", "--model", "tiny-student", .. Common(teacher, 1), "--json"]);
        Assert.True(code == 0, err);
        using var p = new CliProcess(["distill", "--teacher", Path.Combine(teacher, "best"), "--model", "tiny-student", "--hidden-dim", "16", .. Common(student, 200)]);
        var deadline = DateTime.UtcNow + Minutes3;
        string log = Path.Combine(student, "training.log");
        while (!(File.Exists(log) && File.ReadAllText(log).Contains("Epoch 1/")) && !p.HasExited && DateTime.UtcNow < deadline)
            Thread.Sleep(200);
        Assert.False(p.HasExited, p.Stderr);
        p.Signal(2);
        code = p.Wait(Minutes3);
        Assert.True(code == 130, $"exit code {code}; stderr:\n{p.Stderr}");
        Assert.True(global::Glossa.Training.Checkpoint.Exists(Path.Combine(student, "last")), "no loadable 'last' after Ctrl+C");
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(student, "summary.json")));
        Assert.Equal("interrupted", summary.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public void Bad_distill_and_compare_input_gives_one_line_errors()
    {
        var (code, _, err) = Glossa(["distill", "--teacher", Path.Combine(root, "nowhere", "best"), "--model", "tiny-student", .. Common(Path.Combine(root, "a"), 1)]);
        Assert.Equal(2, code);
        Assert.Contains("nowhere", err);
        Assert.Single(err.Trim().Split('\n'));
        // --dry-run checks what a run would read, as train --dry-run does: the corpus, and here the teacher too (it said 0 for both).
        (code, _, err) = Glossa(["distill", "--teacher", Path.Combine(root, "nowhere", "best"), "--model", "tiny-student", .. Common(Path.Combine(root, "a"), 1), "--dry-run"]);
        Assert.Equal(2, code);
        Assert.Contains("nowhere", err);
        (code, _, err) = Glossa("distill", "--teacher", Path.Combine(root, "nowhere", "best"), "--corpus", Path.Combine(root, "no-corpus"), "--output-dir", Path.Combine(root, "a"), "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("no-corpus: corpus not found", err);

        (code, _, err) = Glossa("distill", "--teacher", root, "--corpus", TinyCorpus.Path_, "--output-dir", Path.Combine(root, "b"), "--cache-teacher");
        Assert.Equal(2, code);
        Assert.Contains("--no-augment", err);

        (code, _, err) = Glossa("distill", "--teacher", root, "--corpus", TinyCorpus.Path_, "--output-dir", Path.Combine(root, "c"), "--kd-temperature", "0");
        Assert.Equal(2, code);
        Assert.Contains("--kd-temperature", err);

        (code, _, err) = Glossa("compare", root);
        Assert.Equal(2, code);
        Assert.Contains("not a run folder", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
