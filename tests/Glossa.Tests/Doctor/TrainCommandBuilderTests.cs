using Glossa.Doctor;

namespace Glossa.Tests.Doctor;

public sealed class TrainCommandBuilderTests
{
    [Fact]
    public void Rebuilds_from_the_original_command_line_changing_options()
    {
        var ctx = new RunContext { CommandLine = ["train", "--model", "i3d-teacher", "--corpus", "/data/my corpus", "--dropout=0.3", "--augment", "--output-dir", "runs/t_v2"] };
        var b = new TrainCommandBuilder(ctx);
        Assert.Equal("0.3", b.Get("dropout"));
        string cmd = b.Build(("dropout", 0.5), ("weight_decay", 0.001), ("augment", null));
        Assert.Equal("./glossa train --model i3d-teacher --corpus '/data/my corpus' --dropout 0.5 --weight-decay 0.001 --output-dir runs/t_v3", cmd);
    }

    [Fact]
    public void Without_any_options_it_still_names_a_new_output_folder()
    {
        Assert.Equal("./glossa train --learning-rate 0.0001 --output-dir RUN_v2", new TrainCommandBuilder(new RunContext()).Build(("learning-rate", 1e-4)));
        Assert.Equal("runs/a_v2", TrainCommandBuilder.NextRunName("runs/a/"));
    }

    [Fact]
    public void The_new_output_folder_skips_folders_that_already_exist()
    {
        // An absolute path, so the test does not depend on the current folder; the advice's first run wrote run_v2.
        string root = Directory.CreateTempSubdirectory("glossa-next-run-").FullName;
        try
        {
            string run = Path.Combine(root, "run");
            var b = new TrainCommandBuilder(new RunContext { CommandLine = ["train", "--output-dir", run] });
            Assert.EndsWith($"--output-dir {run}_v2", b.Build(("dropout", 0.3)));
            Directory.CreateDirectory(run + "_v2");
            Directory.CreateDirectory(run + "_v3");
            Assert.EndsWith($"--output-dir {run}_v4", b.Build(("dropout", 0.3)));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void Two_findings_commands_write_two_folders()
    {
        // Each finding's command is built from the run's folder at the epoch that raised it: both said runs/a_v2
        // (a new user's trial: ctc_infeasible's and underfitting's restarts), so the second would stop on the first's run.
        static Finding Make(string rule, params string?[] commands) => new()
        {
            Rule = rule, Severity = Severity.Warning, Title = rule, Evidence = [], Explanation = "",
            Actions = commands.Select(c => new FindingAction("do", c)).ToList(),
        };
        var findings = TrainCommandBuilder.SeparateRunFolders([
            Make(RuleIds.CtcInfeasible, "./glossa train --model m --temporal-conv K5-P2-K5 --output-dir runs/a_v2", "./glossa corpus check c --model m"),
            Make(RuleIds.Underfitting, "./glossa train --model m --epochs 80 --output-dir runs/a_v2", null, "./glossa train --model m --output-dir runs/b_v2"),
            Make(RuleIds.Overfitting, "./glossa train --model m --dropout 0.5 --output-dir runs/a_v2", "./glossa train --model m --epochs 80 --output-dir runs/a_v2"),
        ]);
        string[] commands = findings.SelectMany(f => f.Actions.Select(a => a.Command ?? "(none)")).ToArray();
        Assert.Equal<string>([
            "./glossa train --model m --temporal-conv K5-P2-K5 --output-dir runs/a_v2", "./glossa corpus check c --model m",
            "./glossa train --model m --epochs 80 --output-dir runs/a_v3", "(none)", "./glossa train --model m --output-dir runs/b_v2",
            "./glossa train --model m --dropout 0.5 --output-dir runs/a_v4", "./glossa train --model m --epochs 80 --output-dir runs/a_v3"], commands);
    }

    [Fact]
    public void A_distillation_run_restarts_as_a_distillation_with_its_teacher()
    {
        // A new user's trial: the doctor's restart of a distilled student was 'train', which drops the teacher.
        var config = GlossaConfig(new Glossa.Training.TrainingOptions { Model = "tiny-grid-student", Corpus = "corp", OutputDir = "runs/distilled" });
        config["distillation"] = new System.Text.Json.Nodes.JsonObject
        {
            ["teacher"] = "runs/teacher/best", ["temperature"] = 4.0, ["weight"] = 0.5, ["non_blank_only"] = true, ["cache"] = null,
        };
        string cmd = new TrainCommandBuilder(new RunContext { Config = config }).Build(("learning-rate", 0.002));
        Assert.StartsWith("./glossa distill --model tiny-grid-student --corpus corp --teacher runs/teacher/best --kd-temperature 4 --kd-weight 0.5 --kd-non-blank ", cmd);
        Assert.Contains("--learning-rate 0.002", cmd);
        Assert.EndsWith("--output-dir runs/distilled_v2", cmd);
        Assert.DoesNotContain("--cache-teacher", cmd);
        // Without a config, a distill command line stays one.
        Assert.StartsWith("./glossa distill --teacher t/best --model m ",
            new TrainCommandBuilder(new RunContext { CommandLine = ["distill", "--teacher", "t/best", "--model", "m", "--output-dir", "r"] }).Build(("dropout", 0.3)));
    }

    static System.Text.Json.Nodes.JsonObject GlossaConfig(Glossa.Training.TrainingOptions o) => new()
    {
        ["training"] = System.Text.Json.JsonSerializer.SerializeToNode(o, Glossa.Training.Checkpoint.Json),
        ["model"] = new System.Text.Json.Nodes.JsonObject { ["name"] = o.Model, ["hidden_dim"] = 128, ["dropout"] = 0.1, ["frame_size"] = 64 },
    };

    [Fact]
    public void Commands_start_from_the_resolved_options_not_the_typed_command_line()
    {
        var o = new Glossa.Training.TrainingOptions
        {
            Model = "tiny-student", Corpus = "/data/c", OutputDir = "runs/r", Epochs = 6, LearningRate = 1e-3,
            Schedule = Glossa.Training.LrScheduleKind.Step, StepMilestones = [3, 5], Augment = false, Prefetch = 1,
        };
        // The command line used aliases and left defaults out; the config holds what the run really used.
        var ctx = new RunContext { CommandLine = ["--data", "/data/c", "--lr", "0.001", "-o", "runs/r"], Config = GlossaConfig(o) };
        var b = new TrainCommandBuilder(ctx);
        string cmd = b.Build(("epochs", 12));
        Assert.Equal("./glossa train --model tiny-student --corpus /data/c --epochs 12 --learning-rate 0.001 --lr-schedule step --step-milestones 3,5 --no-augment --workers 1 --output-dir runs/r_v2", cmd);
        // Typed values, model defaults included.
        var run = RunOptions.From(ctx.Config);
        Assert.Equal(1e-3, run.PeakLearningRate);
        Assert.Equal("step", run.Schedule);
        Assert.Equal(128, run.HiddenDim);
        Assert.Equal(0.1, run.Dropout);
        Assert.Equal(6, run.Epochs);
    }

    [Fact]
    public void Small_rates_from_config_json_are_written_as_plain_decimals_like_the_changed_ones()
    {
        // System.Text.Json writes 1e-6 as 1E-06; the command shows it the way the advice writes rates.
        var o = new Glossa.Training.TrainingOptions { Model = "tiny-student", Corpus = "/data/c", OutputDir = "runs/r", LearningRate = 1e-6, WeightDecay = 3e-5 };
        var b = new TrainCommandBuilder(new RunContext { Config = GlossaConfig(o) });
        string cmd = b.Build(("dropout", 0.25));
        Assert.Contains("--learning-rate 0.000001 ", cmd);
        Assert.Contains("--weight-decay 0.00003 ", cmd);
        Assert.DoesNotContain("E-", cmd);
        Assert.Contains("--learning-rate 1E-12 ", b.Build(("learning-rate", 1e-12)));          // ten decimals would print 0
    }

    [Fact]
    public void A_lower_rate_is_a_share_of_the_configured_peak_not_of_the_rate_the_schedule_decayed_to()
    {
        var o = new Glossa.Training.TrainingOptions { Model = "tiny-student", Corpus = "/data/c", OutputDir = "runs/r", Epochs = 8, LearningRate = 1e-3 };
        // A collapsed run whose cosine schedule has decayed the rate to 1e-5 by the last epoch.
        var history = Enumerable.Range(1, 8).Select(e => new Glossa.Training.EpochMetrics
        {
            Epoch = e, TrainLoss = 2.4, ValLoss = 2.4, ValWer = 100, TrainWer = 100, BlankRatio = 1, EmptyRate = 1, LengthRatio = 0,
            LearningRate = 1e-3 * (0.01 + 0.99 * 0.5 * (1 + Math.Cos(Math.PI * (e - 1) / 7))), Steps = e * 12L,
        }).ToList();
        var doctor = HealthMonitor.Diagnose(history, new RunContext { Config = GlossaConfig(o) });
        var collapse = doctor.Findings.Single(f => f.Rule == RuleIds.BlankCollapse);
        Assert.Contains("--learning-rate 0.00033 ", collapse.Actions[0].Command);
    }

    [Fact]
    public void Overfitting_advice_takes_the_augmentation_step_the_run_has_not_taken_and_never_swaps_a_student_for_a_larger_one()
    {
        // Histories.Seed() overfits; 1.8M parameters on 160 clips is far above the capacity note's ratio.
        IReadOnlyList<FindingAction> Advice(Glossa.Training.TrainingOptions o, string model, long parameters)
        {
            var context = new RunContext { Config = GlossaConfig(o), ModelName = model, ParameterCount = parameters, TrainingSamples = 160 };
            var doctor = HealthMonitor.Diagnose(Histories.Seed(), context);
            return [.. doctor.Findings.Where(f => f.Rule is RuleIds.Overfitting or RuleIds.Capacity).SelectMany(f => f.Actions)];
        }
        var grid = new Glossa.Training.TrainingOptions { Model = "tiny-grid-student", Corpus = "/data/c", OutputDir = "runs/r", Augment = true, Flip = false };

        var plain = Advice(grid, "tiny-grid-student", 1_800_000);
        Assert.Contains(plain, a => a.Description.StartsWith("Add scale jitter") && a.Command!.Contains("--zoom 0.25 ") && a.Command.Contains("--no-flip"));
        Assert.DoesNotContain(plain, a => a.Command is { } c && c.Contains("--model mobilenetv3-student"));
        Assert.DoesNotContain(plain, a => a.Description.Contains("teacher"));

        var zoomed = Advice(grid with { Zoom = 0.25 }, "tiny-grid-student", 1_800_000);
        Assert.Contains(zoomed, a => a.Description.StartsWith("Add colour shuffle") && a.Command!.Contains("--colour-shuffle 0.5 ") && a.Command.Contains("--zoom 0.25 "));
        Assert.DoesNotContain(zoomed, a => a.Description.StartsWith("Add scale jitter"));
        var shuffled = Advice(grid with { Zoom = 0.25, ColourShuffle = 0.5 }, "tiny-grid-student", 1_800_000);
        var done = Assert.Single(shuffled, a => a.Description.StartsWith("Augmentation is already on"));
        Assert.Null(done.Command);
        Assert.DoesNotContain(shuffled, a => a.Description.StartsWith("Add colour shuffle") || a.Description.StartsWith("Add scale jitter"));

        var off = Advice(grid with { Augment = false }, "tiny-grid-student", 1_800_000);
        Assert.Contains(off, a => a.Command is { } c && !c.Contains("--no-augment") && c.Contains("--no-flip"));

        // The I3D teacher may be told to train the student and distil itself into it.
        var teacher = Advice(grid with { Model = "i3d-teacher" }, "i3d-teacher", 27_000_000);
        Assert.Contains(teacher, a => a.Command is { } c && c.Contains("--model mobilenetv3-student") && a.Description.Contains("distil this teacher"));
    }
}
