using System.Text.Json.Nodes;
using Glossa.Doctor;
using Glossa.Tests.Cli;
using Glossa.Training;

namespace Glossa.Tests.Doctor;

/// <summary>
/// The defects a new user's trial of the doctor found on runs made to fail (2026-12-08), each on a history shaped like the
/// run that showed it: the doctor must say what the run shows, and its commands must do what their text says.
/// </summary>
public sealed class TrialDefectTests
{
    static Finding? Find(HealthMonitor m, string rule) => m.Findings.SingleOrDefault(f => f.Rule == rule);

    static RunContext Context(double rate, int epochs = 30, params string[] more) => new()
    {
        ModelName = "tiny-student",
        CommandLine = ["--model", "tiny-student", "--corpus", "c", "--epochs", epochs.ToString(), "--learning-rate", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), .. more, "--output-dir", "runs/a"],
    };

    /// <summary>The learning rates the commands of <paramref name="findings"/> set.</summary>
    static IEnumerable<double> RatesIn(IEnumerable<Finding> findings) =>
        findings.SelectMany(f => f.Actions).Select(a => a.Command).OfType<string>()
            .Select(c => c.Split(' ')).Where(p => Array.IndexOf(p, "--learning-rate") >= 0)
            .Select(p => double.Parse(p[Array.IndexOf(p, "--learning-rate") + 1], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// A slow learner at lr 1e-3 (the trial's sign-world run, 24 steps an epoch): pure blank for 9 epochs while the training loss
    /// falls from 2.5 and the training WER starts to fall at epoch 8, then the first glosses at epoch 10 and a fast fall.
    /// </summary>
    static List<EpochMetrics> SlowLearner(int epochs, double fallPerEpoch = 0.045)
    {
        var list = new List<EpochMetrics>();
        for (int e = 1; e <= epochs; e++)
        {
            bool blank = e < 10;
            double train = e == 1 ? 4.8 : 2.5 * Math.Pow(1 - fallPerEpoch, e - 2);
            list.Add(new EpochMetrics
            {
                Epoch = e, TrainLoss = train, ValLoss = 2.5 + 0.2 * Math.Sin(e), TrainLossMax = train * 1.5,
                TrainWer = blank ? Math.Max(90, 100 - Math.Max(0, e - 7) * 5) : Math.Max(5, 80 - (e - 10) * 10),
                ValWer = blank ? 100 : Math.Max(50, 65 - (e - 10) * 2),
                BlankRatio = blank ? 1 : 0.62, EmptyRate = blank ? 1 : 0.1, LengthRatio = blank ? 0 : 0.7,
                LearningRate = 1e-3, Steps = 24L * e, GradNormMean = 2, GradNormMax = 4,
            });
        }
        return list;
    }

    [Fact]
    public void A_slow_learner_still_leaving_the_blank_plateau_is_told_to_wait_and_never_stopped()
    {
        var monitor = new HealthMonitor(Context(1e-3));
        foreach (var m in SlowLearner(16))
        {
            Assert.DoesNotContain(monitor.Observe(m), f => f.Severity == Severity.Critical);
            Assert.False(monitor.ShouldStop(out string reason), $"epoch {m.Epoch}: {reason}");
        }
        // At epoch 8 (blank since epoch 1, loss still falling): a warning that says wait, and no lower rate anywhere.
        var at8 = HealthMonitor.Diagnose(SlowLearner(8), Context(1e-3));
        var f = Find(at8, RuleIds.BlankCollapse)!;
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Contains("still leaving the blank plateau", f.Title);
        Assert.StartsWith("Keep this run going", f.Actions[0].Description);
        Assert.All(RatesIn(at8.Findings), lr => Assert.True(lr >= 1e-3, $"lowered to {lr}"));

        // The same blank output with the training loss flat is a collapse: critical, and there a lower rate is advised.
        var flat = SlowLearner(8).Select(m => m.Epoch > 2 ? m with { TrainLoss = 2.4, TrainWer = 100 } : m).ToList();
        var collapsed = Find(HealthMonitor.Diagnose(flat, Context(1e-3)), RuleIds.BlankCollapse)!;
        Assert.Equal(Severity.Critical, collapsed.Severity);
        Assert.Contains(RatesIn([collapsed]), lr => lr < 1e-3);
        // And so is the falling loss at a high rate (0.05), or under a dropout that zeroes most features.
        Assert.Equal(Severity.Critical, Find(HealthMonitor.Diagnose(SlowLearner(8), Context(0.05)), RuleIds.BlankCollapse)!.Severity);
        Assert.Equal(Severity.Critical, Find(HealthMonitor.Diagnose(SlowLearner(8), Context(1e-3, 30, "--dropout", "0.9")), RuleIds.BlankCollapse)!.Severity);
    }

    [Fact]
    public void Shuffled_labels_get_one_diagnosis_and_no_lower_rate_beside_the_data_check()
    {
        // 24 clips; __ON__ and __OFF__ in every sentence, 8 glosses 12 times each: label-prior WER 66.7%, frame-blind floor ln 8 x 96/144 = 1.386.
        var counts = new Dictionary<string, int> { ["__ON__"] = 24, ["__OFF__"] = 24 };
        for (int g = 0; g < 8; g++) counts[$"G{g}"] = 12;
        var context = Context(1e-3, 12) with { TrainingSamples = 24, LabelCounts = counts };
        // The trial's shuffled-label run: the loss settles at the floor while the output stays mostly blank.
        var h = Enumerable.Range(1, 9).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = e == 1 ? 3.1 : Math.Max(1.40, 2.5 - 0.3 * (e - 2)), ValLoss = 1.8, TrainWer = e < 3 ? 100 : 70, ValWer = 100,
            BlankRatio = 0.96, EmptyRate = 0.7, LengthRatio = 0.1, LearningRate = 1e-3, Steps = 12L * e,
        }).ToList();
        var monitor = HealthMonitor.Diagnose(h, context);
        var primary = monitor.Findings[0];
        Assert.Equal(RuleIds.NotLearning, primary.Rule);
        Assert.Contains("no learnable signal", primary.Title);
        Assert.Null(Find(monitor, RuleIds.BlankCollapse));
        Assert.Empty(RatesIn(monitor.Findings.Where(f => f.Severity >= Severity.Warning)));

        // Without label counts (another toolkit's history) the same run is not_learning on its WER: with the training loss
        // still falling at a modest rate, the data check comes first and no command lowers the rate beside it.
        var wrong = Enumerable.Range(1, 12).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = 3.0 * Math.Pow(0.95, e), ValLoss = 2.5, TrainWer = 95, ValWer = 100, BlankRatio = 0.4, EmptyRate = 0, LengthRatio = 1,
            LearningRate = 1e-3, Steps = 12L * e,
        }).ToList();
        var plain = HealthMonitor.Diagnose(wrong, Context(1e-3, 12));
        var notLearning = Find(plain, RuleIds.NotLearning)!;
        Assert.StartsWith("Check the data", notLearning.Actions[0].Description);
        Assert.Empty(RatesIn(plain.Findings.Where(f => f.Severity >= Severity.Warning)));
    }

    /// <summary>The options of a train command: name -> value (null for a flag); the output folder left out.</summary>
    static Dictionary<string, string?> Options(string command)
    {
        var parts = command.Split(' ');
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < parts.Length; i++)
            if (parts[i].StartsWith("--", StringComparison.Ordinal))
                options[parts[i][2..]] = i + 1 < parts.Length && !parts[i + 1].StartsWith("--", StringComparison.Ordinal) ? parts[++i] : null;
        options.Remove("output-dir");
        return options;
    }

    /// <summary>Words a description uses for a changed option.</summary>
    static readonly Dictionary<string, string[]> Named = new(StringComparer.Ordinal)
    {
        ["learning-rate"] = ["learning rate", "rate"], ["warmup-epochs"] = ["warm"], ["dropout"] = ["dropout"], ["weight-decay"] = ["weight decay"],
        ["hidden-dim"] = ["hidden size"], ["label-smoothing"] = ["smooth", "label-smoothing"], ["epochs"] = ["epochs"], ["clip-grad-norm"] = ["clip"],
        ["model"] = ["student", "model"], ["pretrained"] = ["without them"], ["max-frames"] = ["max-frames"], ["temporal-conv"] = ["temporal-conv"],
        ["frame-size"] = ["frames"], ["no-augment"] = ["augmentation"], ["no-flip"] = ["mirroring"], ["zoom"] = ["scale jitter"], ["colour-shuffle"] = ["colour shuffle"], ["temporal-channels"] = ["temporal channels"],
    };

    [Fact]
    public void Every_command_changes_only_what_its_text_names()
    {
        // The trial: overfitting's "halve the hidden size" command also set --dropout 0.5.
        var context = Context(1e-3, 24, "--hidden-dim", "512", "--dropout", "0", "--weight-decay", "0")
            with { ParameterCount = 6_000_000, TrainingSamples = 12 };
        var overfit = Enumerable.Range(1, 24).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = 3 * Math.Pow(0.75, e), ValLoss = e <= 10 ? 3 * Math.Pow(0.85, e) : 3 * Math.Pow(0.85, 10) + 0.08 * (e - 10),
            TrainWer = Math.Max(0, 90 - 8 * e), ValWer = e <= 10 ? 90 - 6 * e : 30 + 1.5 * (e - 10), LearningRate = 1e-3, Steps = 6L * e,
        }).ToList();
        var cases = new (string Name, List<EpochMetrics> History, RunContext Context)[]
        {
            ("overfitting", overfit, context),
            ("collapse at a high rate", Histories.Collapsed(10), Context(1.0)),
            ("collapse under a huge dropout", Histories.Collapsed(10).Select(m => m with { LearningRate = 1e-2 }).ToList(), Context(1e-2, 30, "--dropout", "0.9")),
            ("reference run", Histories.Seed(), context),
            ("slow learner", SlowLearner(8), Context(1e-3)),
            ("over-regularised", SlowLearner(12).Select(m => m with { TrainLoss = 2.4 - 0.001 * m.Epoch, TrainWer = 80, ValWer = 85, BlankRatio = 0.7, EmptyRate = 0, LengthRatio = 0.6 }).ToList(),
                Context(1e-3, 12, "--dropout", "0.6", "--weight-decay", "0.5", "--label-smoothing", "0.4")),
            ("non-finite", [.. SlowLearner(3), new EpochMetrics { Epoch = 4, TrainLoss = double.NaN, LearningRate = 1e-3 }], Context(1e-3)),
            ("non-finite, tiny model", [.. SlowLearner(1), new EpochMetrics { Epoch = 2, TrainLoss = double.NaN, LearningRate = 1e-3 }], Context(1e-3, 30, "--hidden-dim", "8", "--temporal-channels", "4")),
            ("high rate, stuck", SlowLearner(16).Select(m => m with { TrainLoss = 2.4 + 0.1 * (m.Epoch % 3), ValWer = 60 + 2 * (m.Epoch % 2), TrainWer = 55, BlankRatio = 0, EmptyRate = 0, LengthRatio = 1.1, LearningRate = 0.05 }).ToList(), Context(0.05)),
        };
        foreach (var (name, history, ctx) in cases)
        {
            var monitor = new HealthMonitor(ctx);
            foreach (var m in history) monitor.Observe(m);
            string original = new TrainCommandBuilder(ctx).Build();
            var before = Options(original);
            Assert.True(monitor.Raised.Count > 0, $"{name}: no finding");
            foreach (var action in monitor.Raised.Concat(monitor.Findings).SelectMany(f => f.Actions).Where(a => a.Command?.Contains(" train ") == true))
            {
                var after = Options(action.Command!);
                var changed = after.Keys.Union(before.Keys).Where(k => !(before.TryGetValue(k, out var b) && after.TryGetValue(k, out var a) && a == b)).ToList();
                foreach (var option in changed)
                    Assert.True(Named.TryGetValue(option, out var words) && words.Any(w => action.Description.Contains(w, StringComparison.OrdinalIgnoreCase)),
                        $"{name}: '{action.Description}' changes --{option}: {action.Command}");
            }
        }
    }

    /// <summary>A run folder written by the test: a collapsed history at lr 1 (metrics.jsonl) and a flat config naming corpus 'corpus-c'.</summary>
    static string CollapsedRunFolder()
    {
        string dir = Directory.CreateTempSubdirectory("doctor-trial-").FullName;
        File.WriteAllLines(Path.Combine(dir, RunFolder.MetricsFile), Histories.Collapsed(8).Select(m =>
            $$"""{"epoch":{{m.Epoch}},"train_loss":{{m.TrainLoss}},"val_loss":{{m.ValLoss}},"val_wer":100,"blank_ratio":1,"empty_rate":1,"length_ratio":0,"learning_rate":1,"steps":{{m.Steps}}}"""));
        File.WriteAllText(Path.Combine(dir, RunFolder.ConfigFile), """{"model":"tiny-student","corpus":"corpus-c","learning_rate":1.0,"epochs":10,"output_dir":"runs/x"}""");
        return dir;
    }

    [Fact]
    public void Diagnose_on_a_file_names_what_to_run_and_history_reads_the_config_beside_it()
    {
        string dir = CollapsedRunFolder();
        string metrics = Path.Combine(dir, RunFolder.MetricsFile);
        // A run folder's file given as RUN_DIR: the folder is named, not "run folder not found".
        var file = CliProcess.Run(TimeSpan.FromMinutes(2), "diagnose", metrics, "--no-write");
        Assert.Equal(2, file.Code);
        Assert.Contains($"run 'glossa diagnose {dir}'", file.Err);
        // A history file outside a run folder: --history is named.
        string csv = Path.Combine(Directory.CreateTempSubdirectory("doctor-trial-").FullName, "history.csv");
        File.WriteAllText(csv, "epoch,train_loss\n1,3\n2,2\n");
        var other = CliProcess.Run(TimeSpan.FromMinutes(2), "diagnose", csv, "--no-write");
        Assert.Equal(2, other.Code);
        Assert.Contains($"glossa diagnose --history {csv}", other.Err);

        // --history reads the config.json beside the history: the commands carry the run's corpus and rate.
        var history = CliProcess.Run(TimeSpan.FromMinutes(2), "diagnose", "--history", metrics, "--json", "--no-write");
        Assert.Equal(3, history.Code);
        var json = JsonNode.Parse(history.Out)!;
        Assert.Contains("config.json beside it", (string)json["source"]!);
        var commands = json["findings"]!.AsArray().SelectMany(f => f!["actions"]!.AsArray()).Select(a => (string?)a!["command"]).OfType<string>().Where(c => c.Contains(" train ")).ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Contains("--corpus corpus-c", c));
        // An explicit --config still wins over the file beside the history.
        string given = Path.Combine(Path.GetDirectoryName(csv)!, "given.json");
        File.WriteAllText(given, """{"model":"tiny-student","corpus":"corpus-d","learning_rate":1.0}""");
        var explicitConfig = RunRecord.LoadContextFor(metrics, null, given, out var beside);
        Assert.Equal("corpus-d", (string?)explicitConfig.Config!["corpus"]);
        Assert.DoesNotContain(beside, f => f.EndsWith(RunFolder.ConfigFile, StringComparison.Ordinal));
    }

    /// <summary>
    /// The trial's run at lr 0.05 (world b, no clipping, no warm-up, constant rate): no blanks at all, the validation WER swinging
    /// 64-77% from epoch 3 to 20 and the training loss noisy around 2 (values of a real run of this shape, rounded).
    /// </summary>
    static List<EpochMetrics> StuckAtAHighRate(double rate)
    {
        double[] train = [5.27, 3.53, 3.15, 2.87, 3.01, 2.82, 2.39, 2.3, 2.46, 2.25, 2.22, 2.1, 2.06, 2.09, 2.08, 2.03, 1.92, 2.06, 1.88, 1.87];
        double[] valWer = [89.4, 83.0, 74.5, 80.9, 80.9, 76.6, 72.3, 76.6, 74.5, 66.0, 70.2, 70.2, 76.6, 68.1, 66.0, 72.3, 68.1, 66.0, 66.0, 63.8];
        double[] trainWer = [89.4, 75.4, 70.8, 66.1, 66.5, 66.9, 66.9, 65.3, 69.1, 64.8, 68.2, 61.4, 61.0, 61.9, 62.7, 60.6, 58.9, 60.2, 59.7, 58.1];
        return Enumerable.Range(0, train.Length).Select(i => new EpochMetrics
        {
            Epoch = i + 1, TrainLoss = train[i], ValLoss = 2.5 + 0.4 * Math.Sin(i), TrainWer = trainWer[i], ValWer = valWer[i], BlankRatio = 0, EmptyRate = 0, LengthRatio = 0.6,
            LearningRate = rate, Steps = 15L * (i + 1), GradNormMean = 1.5, GradNormMax = 2.5, TrainLossMax = train[i] * 1.3,
        }).ToList();
    }

    [Fact]
    public void A_high_flat_wer_at_a_high_rate_is_not_healthy_and_is_told_to_lower_the_rate()
    {
        var monitor = HealthMonitor.Diagnose(StuckAtAHighRate(0.05), Context(0.05, 20));
        Assert.NotEqual(Verdict.Healthy, monitor.Verdict);
        var f = Find(monitor, RuleIds.Unstable)!;
        Assert.Contains("val WER stuck", f.Title);
        Assert.Contains(RatesIn([f]), lr => lr <= 3e-4);
        // Found while it happens (the live doctor), not only at the end.
        var live = new HealthMonitor(Context(0.05, 20));
        int? first = null;
        foreach (var m in StuckAtAHighRate(0.05))
            if (live.Observe(m).Any(x => x.Rule == RuleIds.Unstable)) first ??= m.Epoch;
        Assert.True(first <= 15, $"first raised at epoch {first?.ToString() ?? "never"}");

        // At a modest rate the same flat WER with a training loss that only swings (2.0, 2.3, 2.0, ...: no plateau to 1%, no 5%
        // fall) is not_learning (a warning).
        var flat = StuckAtAHighRate(1e-3).Select(m => m.Epoch > 8 ? m with { TrainLoss = m.Epoch % 2 == 0 ? 2.0 : 2.3 } : m).ToList();
        var modest = HealthMonitor.Diagnose(flat, Context(1e-3, 40));
        Assert.Equal(Severity.Warning, Find(modest, RuleIds.NotLearning)?.Severity);
        Assert.Contains("no longer falls", Find(modest, RuleIds.NotLearning)!.Title);
    }

    [Fact]
    public void An_interrupted_run_or_one_inside_the_grace_period_gets_a_provisional_verdict()
    {
        // Two epochs of a slow learner: nothing is judged yet, and the verdict says so.
        var early = new DiagnosisReport(HealthMonitor.Diagnose(SlowLearner(2), Context(1e-3)), "run");
        Assert.Equal(Verdict.Healthy, early.Verdict);
        Assert.Contains("Provisional: only 2 epochs (48 steps) so far", early.VerdictAdvice());
        Assert.Contains("only 2 epochs", (string?)early.ToJson()["provisional"]);

        // An interrupted run (its summary.json says so) past the grace: provisional, and how to go on.
        string dir = CollapsedRunFolder();
        File.WriteAllText(Path.Combine(dir, RunFolder.SummaryFile), """{"status":"interrupted","message":"interrupted during epoch 13 after 3 of 24 batches"}""");
        var full = Histories.Healthy(3, 40, 12);
        var interrupted = new DiagnosisReport(HealthMonitor.Diagnose(full), dir, RunRecord.Ended(dir), RunRecord.Interrupted(dir));
        Assert.Contains("the run was interrupted after epoch 12 (interrupted during epoch 13 after 3 of 24 batches)", interrupted.VerdictAdvice());
        Assert.Contains("--resume", interrupted.VerdictAdvice());

        // A run past the grace that was not interrupted: no note.
        var done = new DiagnosisReport(HealthMonitor.Diagnose(full), "run");
        Assert.Null(done.Provisional());
        Assert.DoesNotContain("Provisional", done.VerdictAdvice());
    }

    [Fact]
    public void A_run_the_budget_or_the_wall_clock_ended_while_it_still_improved_is_said_to_be_cut_short()
    {
        // A new user's demo on a loaded machine: best epoch the last, stopped by the wall clock; the doctor said only "healthy".
        var improving = HealthMonitor.Diagnose(Histories.Healthy(3, 40, 8)); // val WER 60, 30, 15, 7.5 at epochs 5-8
        const string wall = "early stopped: wall-clock limit: another epoch (~0.4 min) would end past the 9.0 min wall-clock limit of training";
        var cut = new DiagnosisReport(improving, "run", wall);
        Assert.Contains("Cut short: the run ended on its wall-clock limit (wall time ran ahead of compute: other work on the cores, or threads waiting) while still improving (best validation WER at epoch 8 of 8", cut.VerdictAdvice());
        Assert.Contains("idle cores", (string?)cut.ToJson()["cut_short"]);
        var budget = new DiagnosisReport(improving, "run", "early stopped: time budget: another epoch (~0.2 min) would end past the 6.6 min budget");
        Assert.Contains("--time-budget", budget.CutShort());

        // Not said when the run stopped for want of progress, ran all its epochs, or had its best well before the end.
        Assert.Null(new DiagnosisReport(improving, "run", "early stopped: no improvement for 12 epochs").CutShort());
        Assert.Null(new DiagnosisReport(improving, "run").CutShort());
        var converged = HealthMonitor.Diagnose(Histories.Healthy(3, 40, 14)); // WER at its floor from epoch 11, the loss from 10
        Assert.Null(new DiagnosisReport(converged, "run", wall).CutShort());
    }

    [Fact]
    public void Data_mismatch_names_the_unknown_validation_glosses_with_their_counts()
    {
        // Validation glosses spelt in lower case (the trial's vocabulary mismatch): 12 of them, REGEN the most frequent.
        string[] glosses = ["REGEN", "SONNE", "WIND", "WOLKE", "NEBEL", "FROST", "SCHNEE", "NORD", "SUED", "WARM", "KALT", "GEWITTER"];
        var train = glosses.Select((g, i) => new Glossa.Corpora.Sample($"t{i}", "train", "s", ["__ON__", g, "__OFF__"], [], null, "t")).ToList();
        var dev = glosses.Select((g, i) => new Glossa.Corpora.Sample($"d{i}", "dev", "s", ["__ON__", g.ToLowerInvariant(), g == "REGEN" ? "regen" : "__OFF__"], [], null, "d")).ToList();
        var unknown = RunContext.CountUnknown(dev, Glossa.Corpora.Vocabulary.Build(train));
        Assert.Equal(2, unknown["regen"]);
        Assert.Equal(12, unknown.Count);
        var context = new RunContext { ValidationUnknownGlosses = unknown.Values.Sum(), ValidationGlosses = dev.Sum(d => d.Glosses.Count), ValidationUnknownGlossCounts = unknown };
        var f = Find(HealthMonitor.Diagnose([new EpochMetrics { Epoch = 1, TrainLoss = 3 }], context), RuleIds.DataMismatch)!;
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Contains("not in the training vocabulary: 'regen' x2, 'frost' x1", f.Title);
        Assert.EndsWith("and 4 more", f.Title); // 8 named in the title
        Assert.Contains(f.Actions, a => a.Description.Contains("'wolke' x1") && !a.Description.Contains("more"));
        // A run context written before the names were kept: the count alone, as before.
        var old = context with { ValidationUnknownGlossCounts = null };
        Assert.EndsWith("are not in the training vocabulary", Find(HealthMonitor.Diagnose([new EpochMetrics { Epoch = 1, TrainLoss = 3 }], old), RuleIds.DataMismatch)!.Title);
    }

    [Fact]
    public void A_copied_run_folder_rebases_its_relative_corpus_from_where_it_trained_or_says_to_give_it()
    {
        // The run trained in 'origin' on the relative corpus 'corpus-c'; its folder was then copied elsewhere (CollapsedRunFolder).
        string origin = Directory.CreateTempSubdirectory("doctor-origin-").FullName;
        Directory.CreateDirectory(Path.Combine(origin, "corpus-c"));
        string copy = CollapsedRunFolder();
        File.WriteAllText(Path.Combine(copy, RunRecord.ContextFile), $$"""{"working_directory": "{{origin}}"}""");
        var monitor = RunRecord.Diagnose(copy);
        var commands = monitor.Findings.SelectMany(f => f.Actions).Select(a => a.Command).OfType<string>().Where(c => c.Contains(" train ")).ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Equal(Path.Combine(origin, "corpus-c"), Path.GetFullPath(Options(c)["corpus"]!)));
        Assert.DoesNotContain("does not resolve", new DiagnosisReport(monitor, copy).VerdictAdvice());

        // The folder it trained in is gone (or was never recorded): the commands cannot know the corpus, and the verdict says so.
        Directory.Delete(origin, recursive: true);
        var gone = new DiagnosisReport(RunRecord.Diagnose(copy), copy).VerdictAdvice();
        Assert.Contains("The run's --corpus corpus-c (relative to the folder it was trained in", gone);
        Assert.Contains("give the path in its place in the commands below", gone);
    }

    [Fact]
    public void Non_finite_values_at_a_modest_rate_do_not_blame_the_rate_first()
    {
        // The trial: NaN in epoch 1-2 with --hidden-dim 8 (or --temporal-channels 4) at any rate, and the advice lowered the rate.
        List<EpochMetrics> nan = [.. SlowLearner(1), new EpochMetrics { Epoch = 2, TrainLoss = double.NaN, LearningRate = 1e-3 }];
        var tiny = Find(HealthMonitor.Diagnose(nan, Context(1e-3, 30, "--hidden-dim", "8")), RuleIds.NonFinite)!;
        Assert.Contains("unlikely to be the cause alone", tiny.Explanation);
        Assert.Contains("hidden size 8", tiny.Explanation);
        Assert.DoesNotContain("--hidden-dim", tiny.Actions[0].Command);
        Assert.DoesNotContain(RatesIn([tiny with { Actions = tiny.Actions.Take(2).ToList() }]), lr => lr < 1e-3);
        // At a high rate the rate is still the first suspect.
        var high = Find(HealthMonitor.Diagnose(nan.Select(m => m with { LearningRate = 0.05 }).ToList(), Context(0.05)), RuleIds.NonFinite)!;
        Assert.StartsWith("Restart from the last good checkpoint with a lower learning rate", high.Actions[0].Description);
    }
}
