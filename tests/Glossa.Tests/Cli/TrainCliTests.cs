using System.Text.Json;
using Glossa.Models;
using Glossa.Training;
using Glossa.Tests.Training;
using Glossa.Tests.Recognition;

namespace Glossa.Tests.Cli;

/// <summary>The train, evaluate and demo commands as processes: the reference recipe's command line, Ctrl+C, kill -9.</summary>
public sealed class TrainCliTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("glossa-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    static readonly TimeSpan Minutes3 = TimeSpan.FromMinutes(3);

    string[] TinyTrain(string dir, int epochs, params string[] extra) =>
    [
        "train", "--model", "tiny-student", "--corpus", TinyCorpus.Path_, "--output-dir", dir, "--epochs", $"{epochs}",
        "--frame-size", "32", "--batch-size", "4", "--threads", "2", "--workers", "1", "--histogram-every", "0", "--no-augment",
        "--cache-dir", Path.Combine(root, "cache"), .. extra,
    ];

    [Fact]
    public void The_seeds_command_line_parses_verbatim()
    {
        // The seed's scripts had a built-in data path; here it is the environment's (--dry-run checks that the corpus exists).
        var corpus = new Dictionary<string, string> { ["GLOSSA_CORPUS"] = TinyCorpus.Path_ };
        var (code, stdout, stderr) = CliProcess.Run(Minutes3, corpus, "train-teacher", "--batch_size", "8", "--learning_rate", "0.0003", "--dropout", "0.5",
            "--weight_decay", "0.001", "--accumulation_steps", "2", "--patience", "40", "--epochs", "150",
            "--output_dir", Path.Combine(root, "checkpoints/teacher_high_reg"), "--hidden_dim", "256", "--dry-run");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var o = doc.RootElement;
        Assert.Equal("i3d-teacher", o.GetProperty("model").GetString());
        Assert.Equal(8, o.GetProperty("batch_size").GetInt32());
        Assert.Equal(0.0003, o.GetProperty("learning_rate").GetDouble());
        Assert.Equal(0.5, o.GetProperty("dropout").GetDouble());
        Assert.Equal(0.001, o.GetProperty("weight_decay").GetDouble());
        Assert.Equal(2, o.GetProperty("accumulation_steps").GetInt32());
        Assert.Equal(40, o.GetProperty("patience").GetInt32());
        Assert.Equal(150, o.GetProperty("epochs").GetInt32());
        Assert.Equal(256, o.GetProperty("hidden_dim").GetInt32());
        Assert.Equal(Path.Combine(root, "checkpoints/teacher_high_reg"), o.GetProperty("output_dir").GetString());
    }

    [Fact]
    public void The_doctors_commands_parse_and_set_what_the_run_used()
    {
        // A run with options that have no same-named flag: a time budget, no mirroring, auxiliary objectives.
        var o = new TrainingOptions
        {
            Model = "tiny-student", Corpus = TinyCorpus.Path_, OutputDir = Path.Combine(root, "r"), Epochs = 200, LearningRate = 1e-3,
            TimeBudgetMinutes = 6.5, WallBudgetMinutes = 8.7, Flip = false, Augment = true, InputNorm = ModelConfig.InputNormClip, FeatureNorm = ModelConfig.FeatureNormClip, ColourShuffle = 0.5, PlateauPatience = 3, PatienceOnStall = true, Zoom = 0.25, TemporalRescale = 0.4, BudgetAnnealShare = 0.3, WeightAverageEpochs = 1.5,
            Objectives = new Glossa.Training.Objectives.AuxiliaryOptions { ConvCtcWeight = 1, AlignWeight = 25, AlignTemperature = 4, AlignBlank = false },
        };
        var config = new System.Text.Json.Nodes.JsonObject { ["training"] = JsonSerializer.SerializeToNode(o, Checkpoint.Json) };
        string command = new Glossa.Doctor.TrainCommandBuilder(new Glossa.Doctor.RunContext { Config = config }).Build(("dropout", 0.3));
        string[] args = command.Split(' ')[1..];   // no value of this run needs quoting
        var (code, stdout, stderr) = CliProcess.Run(Minutes3, [.. args, "--dry-run"]);
        Assert.True(code == 0, $"{command}\n{stderr}");
        var resolved = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(6.5, resolved.GetProperty("time_budget_minutes").GetDouble());
        Assert.Equal(8.7, resolved.GetProperty("wall_budget_minutes").GetDouble());
        Assert.False(resolved.GetProperty("flip").GetBoolean());
        Assert.True(resolved.GetProperty("augment").GetBoolean());
        Assert.Equal("clip", resolved.GetProperty("input_norm").GetString());
        Assert.Equal("clip", resolved.GetProperty("feature_norm").GetString());
        Assert.Equal(0.5, resolved.GetProperty("colour_shuffle").GetDouble());
        Assert.Equal(3, resolved.GetProperty("plateau_patience").GetInt32());
        Assert.True(resolved.GetProperty("patience_on_stall").GetBoolean());
        Assert.Equal(0.25, resolved.GetProperty("zoom").GetDouble());
        Assert.Equal(0.4, resolved.GetProperty("temporal_rescale").GetDouble());
        Assert.Equal(0.3, resolved.GetProperty("budget_anneal_share").GetDouble());
        Assert.Equal(1.5, resolved.GetProperty("weight_average_epochs").GetDouble());
        Assert.Equal(0.3, resolved.GetProperty("dropout").GetDouble());
        var objectives = resolved.GetProperty("objectives");
        Assert.Equal(1, objectives.GetProperty("conv_ctc_weight").GetDouble());
        Assert.Equal(25, objectives.GetProperty("align_weight").GetDouble());
        Assert.Equal(4, objectives.GetProperty("align_temperature").GetDouble());
        Assert.False(objectives.GetProperty("align_blank").GetBoolean());
        Assert.EndsWith("r_v2", resolved.GetProperty("output_dir").GetString());
    }

    [Fact]
    public void The_doctors_command_for_a_recipe_run_parses_and_keeps_the_recipes_values()
    {
        var given = new TrainingOptions { Corpus = TinyCorpus.Path_, OutputDir = Path.Combine(root, "vac"), FrameSize = 64 };
        var o = RecipePreset.Apply(given, RecipePreset.Vac, new HashSet<string> { "--frame-size" });
        var config = new System.Text.Json.Nodes.JsonObject { ["training"] = JsonSerializer.SerializeToNode(o, Checkpoint.Json) };
        string command = new Glossa.Doctor.TrainCommandBuilder(new Glossa.Doctor.RunContext { Config = config }).Build(("epochs", 60));
        Assert.DoesNotContain("--recipe-settings", command);
        var (code, stdout, stderr) = CliProcess.Run(Minutes3, [.. command.Split(' ')[1..], "--dry-run"]);
        Assert.True(code == 0, $"{command}\n{stderr}");
        var resolved = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(ModelFactory.ResNet18Vac, resolved.GetProperty("model").GetString());
        Assert.Equal(64, resolved.GetProperty("frame_size").GetInt32());
        Assert.Equal(60, resolved.GetProperty("epochs").GetInt32());
        Assert.Equal(25, resolved.GetProperty("objectives").GetProperty("align_weight").GetDouble());
    }

    [Fact]
    public void Pretrained_files_are_read_and_checked_by_the_run_and_its_dry_run()
    {
        using (var model = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9))
            WeightIO.SavePyTorch(model, Path.Combine(root, "whole.pt"));
        byte[] bytes = File.ReadAllBytes(Path.Combine(root, "whole.pt"));
        string cut = Path.Combine(root, "cut.pt");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        // The run itself: exit 70 with a libtorch stack trace before.
        var (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(Path.Combine(root, "cut-run"), 1, "--pretrained", cut));
        Assert.Equal(2, code);
        Assert.StartsWith($"glossa: error: {cut}: a damaged or truncated PyTorch zip", err.Trim());
        Assert.Single(err.Trim().Split('\n'));
        // The dry run reads the file too (it had said nothing), and checks that it fits the model.
        (code, _, err) = CliProcess.Run(Minutes3, [.. TinyTrain(Path.Combine(root, "cut-dry"), 1, "--pretrained", cut), "--dry-run"]);
        Assert.Equal(2, code);
        Assert.Contains("truncated", err);
        (code, _, err) = CliProcess.Run(Minutes3, "train", "--model", "mobilenetv3-small-student", "--corpus", TinyCorpus.Path_, "--output-dir", Path.Combine(root, "other"),
            "--pretrained", Path.Combine(root, "whole.pt"), "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("--pretrained gives the mobilenet_v3_small backbone of mobilenetv3-small-student none of its", err);
        (code, _, err) = CliProcess.Run(Minutes3, [.. TinyTrain(Path.Combine(root, "fits"), 1, "--pretrained", Path.Combine(root, "whole.pt")), "--dry-run"]);
        Assert.True(code == 0, err);
    }

    [Fact]
    public void Dry_run_checks_the_run_folder_and_corpus_and_shows_what_resume_would_use()
    {
        string dir = Path.Combine(root, "dry");
        var (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--corpus", Path.Combine(root, "nowhere"), "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("corpus not found", err);
        (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--corpus", Path.Combine(root, "nowhere"), "--model", "resnet99", "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("model 'resnet99' is unknown", err);                // as the run itself says, not a resolved "model": "resnet99"
        string file = Path.Combine(root, "a-file");
        File.WriteAllText(file, "");
        (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", file, "--corpus", TinyCorpus.Path_, "--dry-run");
        Assert.Equal(4, code); // as the run itself exits: an output it cannot write
        Assert.Equal($"glossa: error: --output-dir {file}: is a file, not a folder; choose a folder path", err.Trim());
        (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(dir, 1, "--zoom", "0.1"));
        Assert.True(code == 0, err);
        (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(dir, 1, "--dry-run"));
        Assert.Equal(2, code);
        Assert.Contains("--resume", err);
        // --resume without --corpus or --zoom: the run's own corpus and zoom, as the resumed run uses them.
        var (rc, stdout, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--epochs", "2", "--time-budget", "9", "--no-flip", "--dry-run");
        Assert.True(rc == 0, stderr);
        var resolved = JsonDocument.Parse(stdout).RootElement;
        // options whose training.json field is named otherwise than the option are still taken when given
        Assert.Equal(9, resolved.GetProperty("time_budget_minutes").GetDouble());
        Assert.False(resolved.GetProperty("flip").GetBoolean());
        Assert.Equal(TinyCorpus.Path_, resolved.GetProperty("corpus").GetString());
        Assert.Equal(0.1, resolved.GetProperty("zoom").GetDouble());
        Assert.Equal(32, resolved.GetProperty("frame_size").GetInt32());
        Assert.Equal(2, resolved.GetProperty("epochs").GetInt32());
        // options left unset (null) show what the run's model resolved them to
        Assert.Equal(JsonValueKind.Null, resolved.GetProperty("hidden_dim").ValueKind);
        var model = resolved.GetProperty("model_config");
        Assert.Equal(128, model.GetProperty("hidden_dim").GetInt32());
        Assert.Equal(128, model.GetProperty("temporal_channels").GetInt32());
        Assert.Equal("none", model.GetProperty("feature_norm").GetString());
        Assert.True(model.GetProperty("num_classes").GetInt32() > 1); // the checkpoint's vocabulary
        (rc, stdout, stderr) = CliProcess.Run(Minutes3, TinyTrain(Path.Combine(root, "dry-new"), 1, "--hidden-dim", "48", "--width-mult", "1.5", "--dry-run"));
        Assert.True(rc == 0, stderr);
        model = JsonDocument.Parse(stdout).RootElement.GetProperty("model_config");
        Assert.Equal(48, model.GetProperty("temporal_channels").GetInt32());
        Assert.Equal(1.5, model.GetProperty("width_mult").GetDouble());
        Assert.Equal(32, model.GetProperty("frame_size").GetInt32());
        Assert.False(model.TryGetProperty("num_classes", out _)); // a new run's vocabulary decides it
        // The temporal stride is an option of train too (the doctor's advice for clips too short for CTC names it).
        (rc, stdout, stderr) = CliProcess.Run(Minutes3, TinyTrain(Path.Combine(root, "dry-stride"), 1, "--temporal-conv", "K5-P2-K5", "--dry-run"));
        Assert.True(rc == 0, stderr);
        Assert.Equal("K5-P2-K5", JsonDocument.Parse(stdout).RootElement.GetProperty("model_config").GetProperty("temporal_conv").GetString());
        Assert.Equal(2, JsonDocument.Parse(stdout).RootElement.GetProperty("model_config").GetProperty("temporal_stride").GetInt32());
        (rc, _, stderr) = CliProcess.Run(Minutes3, TinyTrain(Path.Combine(root, "dry-bad-stride"), 1, "--temporal-conv", "K5-Q2", "--dry-run"));
        Assert.Equal(2, rc);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("TemporalConv (--temporal-conv): temporal conv 'K5-Q2': part 'Q2'", stderr);
        Assert.Contains("K5-P2-K5 (stride 2)", stderr);
        // none drops the temporal conv and its edge padding (it had failed on every student: "edge_pad 6 ... set edge_pad to 0").
        (rc, stdout, stderr) = CliProcess.Run(Minutes3, TinyTrain(Path.Combine(root, "dry-no-conv"), 1, "--temporal-conv", "none", "--dry-run"));
        Assert.True(rc == 0, stderr);
        model = JsonDocument.Parse(stdout).RootElement.GetProperty("model_config");
        Assert.Equal("", model.GetProperty("temporal_conv").GetString());
        Assert.Equal(0, model.GetProperty("edge_pad").GetInt32());
        Assert.Equal(1, model.GetProperty("temporal_stride").GetInt32()); // the model as built: no temporal pooling left
        (rc, _, stderr) = CliProcess.Run(Minutes3, TinyTrain(Path.Combine(root, "dry-no-conv-pad"), 1, "--temporal-conv", "none", "--edge-pad", "6", "--dry-run"));
        Assert.Equal(2, rc);
        Assert.Contains("EdgePad (--edge-pad) 6 pads the temporal conv's input, and TemporalConv (--temporal-conv) none leaves none: drop --edge-pad", stderr);
        // An I3D stride on a model without an I3D backbone is refused, not stored and ignored.
        (rc, _, stderr) = CliProcess.Run(Minutes3, TinyTrain(Path.Combine(root, "dry-i3d"), 1, "--i3d-stride", "2", "--dry-run"));
        Assert.Equal(2, rc);
        Assert.Contains("--i3d-stride 2: model 'tiny-student' has no I3D backbone", stderr);
        // What shapes the model comes from the checkpoint: changing it on --resume is refused, not written to training.json and ignored.
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--feature-norm", "clip", "--dry-run");
        Assert.Equal(2, rc);
        Assert.Contains("--feature-norm clip differs from the run's", stderr);
        // ... but given as the value the run's model resolved its unset option to, it is the same run.
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--feature-norm", "none", "--input-norm", "none",
            "--hidden-dim", "128", "--temporal-channels", "128", "--edge-pad", "6", "--dry-run"); // tiny-student: hidden 128, conv width = hidden
        Assert.True(rc == 0, stderr);
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--temporal-conv", "K5-P2-K5", "--dry-run");
        Assert.Equal(2, rc);
        Assert.Contains("--temporal-conv K5-P2-K5 differs from the run's", stderr);
        // The run's own stride in another spelling is the same run.
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--temporal-conv", "k5-p2-k5-p2", "--dry-run");
        Assert.True(rc == 0, stderr);
        // ... and an I3D stride on the run of a model without I3D is refused as a new run refuses it (it had said "differs from the run's 4").
        foreach (string stride in new[] { "2", "4" })
        {
            (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--i3d-stride", stride, "--dry-run");
            Assert.Equal(2, rc);
            Assert.Contains($"--i3d-stride {stride}: the run's model 'tiny-student' has no I3D backbone", stderr);
        }
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--width-mult", "2", "--dry-run");
        Assert.Equal(2, rc);
        Assert.Contains("--width-mult 2 differs from the run's", stderr);
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--hidden-dim", "64", "--dry-run");
        Assert.Equal(2, rc);
        Assert.Contains("--hidden-dim 64 differs from the run's 128 (unset, so its model's own)", stderr); // the value that would be accepted
        // Every option that may not change is named at once, not one per attempt.
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--hidden-dim", "64", "--feature-norm", "clip", "--dry-run");
        Assert.Equal(2, rc);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("--hidden-dim 64 differs from the run's 128 (unset, so its model's own)", stderr);
        Assert.Contains("--feature-norm clip differs from the run's", stderr);
        Assert.Contains("they cannot change on --resume: drop them", stderr);
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--epochs", "2", "--threads", "2", "--workers", "1");
        Assert.True(rc == 0, stderr);
        Assert.Equal(2, RunFolder.ReadMetrics(dir).Count);
    }

    [Fact]
    public void Resume_takes_the_auxiliary_terms_given_again_and_refuses_those_the_model_cannot_train()
    {
        string dir = Path.Combine(root, "terms");
        var (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(dir, 1, "--conv-ctc-weight", "1"));
        Assert.True(code == 0, err);
        // Not given: the run's own terms (the demo's visual-enhancement weight stays on).
        var (rc, stdout, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--epochs", "2", "--dry-run");
        Assert.True(rc == 0, stderr);
        var terms = JsonDocument.Parse(stdout).RootElement.GetProperty("objectives");
        Assert.Equal(1, terms.GetProperty("conv_ctc_weight").GetDouble());
        // Given: taken (before, the nested field kept the run's values and ignored the command line).
        (rc, stdout, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--epochs", "2", "--conv-ctc-weight", "0.5", "--align-weight", "2", "--dry-run");
        Assert.True(rc == 0, stderr);
        terms = JsonDocument.Parse(stdout).RootElement.GetProperty("objectives");
        Assert.Equal(0.5, terms.GetProperty("conv_ctc_weight").GetDouble());
        Assert.Equal(2, terms.GetProperty("align_weight").GetDouble());
        Assert.Equal(8, terms.GetProperty("align_temperature").GetDouble()); // not given: the run's
        // SMKD's shared classifier is another model: refused in one line (alone, the check that it needs a term speaks first).
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--shared-classifier", "--dry-run");
        Assert.Equal(2, rc);
        Assert.Contains("--shared-classifier", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", dir, "--resume", "--model", "tiny-student", "--shared-classifier", "--conv-ctc-weight", "1", "--temporal-channels", "256", "--dry-run");
        Assert.Equal(2, rc);
        Assert.Contains("--shared-classifier true differs from the run's model (conv_head linear)", stderr);
        Assert.Contains("--temporal-channels 256 differs from the run's 128", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        // A run trained without the terms has no temporal-conv classifier to train.
        string plain = Path.Combine(root, "terms-plain");
        (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(plain, 1));
        Assert.True(code == 0, err);
        (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", plain, "--resume", "--conv-ctc-weight", "1", "--dry-run");
        Assert.Equal(2, rc);
        Assert.Contains("need a classifier on the temporal-conv features, which the run's model does not have (conv_head none)", stderr);
        Assert.Contains("start a new run in another --output-dir", stderr);
    }

    [Fact]
    public void Resuming_a_folder_without_a_run_says_so_before_looking_for_the_corpus()
    {
        // No --corpus: the default corpus path does not exist here either, but the first thing wrong is that there is nothing to resume.
        var (rc, _, stderr) = CliProcess.Run(Minutes3, "train", "--output-dir", Path.Combine(root, "never-trained"), "--resume", "--threads", "1");
        Assert.Equal(2, rc);
        Assert.Contains("nothing to resume", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Resume_keeps_the_runs_thread_count_unless_given_again()
    {
        string dir = Path.Combine(root, "threads");
        var first = TinyTrain(dir, 1);
        first[Array.IndexOf(first, "--threads") + 1] = "1"; // not this machine's default (one per core)
        // The first run's environment names no OpenMP wait policy (empty counts as unset), so the
        // CLI sets PASSIVE in its native environment before libtorch loads; the log reads it back
        // from there. The resumed run's environment names a policy, which the CLI leaves alone.
        var (code, _, err) = CliProcess.Run(Minutes3, new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "" }, first);
        Assert.True(code == 0, err);
        (code, _, err) = CliProcess.Run(Minutes3, new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "active" },
            "train", "--output-dir", dir, "--resume", "--epochs", "2", "--workers", "1");
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(Path.Combine(dir, "training.log")).Where(l => l.Contains("; device ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        // The resumed run computes as the run did (bit-exact resume needs it).
        // (After the wait policy the line names the allocator, whichever this test host has.)
        Assert.Contains(", 1 thread (OpenMP waits passive; ", lines[0]);
        Assert.Contains(", 1 thread (OpenMP waits active; ", lines[1]);
    }

    [Fact]
    public void Bad_options_and_a_missing_corpus_give_one_line_errors()
    {
        var (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", Path.Combine(root, "x"), "--learning-rate", "7", "--corpus", root);
        Assert.Equal(2, code);
        Assert.Contains("--learning-rate", err);
        Assert.Single(err.Trim().Split('\n'));
        (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", Path.Combine(root, "y"), "--corpus", Path.Combine(root, "nowhere"));
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", err);
        // A decimal comma would parse as a thousands separator: 7,5 minutes as 75, 0,5 as 5.
        foreach (var (option, value, fixedValue) in new[] { ("--time-budget", "7,5", "7.5"), ("--learning-rate", "0,001", "0.001") })
        {
            (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", Path.Combine(root, "z"), "--corpus", TinyCorpus.Path_, option, value);
            Assert.Equal(2, code);
            Assert.Equal($"glossa: error: {option} {value}: write decimals with a point ({fixedValue}); a comma would be read as a thousands separator", err.Trim());
        }
        (code, _, err) = CliProcess.Run(Minutes3, "demo", "--time-budget", "7,5", "--output-dir", Path.Combine(root, "d"));
        Assert.Equal(2, code);
        Assert.Contains("--time-budget 7,5", err);
        (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", Path.Combine(root, "z"), "--corpus", TinyCorpus.Path_, "--colour-shuffle", "0,5");
        Assert.Equal(2, code);
        Assert.Contains("(0.5)", err);
        // --dry-run reads the corpus as the run would: a format or split it cannot read fails there, not minutes later.
        foreach (var (option, value) in new[] { ("--corpus-format", "foo"), ("--val-split", "devel") })
        {
            (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", Path.Combine(root, "z"), "--corpus", TinyCorpus.Path_, option, value, "--dry-run");
            Assert.Equal(2, code);
            Assert.Contains($"'{value}'", err);
            Assert.Single(err.Trim().Split('\n'));
        }
        // "1,000" may be a thousand or a decimal: both readings are offered, neither is guessed.
        (code, _, err) = CliProcess.Run(Minutes3, "demo", "--time-budget", "1,000", "--output-dir", Path.Combine(root, "d"));
        Assert.Equal(2, code);
        Assert.Equal("glossa: error: --time-budget 1,000: write 1.000 for a decimal or 1000 for a whole number; a comma is not read", err.Trim());
        // A value that is no number names the option's default as the example (the demo's budget starts at 1, not 0.5).
        (code, _, err) = CliProcess.Run(Minutes3, "demo", "--time-budget", "abc", "--output-dir", Path.Combine(root, "d"));
        Assert.Equal(2, code);
        Assert.Contains(FormattableString.Invariant($"--time-budget: 'abc' is not valid; expected a number such as {DemoRecipe.DefaultBudgetMinutes} (the default)"), err);
        // An empty milestone is a typo, not "no milestone there": 20,,35 is refused, not read as 20,35.
        (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", Path.Combine(root, "z"), "--corpus", TinyCorpus.Path_, "--lr-schedule", "step", "--step-milestones", "20,,35", "--dry-run");
        Assert.Equal(2, code);
        Assert.Equal("glossa: error: --step-milestones '20,,35': an empty entry between commas; list epoch numbers, e.g. 20,35", err.Trim());
        Assert.False(Directory.Exists(Path.Combine(root, "z")) || Directory.Exists(Path.Combine(root, "d")));
    }

    [Fact]
    public void Time_budgets_out_of_range_and_a_missing_demo_corpus_are_refused_before_any_work()
    {
        string d = Path.Combine(root, "budget");
        var (code, _, err) = CliProcess.Run(Minutes3, "train", "--output-dir", d, "--corpus", TinyCorpus.Path_, "--time-budget", "1e6", "--dry-run");
        Assert.Equal(2, code);
        Assert.Equal("glossa: error: TimeBudgetMinutes (--time-budget) must be more than 0 and less than 1000000 minutes (got 1000000)", err.Trim());
        foreach (string minutes in new[] { "0.05", "0", "1e7" })
        {
            (code, var stdout, err) = CliProcess.Run(Minutes3, "demo", "--time-budget", minutes, "--output-dir", d);
            Assert.Equal(2, code);
            Assert.StartsWith($"glossa: error: --time-budget must be at least 1 and less than 1000000 minutes (got {double.Parse(minutes, System.Globalization.CultureInfo.InvariantCulture)})", err.Trim());
            Assert.Equal("", stdout); // nothing written, nothing announced
        }
        string missing = Path.Combine(root, "no-corpus");
        (code, var said, err) = CliProcess.Run(Minutes3, "demo", "--corpus", missing, "--output-dir", d);
        Assert.Equal(2, code);
        Assert.Equal("", said);
        Assert.Equal($"glossa: error: {missing}: corpus not found (--corpus); 'glossa synth DIR' writes a synthetic one, or leave --corpus out for the built-in one", err.Trim());
        string file = Path.Combine(root, "demo-file");
        File.WriteAllText(file, "");
        (code, said, err) = CliProcess.Run(Minutes3, "demo", "--corpus", TinyCorpus.Path_, "--output-dir", file);
        Assert.Equal(4, code);
        Assert.Equal("", said);
        Assert.Equal($"glossa: error: --output-dir {file}: is a file, not a folder; choose a folder path", err.Trim());
        (code, said, err) = CliProcess.Run(Minutes3, "demo", "--epochs", "0", "--output-dir", d);
        Assert.Equal(2, code);
        Assert.Equal("", said);
        Assert.Equal("glossa: error: --epochs must be at least 1 (got 0)", err.Trim());
        Assert.False(Directory.Exists(d)); // no corpus written for a run that cannot start
    }

    [Fact]
    public void Sigint_ends_the_step_and_leaves_a_loadable_last_and_a_summary()
    {
        string dir = Path.Combine(root, "sigint");
        using var p = new CliProcess(TinyTrain(dir, 200));
        var deadline = DateTime.UtcNow + Minutes3;
        string log = Path.Combine(dir, "training.log");
        while (!(File.Exists(log) && File.ReadAllText(log).Contains("Epoch 1/")) && !p.HasExited && DateTime.UtcNow < deadline)
            Thread.Sleep(200);
        Assert.False(p.HasExited, p.Stderr);
        Thread.Sleep(300); // into epoch 2
        p.Signal(2);
        int code = p.Wait(Minutes3);
        Assert.True(code == 130, $"exit code {code}; stderr:\n{p.Stderr}");
        AssertLoadable(Path.Combine(dir, "last"));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        Assert.Equal("interrupted", summary.RootElement.GetProperty("status").GetString());
        Assert.Contains("Interrupted", File.ReadAllText(log));

        // --resume carries on from where the signal stopped it (mid-epoch: at the next batch) and finishes.
        var state = Checkpoint.ReadState(Path.Combine(dir, "last"));
        var (rc, _, err) = CliProcess.Run(Minutes3, TinyTrain(dir, state.Epoch + 2, "--resume"));
        Assert.True(rc == 0, err);
        Assert.Equal(state.Epoch + 2, RunFolder.ReadMetrics(dir).Count);
        if (state.Interrupted)
            Assert.Contains($"continuing the interrupted epoch {state.Epoch + 1} at batch {state.PartialEpoch!.BatchesDone + 1}", File.ReadAllText(log));
    }

    [Fact]
    public void Kill_9_at_random_moments_never_leaves_best_or_last_unloadable()
    {
        string dir = Path.Combine(root, "kill9");
        var rng = new Random(5);
        int checkpointsSeen = 0;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            bool resume = File.Exists(Path.Combine(dir, "last", Checkpoint.StateFile));
            using var p = new CliProcess(TinyTrain(dir, 200, resume ? "--resume" : "--overwrite"));
            // Wait for the first epoch of this attempt, then kill at a random moment within the next ~3 s
            // (checkpoint writes included: every epoch of this tiny run writes 'last').
            string log = Path.Combine(dir, "training.log");
            int before = File.Exists(log) ? CountEpochLines(log) : 0;
            var deadline = DateTime.UtcNow + Minutes3;
            while (CountEpochLines(log) <= before && !p.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.False(p.HasExited, p.Stderr);
            Thread.Sleep(rng.Next(0, 3000));
            p.Signal(9);
            p.Wait(Minutes3);
            foreach (string link in new[] { "best", "last" })
            {
                string path = Path.Combine(dir, link);
                if (!Directory.Exists(path)) continue;
                AssertLoadable(path);
                checkpointsSeen++;
            }
        }
        Assert.True(checkpointsSeen >= 4, $"only {checkpointsSeen} checkpoints checked");
    }

    static int CountEpochLines(string log)
    {
        if (!File.Exists(log)) return 0;
        using var s = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(s);
        return r.ReadToEnd().Split('\n').Count(l => l.StartsWith("Epoch ", StringComparison.Ordinal));
    }

    static void AssertLoadable(string checkpoint)
    {
        var state = Checkpoint.ReadState(checkpoint);
        Assert.True(state.Epoch >= 0);
        using var inference = Glossa.Models.CheckpointModel.Load(checkpoint, TorchSharp.torch.CPU);
        Assert.Equal(inference.Vocabulary.Count, inference.Model.Config.NumClasses);
        Assert.Equal("tiny-student", Checkpoint.ReadOptions(checkpoint).Model);
    }

    [Fact]
    public void Train_then_evaluate_prints_the_json_counts_and_writes_the_files()
    {
        string dir = Path.Combine(root, "eval");
        var (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(dir, 2));
        Assert.True(code == 0, err);
        (code, var stdout, err) = CliProcess.Run(Minutes3, "evaluate", "--checkpoint", Path.Combine(dir, "best"), "--corpus", TinyCorpus.Path_,
            "--split", "test", "--beam", "10", "--json", "--threads", "2", "--cache-dir", Path.Combine(root, "cache"));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        int s = r.GetProperty("substitutions").GetInt32(), d = r.GetProperty("deletions").GetInt32(), i = r.GetProperty("insertions").GetInt32();
        int n = r.GetProperty("reference_words").GetInt32();
        Assert.True(n > 0);
        Assert.Equal(Math.Round(100.0 * (s + d + i) / n, 2), r.GetProperty("wer").GetDouble(), 2);
        foreach (var f in r.GetProperty("files").EnumerateObject())
            Assert.True(File.Exists(f.Value.GetString()), f.Name);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "eval-best-test", "test.stm")).Length);
        Assert.True(File.Exists(Path.Combine(dir, "eval-best-test", "test.beam-10.ctm")));
        Assert.True(File.Exists(Path.Combine(dir, "run_context.json")), "the live doctor's context is saved for 'glossa diagnose RUN_DIR'");

        // The validation WER recorded for 'best' is what a greedy evaluation of 'best' on the validation split reports.
        (code, stdout, err) = CliProcess.Run(Minutes3, "evaluate", "--checkpoint", Path.Combine(dir, "best"), "--corpus", TinyCorpus.Path_,
            "--split", "dev", "--beam", "0", "--json", "--threads", "2", "--cache-dir", Path.Combine(root, "cache"));
        Assert.True(code == 0, err);
        using (var greedy = JsonDocument.Parse(stdout))
            Assert.Equal(Math.Round(Checkpoint.ReadState(Path.Combine(dir, "best")).ValWer!.Value, 2), greedy.RootElement.GetProperty("wer").GetDouble(), 2);

        // The doctor on the checkpoint: one pass over dev plus the run's history.
        (code, stdout, err) = CliProcess.Run(Minutes3, "diagnose", "--checkpoint", Path.Combine(dir, "best"), "--corpus", TinyCorpus.Path_,
            "--split", "dev", "--json", "--no-write");
        Assert.True(code is 0 or 3, err);
        using var diag = JsonDocument.Parse(stdout);
        Assert.Contains(diag.RootElement.GetProperty("verdict").GetString(), new[] { "healthy", "continue", "stop" });
        Assert.Equal(JsonValueKind.Array, diag.RootElement.GetProperty("findings").ValueKind);
        Assert.Contains("best", diag.RootElement.GetProperty("source").GetString());
        // The run as it stood at the checkpoint's epoch, this pass as that epoch's validation: no invented epoch after the last.
        Assert.Equal(Checkpoint.ReadState(Path.Combine(dir, "best")).Epoch, diag.RootElement.GetProperty("last_epoch").GetInt32());
        Assert.Equal(diag.RootElement.GetProperty("last_epoch").GetInt32(), diag.RootElement.GetProperty("epochs").GetInt32());
        // On another split than the run validated on, the pass stands alone at the checkpoint's epoch (no dev trend against it).
        (code, stdout, err) = CliProcess.Run(Minutes3, "diagnose", "--checkpoint", Path.Combine(dir, "best"), "--corpus", TinyCorpus.Path_,
            "--split", "test", "--json", "--no-write");
        Assert.True(code is 0 or 3, err);
        using var onTest = JsonDocument.Parse(stdout);
        Assert.Equal(1, onTest.RootElement.GetProperty("epochs").GetInt32());
        Assert.Equal(Checkpoint.ReadState(Path.Combine(dir, "best")).Epoch, onTest.RootElement.GetProperty("last_epoch").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, onTest.RootElement.GetProperty("ended").ValueKind);
        // On another corpus (the same generator's corpus in another folder), the run's history and training signers are not
        // that corpus's either: the pass stands alone, and no signer claim is made.
        string other = Path.Combine(root, "other-corpus");
        Glossa.Corpora.SyntheticCorpus.Write(new Glossa.Corpora.SynthOptions { TrainSentences = 16, DevSentences = 4, TestSentences = 4, Glosses = 6, Signers = 2, Seed = 3 }, other, overwrite: true);
        (code, stdout, err) = CliProcess.Run(Minutes3, "diagnose", "--checkpoint", Path.Combine(dir, "best"), "--corpus", other,
            "--split", "dev", "--json", "--no-write");
        Assert.True(code is 0 or 3, err);
        using var onOther = JsonDocument.Parse(stdout);
        Assert.Equal(1, onOther.RootElement.GetProperty("epochs").GetInt32());
        Assert.DoesNotContain("unseen_validation_signers", stdout);
        (code, stdout, err) = CliProcess.Run(Minutes3, "diagnose", "--checkpoint", Path.Combine(dir, "best"), "--corpus", other, "--split", "dev", "--no-write");
        Assert.True(code is 0 or 3, err);
        if (Checkpoint.ReadState(Path.Combine(dir, "best")).Epoch > 1)
            Assert.Contains("this pass alone: the run's history is of another split or corpus", stdout);
    }

    [Fact]
    public void A_checkpoint_exported_for_pytorch_starts_a_new_run_with_pretrained()
    {
        string first = Path.Combine(root, "first");
        var (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(first, 1));
        Assert.True(code == 0, err);
        string exported = Path.Combine(root, "tiny-student.safetensors");
        (code, _, err) = CliProcess.Run(Minutes3, "model", "export", Path.Combine(first, "best"), "--out", exported);
        Assert.True(code == 0, err);

        string second = Path.Combine(root, "second");
        (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(second, 1, "--pretrained", exported));
        Assert.True(code == 0, err);
        string log = File.ReadAllText(Path.Combine(second, "training.log"));
        var loaded = System.Text.RegularExpressions.Regex.Match(log, @"pretrained (backbone|model) weights from \S*tiny-student\.safetensors: (\d+) tensors loaded \(\d+ of the backbone's \d+\), 0 missing");
        Assert.True(loaded.Success, log);
        Assert.True(int.Parse(loaded.Groups[2].Value) > 0);

        // A file that holds no weights of the model is refused up front, by name.
        string junk = Path.Combine(root, "junk.pt");
        File.WriteAllText(junk, "not a state dict");
        (code, _, err) = CliProcess.Run(Minutes3, TinyTrain(Path.Combine(root, "third"), 1, "--pretrained", junk));
        Assert.Equal(2, code);
        Assert.Contains(junk, err);
        Assert.DoesNotContain("   at ", err); // one line, no stack trace
    }

    [Fact]
    public void Quick_demo_runs_end_to_end_and_prints_dev_and_test_wer()
    {
        var (code, stdout, err) = CliProcess.Run(TimeSpan.FromMinutes(10), "demo", "--quick", "--json", "--threads", "2", "--output-dir", Path.Combine(root, "demo"));
        Assert.True(code == 0, err);
        Assert.Contains("poch 2", err); // the training log goes to stderr with --json: a long run is seen to be alive
        using var doc = JsonDocument.Parse(stdout);
        foreach (string split in new[] { "dev", "test" })
        {
            double wer = doc.RootElement.GetProperty(split).GetProperty("wer").GetDouble();
            Assert.InRange(wer, 0, 200);
            Assert.True(doc.RootElement.GetProperty(split).GetProperty("reference_words").GetInt32() > 0);
            Assert.Equal("beam-10", doc.RootElement.GetProperty(split).GetProperty("decoder").GetString()); // as evaluate --json names it
            Assert.Equal("phoenix2014", doc.RootElement.GetProperty(split).GetProperty("cleanup").GetString());
        }
        string run = doc.RootElement.GetProperty("run_dir").GetString()!;
        Assert.True(File.Exists(Path.Combine(run, "eval", "dev.greedy.ctm")) || File.Exists(Path.Combine(run, "eval", "dev.beam-10.ctm")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "eval"), "test.*wer-summary.txt"));
        // The scored checkpoint names the epoch 'best' pointed to when it was evaluated.
        using (var results = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(Path.Combine(run, "eval"), "test.*results.json").Single())))
            Assert.Equal(doc.RootElement.GetProperty("best_epoch").GetInt32(), results.RootElement.GetProperty("checkpoint_epoch").GetInt32());
        // The doctor's view of the finished run, as 'glossa diagnose RUN --json' prints it.
        var diagnosis = doc.RootElement.GetProperty("diagnosis");
        Assert.Contains(diagnosis.GetProperty("verdict").GetString(), new[] { "healthy", "continue", "stop" });
        Assert.Equal(JsonValueKind.Array, diagnosis.GetProperty("findings").ValueKind);
        Assert.Equal(2, diagnosis.GetProperty("epochs").GetInt32());
        Assert.StartsWith("completed", diagnosis.GetProperty("ended").GetString());
    }

    [Fact]
    public void The_training_log_names_the_allocator_and_says_when_it_returns_memory()
    {
        const string jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
        var cases = new List<(string Name, Dictionary<string, string> Env, string Expected, bool Note)>
        {
            ("glibc", new() { ["LD_PRELOAD"] = "", ["MALLOC_CONF"] = "" }, "glibc malloc", true),
        };
        if (File.Exists(jemalloc))
        {
            cases.Add(("keeping", new() { ["LD_PRELOAD"] = jemalloc, ["MALLOC_CONF"] = "dirty_decay_ms:-1,muzzy_decay_ms:-1" }, "jemalloc keeping freed pages", false));
            cases.Add(("returning", new() { ["LD_PRELOAD"] = jemalloc, ["MALLOC_CONF"] = "" }, "jemalloc returning freed pages", true));
        }
        foreach (var (name, env, expected, note) in cases)
        {
            string dir = Path.Combine(root, "alloc-" + name);
            var (code, _, err) = CliProcess.Run(Minutes3, env, "train", "--model", "tiny-student", "--corpus", TinyCorpus.Path_, "-o", dir,
                "--epochs", "1", "--frame-size", "32", "--workers", "0", "--histogram-every", "0", "--threads", "1");
            Assert.True(code == 0, err);
            string log = File.ReadAllText(Path.Combine(dir, "training.log"));
            Assert.Contains($"1 thread (OpenMP waits passive; {expected})", log);
            Assert.Equal(note, log.Contains("returns freed memory to the system", StringComparison.Ordinal));
        }
    }
}
