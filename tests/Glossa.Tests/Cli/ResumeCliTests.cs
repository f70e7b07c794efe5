using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Doctor;
using Glossa.Training;
using Glossa.Training.Distillation;
using Glossa.Tests.Training;

namespace Glossa.Tests.Cli;

/// <summary>
/// What --resume keeps and refuses, for train and distill (a new user's trial of recipes, teacher, distillation, resume
/// and compare): the run's own distillation options and teacher, one-line refusals of an optimizer, recipe or teacher
/// change, what --dry-run checks as the run does, a finished run's summary, and what compare and diagnose make of them.
/// </summary>
public sealed class ResumeCliTests() : TinyRunTests("glossa-resume-cli-")
{
    static void OneLineError(int code, string err, string expected, int exit = 2)
    {
        Assert.True(code == exit, $"exit {code}: {err}");
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    static JsonObject Json(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    string Teacher()
    {
        string teacher = Path.Combine(root, "teacher");
        var (code, _, err) = Glossa(["train", "--model", "tiny-student", "--hidden-dim", "16", .. Common(teacher, 1), "--json"]);
        Assert.True(code == 0, err);
        return teacher;
    }

    [Fact]
    public void Distill_resume_keeps_the_runs_own_teacher_and_kd_options_and_refuses_adding_dropping_or_swapping_the_teacher()
    {
        string teacher = Teacher(), student = Path.Combine(root, "student");
        var (code, _, err) = Glossa(["distill", "--teacher", Path.Combine(teacher, "best"), "--model", "tiny-student", "--hidden-dim", "16",
            "--kd-weight", "3", "--kd-temperature", "2", "--kd-non-blank", "--cache-teacher", .. Common(student, 1), "--json"]);
        Assert.True(code == 0, err);
        int cached = Directory.GetFiles(Path.Combine(student, Distiller.CacheFolder), "*.kd").Length;

        // No --teacher, no --kd-*, no --cache-teacher: the run's own (they were reset to T = 8, weight 1, no cache).
        (code, _, err) = Glossa("distill", "--output-dir", student, "--resume", "--epochs", "2", "--threads", "1", "--json");
        Assert.True(code == 0, err);
        var kd = Json(Path.Combine(student, RunFolder.ResumeConfigFile))["distillation"]!;
        Assert.Equal(3, kd["weight"]!.GetValue<double>());
        Assert.Equal(2, kd["temperature"]!.GetValue<double>());
        Assert.True(kd["non_blank_only"]!.GetValue<bool>());
        Assert.NotNull(kd["cache"]);
        Assert.Equal(cached, Directory.GetFiles(Path.Combine(student, Distiller.CacheFolder), "*.kd").Length);
        string log = File.ReadAllText(Path.Combine(student, RunFolder.LogFile));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(log, @"weight 3 x T\^2 x KL\(teacher_T \|\| student_T\), T = 2, over non-blank classes \(renormalised\); teacher posteriors cached").Count);

        // A given option is taken and named; --cache-teacher alone works with the run's own --no-augment.
        (code, var stdout, err) = Glossa("distill", "--output-dir", student, "--resume", "--epochs", "3", "--kd-weight", "2", "--cache-teacher", "--dry-run");
        Assert.True(code == 0, err);
        var dry = JsonNode.Parse(stdout)!;
        Assert.Equal(2, dry["distillation"]!["weight"]!.GetValue<double>());
        Assert.Equal(2, dry["distillation"]!["temperature"]!.GetValue<double>());
        Assert.Equal("resume: --kd-weight 2 (was 3)", Assert.Single(dry["distillation_changes"]!.AsArray())!.GetValue<string>());

        // Swapping, dropping or adding the teacher: refused in one line, in a dry run and a real one alike, before any work.
        (code, _, err) = Glossa("distill", "--teacher", Path.Combine(student, "best"), "--output-dir", student, "--resume", "--epochs", "3", "--dry-run");
        OneLineError(code, err, "the teacher cannot change on --resume");
        (code, _, err) = Glossa("train", "--output-dir", student, "--resume", "--epochs", "3");
        OneLineError(code, err, "'glossa train --resume' would drop its teacher");
        (code, _, err) = Glossa("distill", "--teacher", Path.Combine(teacher, "best"), "--output-dir", teacher, "--resume", "--epochs", "2");
        OneLineError(code, err, "a teacher cannot be added on --resume");
        Assert.False(File.Exists(Path.Combine(teacher, RunFolder.ResumeConfigFile)));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(student, RunFolder.MetricsFile)).Length);

        // The same teacher path with other weights (retrained with --overwrite) is another teacher: refused too.
        (code, _, err) = Glossa(["train", "--model", "tiny-student", "--hidden-dim", "16", .. Common(teacher, 1), "--seed", "9", "--overwrite", "--json"]);
        Assert.True(code == 0, err);
        (code, _, err) = Glossa("distill", "--output-dir", student, "--resume", "--epochs", "3", "--threads", "1");
        OneLineError(code, err, "the teacher's weights differ from those the run was distilled from");
        Assert.Equal(2, File.ReadAllLines(Path.Combine(student, RunFolder.MetricsFile)).Length);
    }

    [Fact]
    public void The_live_doctor_of_a_distillation_proposes_distill_commands_with_the_teacher()
    {
        string teacher = Teacher();
        var options = new TrainingOptions
        {
            Model = "tiny-student", HiddenDim = 16, Corpus = TinyCorpus.Path_, OutputDir = Path.Combine(root, "live"), Epochs = 1,
            FrameSize = 32, BatchSize = 4, Threads = 1, Prefetch = 1, Augment = false,
        };
        using var job = TrainingJob.Prepare(options);
        using var term = Distiller.Attach(job, new DistillationOptions { Teacher = Path.Combine(teacher, "best"), Weight = 3, Temperature = 2 });
        var doctor = LiveDoctor.For(job);
        string command = new TrainCommandBuilder(doctor.Monitor.Context).Build(("epochs", 13));
        Assert.StartsWith("./glossa distill ", command);
        Assert.Contains($"--teacher {Path.Combine(teacher, "best")}", command);
        Assert.Contains("--kd-temperature 2", command);
        Assert.Contains("--kd-weight 3", command);
    }

    [Fact]
    public void Resume_refuses_an_optimizer_or_recipe_change_in_one_line_and_writes_no_resume_config()
    {
        string run = Path.Combine(root, "run");
        var (code, _, err) = Glossa(["train", "--model", "tiny-student", "--hidden-dim", "16", "--conv-ctc-weight", "1", "--align-weight", "1", .. Common(run, 1), "--json"]);
        Assert.True(code == 0, err);
        string summary = File.ReadAllText(Path.Combine(run, RunFolder.SummaryFile));

        foreach (var dry in new[] { true, false })
        {
            string[] flag = dry ? ["--dry-run"] : [];
            // It said "optimizer.bin: truncated or damaged ... start again with --overwrite", which destroys a good run.
            (code, _, err) = Glossa(["train", "--output-dir", run, "--resume", "--epochs", "2", "--optimizer", "adam", .. flag]);
            OneLineError(code, err, "--optimizer adam differs from the run's adamw");
            Assert.Contains("cannot change on --resume", err);
            Assert.DoesNotContain("--overwrite", err);
            // A recipe given on resume would set nothing (the run's own options win) yet be recorded.
            (code, _, err) = Glossa(["train", "--output-dir", run, "--resume", "--epochs", "2", "--recipe", "corrnet", .. flag]);
            OneLineError(code, err, "--recipe corrnet differs from the run's none");
        }
        Assert.False(File.Exists(Path.Combine(run, RunFolder.ResumeConfigFile)));

        // All epochs done: the run's summary is kept (it was rewritten with null WERs and 0 clips/s).
        (code, _, err) = Glossa("train", "--output-dir", run, "--resume", "--threads", "1", "--learning-rate", "0.0005");
        Assert.True(code == 0, err);
        Assert.Equal(summary, File.ReadAllText(Path.Combine(run, RunFolder.SummaryFile)));
        // ... and its recorded options: no epoch trained with the rate given (config.resume.json had recorded it).
        Assert.False(File.Exists(Path.Combine(run, RunFolder.ResumeConfigFile)));

        // Turning --align-exclude-blank on is logged as on (it read "false (was true)", the field's value).
        (code, _, err) = Glossa("train", "--output-dir", run, "--resume", "--epochs", "2", "--align-exclude-blank", "--threads", "1", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("resume: --align-exclude-blank true (was false)", File.ReadAllText(Path.Combine(run, RunFolder.LogFile)));

        // compare tells the objective apart; a run without a finished epoch has no best epoch, and diagnose says why.
        string fresh = Path.Combine(root, "fresh");
        Directory.CreateDirectory(fresh);
        File.Copy(Path.Combine(run, RunFolder.ConfigFile), Path.Combine(fresh, RunFolder.ConfigFile));
        (code, var stdout, err) = Glossa("compare", run, fresh, "--json");
        Assert.True(code == 0, err);
        var rows = JsonNode.Parse(stdout)!.AsArray();
        Assert.Equal("ctc+conv_ctc+align", rows[0]!["objective"]!.GetValue<string>());
        Assert.InRange(rows[0]!["best_epoch"]!.GetValue<int>(), 1, 2);
        Assert.Null(rows[1]!["best_epoch"]);
        (code, stdout, err) = Glossa("compare", fresh);
        Assert.True(code == 0, err);
        Assert.Contains("objective", stdout);
        (code, _, err) = Glossa("diagnose", fresh);
        OneLineError(code, err, "the run has no finished epoch yet");
    }

    [Fact]
    public void Dry_run_refuses_what_the_run_refuses()
    {
        string teacher = Teacher();
        // A teacher of other classes: the real run refuses it after loading the corpus and the teacher.
        string other = Path.Combine(root, "other-teacher");
        Directory.CreateDirectory(other);
        string best = new DirectoryInfo(Path.Combine(teacher, "best")).ResolveLinkTarget(true)!.FullName;
        foreach (var f in Directory.GetFiles(best)) File.Copy(f, Path.Combine(other, Path.GetFileName(f)));
        var vocab = File.ReadAllLines(Path.Combine(other, "vocab.txt"));
        File.WriteAllLines(Path.Combine(other, "vocab.txt"), vocab[..^1]);
        var (code, _, err) = Glossa(["distill", "--teacher", other, "--model", "tiny-student", .. Common(Path.Combine(root, "kd"), 1), "--dry-run"]);
        OneLineError(code, err, $"the teacher has {vocab.Length - 1} classes but the student's vocabulary");

        (code, _, err) = Glossa(["train", "--model", "tiny-student", .. Common(Path.Combine(root, "gpu"), 1), "--device", "cuda", "--dry-run"]);
        if (!TorchSharp.torch.cuda.is_available()) OneLineError(code, err, "--device cuda: no CUDA device is available");
    }

    [Fact]
    public void Odd_combinations_are_refused_or_noted_naming_only_the_options_given()
    {
        var o = new TrainingOptions { OutputDir = "r", Epochs = 1 };
        Assert.Contains("increasing", Assert.Throws<global::Glossa.Common.GlossaException>(() => (o with { StepMilestones = [35, 20] }).Validate()).Message);
        Assert.Contains("Seed (--seed) must be >= 0", Assert.Throws<global::Glossa.Common.GlossaException>(() => (o with { Seed = -1 }).Validate()).Message);
        Assert.Contains((o with { WarmupEpochs = 5 }).Notes(), n => n.Contains("--warmup-epochs 5 is longer than the run (1 epoch)"));
        var constant = o with { Epochs = 10, WarmupEpochs = 0, StepMilestones = [5], CommandLine = ["--step-milestones", "5"] };
        Assert.Contains(constant.Notes(), n => n.Contains("--step-milestones acts only with --schedule step"));
        var temperature = o with { Epochs = 10, WarmupEpochs = 0, Objectives = new() { AlignTemperature = 4 } };
        var note = Assert.Single(temperature.Notes());
        Assert.Contains("--align-temperature acts only with --align-weight > 0", note);
        Assert.DoesNotContain("--align-exclude-blank", note);
    }

    [Fact]
    public void Overwrite_removes_the_old_runs_doctor_context_and_an_empty_one_does_not_stop_diagnose()
    {
        string dir = Path.Combine(root, "ow");
        Directory.CreateDirectory(Path.Combine(dir, "best"));
        File.WriteAllText(Path.Combine(dir, RunFolder.DoctorContextFile), """{"model_name": "old-model"}""");
        using (RunFolder.Open(dir, resume: false, overwrite: true)) { }
        Assert.False(File.Exists(Path.Combine(dir, RunFolder.DoctorContextFile)));

        // A full disk left a 0-byte run_context.json (written in place): diagnose read it as damaged and stopped.
        File.WriteAllText(Path.Combine(dir, RunFolder.MetricsFile), """{"epoch": 1, "train_loss": 3.0, "val_loss": 3.1, "val_wer": 90.0}""" + "\n");
        File.WriteAllText(Path.Combine(dir, RunFolder.DoctorContextFile), "");
        var record = RunRecord.Load(dir);
        Assert.Single(record.History);
    }
}
