using Glossa.Doctor;
using Glossa.Training;
using Glossa.Corpora;

namespace Glossa.Tests.Doctor;

/// <summary>Each rule: one history or context that makes it fire, one that does not.</summary>
public sealed class RuleTests
{
    static Finding? Find(HealthMonitor m, string rule) => m.Findings.SingleOrDefault(f => f.Rule == rule);

    static List<EpochMetrics> Series(params (double Train, double Val)[] points) =>
        points.Select((p, i) => new EpochMetrics { Epoch = i + 1, TrainLoss = p.Train, ValLoss = p.Val }).ToList();

    // ---- healthy shapes ----

    [Theory]
    [InlineData(3, 40)]   // the 64 px run: stage 2 for ~3 epochs
    [InlineData(7, 40)]   // the 112 px run: stage 2 for ~7 epochs
    [InlineData(3, 547)]  // PHOENIX-sized epochs (4,376 clips, batch 8)
    public void Healthy_runs_yield_no_critical_finding_in_any_epoch(int stage2, int steps)
    {
        var monitor = new HealthMonitor();
        foreach (var m in Histories.Healthy(stage2, steps))
        {
            var fresh = monitor.Observe(m);
            Assert.DoesNotContain(fresh, f => f.Severity == Severity.Critical);
            Assert.False(monitor.ShouldStop(out _));
        }
        Assert.Equal(Verdict.Healthy, monitor.Verdict);
    }

    // ---- blank_collapse ----

    [Fact]
    public void Blank_collapse_fires_within_a_few_epochs_of_a_collapsed_run()
    {
        var monitor = new HealthMonitor();
        int? warned = null, critical = null;
        foreach (var m in Histories.Collapsed(10))
        {
            foreach (var f in monitor.Observe(m).Where(f => f.Rule == RuleIds.BlankCollapse))
            {
                if (f.Severity == Severity.Warning) warned ??= m.Epoch;
                if (f.Severity == Severity.Critical) critical ??= m.Epoch;
            }
        }
        Assert.Equal(5, warned);   // grace: 3 epochs and 50 steps (12 per epoch)
        Assert.Equal(6, critical); // 3 pure-blank epochs past the grace, validation flat
    }

    [Fact]
    public void Blank_collapse_under_a_huge_dropout_names_the_dropout_and_restarts_with_a_sane_one()
    {
        var context = new RunContext { ModelName = "tiny-student", CommandLine = ["--model", "tiny-student", "--corpus", "c", "--dropout", "0.9", "--learning-rate", "0.001", "--overwrite", "--output-dir", "runs/a"] };
        var collapsed = Histories.Collapsed(8).Select(m => m with { LearningRate = 1e-3, TrainLoss = 2.4, TrainLossMax = 2.6, GradNormMean = 2, GradNormMax = 3 }).ToList();
        var f = Find(HealthMonitor.Diagnose(collapsed, context), RuleIds.BlankCollapse)!;
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Contains("dropout 0.9 zeroes 90% of the features", f.Explanation);
        Assert.DoesNotContain("a learning rate too high or without warm-up", f.Explanation); // the generic guess gives way to the evidence
        Assert.Equal("./glossa train --model tiny-student --corpus c --dropout 0.1 --learning-rate 0.001 --output-dir runs/a_v2", f.Actions[0].Command);
        // More regularisation never means less dropout.
        var overfit = Find(HealthMonitor.Diagnose(Series((3, 2.9), (2, 2), (1.5, 1.8), (1.2, 1.9), (1, 2), (0.8, 2.1), (0.6, 2.2), (0.5, 2.3), (0.4, 2.4)), context), RuleIds.Overfitting)!;
        Assert.All(overfit.Actions.Where(a => a.Command is not null), a => Assert.DoesNotContain("--dropout 0.6", a.Command));

        // A normal dropout is not blamed.
        var normal = context with { CommandLine = ["--model", "tiny-student", "--corpus", "c", "--dropout", "0.2", "--output-dir", "runs/a"] };
        var g = Find(HealthMonitor.Diagnose(collapsed, normal), RuleIds.BlankCollapse)!;
        Assert.DoesNotContain("zeroes", g.Explanation);
        Assert.StartsWith("Stop this run and restart with a lower learning rate", g.Actions[0].Description);
    }

    [Fact]
    public void Blank_collapse_does_not_fire_on_a_slow_stage_one_whose_loss_falls()
    {
        // Pure blank for 7 epochs but the validation loss falls ~20% per epoch: a slow start, not a collapse
        // (the real tiny GRU at lr 3e-3 looks like this).
        var h = Enumerable.Range(1, 12).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = 4.0 * Math.Pow(0.8, e), ValLoss = 2.2 * Math.Pow(0.8, e), ValWer = 100, BlankRatio = 1, EmptyRate = 1, LengthRatio = 0, Steps = 12L * e,
        }).ToList();
        Assert.Null(Find(HealthMonitor.Diagnose(h.Take(7)), RuleIds.BlankCollapse));
        // Still pure blank 5 epochs past the grace: worth a warning, never a stop while it improves.
        Assert.Equal(Severity.Warning, Find(HealthMonitor.Diagnose(h), RuleIds.BlankCollapse)!.Severity);
    }

    [Fact]
    public void Frequent_glosses_plateau_that_persists_is_a_warning_not_critical()
    {
        // Stage 2 forever: blank 0.85, hypotheses 0.26 of the reference, WER 74, nothing moves.
        var h = Enumerable.Range(1, 12).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = 2.4, ValLoss = 2.45, ValWer = 74, BlankRatio = 0.85, EmptyRate = 0, LengthRatio = 0.26, Steps = 40L * e,
        });
        var f = Find(HealthMonitor.Diagnose(h), RuleIds.BlankCollapse);
        Assert.NotNull(f);
        Assert.Equal(Severity.Warning, f.Severity);
    }

    [Fact]
    public void Frequent_glosses_plateau_with_a_falling_loss_is_still_caught()
    {
        // The real run 'glossa train --learning-rate 0.3 --clip-grad-norm 0 --warmup-epochs 0' on the demo
        // corpus: no blanks at all, only __ON__ __OFF__ from epoch 4 on, while the loss falls from its blow-up.
        double[] val = [128.6, 45.6, 17.1, 11.5, 7.5, 4.9, 4.6, 4.1, 3.9, 3.9];
        double[] wer = [75.2, 85.8, 73.1, 75.8, 75.8, 75.8, 75.8, 75.8, 75.8, 75.8];
        double[] len = [0.34, 0.22, 0.36, 0.24, 0.24, 0.24, 0.24, 0.24, 0.24, 0.24];
        var h = Enumerable.Range(0, 10).Select(i => new EpochMetrics
        {
            Epoch = i + 1, TrainLoss = val[i] + 0.5, ValLoss = val[i], ValWer = wer[i], BlankRatio = 0, EmptyRate = 0, LengthRatio = len[i], Steps = 40L * (i + 1),
        }).ToList();
        Assert.Null(Find(HealthMonitor.Diagnose(h.Take(7)), RuleIds.BlankCollapse));
        var f = Find(HealthMonitor.Diagnose(h), RuleIds.BlankCollapse);
        Assert.NotNull(f);
        Assert.Contains("frequent glosses", f.Explanation);
    }

    [Fact]
    public void A_run_that_ended_inside_the_grace_period_is_too_short_to_judge_not_healthy()
    {
        // 'glossa train --epochs 1' on a 24-sentence corpus: every dev prediction empty when the run ended.
        EpochMetrics[] one = [new() { Epoch = 1, TrainLoss = 3.47, ValLoss = 3.56, TrainWer = 97.8, ValWer = 100, BlankRatio = 1, EmptyRate = 1, LengthRatio = 0, Steps = 6 }];
        var ended = HealthMonitor.Diagnose(one, new RunContext { Config = new System.Text.Json.Nodes.JsonObject { ["epochs"] = 1 } });
        var f = Find(ended, RuleIds.Underfitting);
        Assert.NotNull(f);
        Assert.Contains("the run ended after 1 epoch, too few to learn or to judge", f.Title);
        Assert.Contains("every validation prediction still empty", f.Explanation);
        Assert.Contains("--epochs 11", Assert.Single(f.Actions).Command);
        Assert.NotEqual(Verdict.Healthy, ended.Verdict);
        // The same first epoch of a run configured for 40 is CTC's normal start: nothing to say yet.
        var running = HealthMonitor.Diagnose(one, new RunContext { Config = new System.Text.Json.Nodes.JsonObject { ["epochs"] = 40 } });
        Assert.Empty(running.Findings);
        Assert.Equal(Verdict.Healthy, running.Verdict);
    }

    /// <summary>
    /// A new user's demo on a signer-independent corpus from their own generator (30 dev clips, 178 words): the val WER tied
    /// at 30-33% from epoch 21 while the val loss kept falling (1.103 -> 0.967) and reduce-on-plateau cut the rate to 3%.
    /// </summary>
    static List<EpochMetrics> NewUsersSignerIndependentRun()
    {
        double[] train = [4.311, 3.297, 2.949, 2.615, 2.348, 2.15, 1.938, 1.783, 1.644, 1.545, 1.387, 1.424, 1.259, 1.165, 1.035, 0.998, 0.945, 0.967, 0.891, 0.858, 0.799, 0.807, 0.766, 0.746, 0.707, 0.678, 0.715, 0.647, 0.668, 0.678, 0.642, 0.662, 0.645];
        double[] val = [3.547, 2.965, 2.687, 2.343, 2.142, 1.994, 1.869, 1.974, 1.527, 1.665, 1.733, 1.812, 1.355, 1.241, 1.37, 1.203, 1.061, 1.172, 1.137, 1.172, 1.103, 1.023, 1.016, 1.059, 0.991, 0.972, 0.979, 0.979, 0.975, 0.992, 0.967, 0.974, 0.995];
        double[] vwer = [100, 80.9, 80.9, 70.8, 67.4, 62.9, 60.1, 59.0, 48.3, 43.8, 44.9, 53.4, 44.9, 40.4, 42.1, 38.2, 31.5, 39.3, 34.8, 34.3, 30.3, 31.5, 32.0, 33.1, 30.3, 32.0, 30.9, 30.9, 30.9, 30.9, 30.3, 30.9, 32.6];
        double[] twer = [99.0, 87.9, 83.9, 82.8, 78.1, 72.2, 68.1, 60.2, 53.6, 50.4, 46.0, 45.5, 40.3, 38.0, 32.9, 32.5, 30.1, 30.9, 30.1, 26.8, 25.4, 25.2, 22.1, 23.1, 23.0, 20.6, 22.1, 19.3, 18.7, 19.9, 19.6, 20.6, 19.6];
        int[] cuts = [14, 21, 25, 28, 31]; // epochs from which the rate was halved again
        return Enumerable.Range(0, train.Length).Select(i => new EpochMetrics
        {
            Epoch = i + 1, TrainLoss = train[i], ValLoss = val[i], ValWer = vwer[i], TrainWer = twer[i], BlankRatio = 0.35, EmptyRate = 0, LengthRatio = 1,
            LearningRate = 1e-3 * Math.Pow(0.5, cuts.Count(c => i + 1 >= c)), Steps = 50L * (i + 1),
        }).ToList();
    }

    [Fact]
    public void A_tied_wer_with_a_falling_val_loss_is_not_overfitting_and_a_flat_loss_at_a_decayed_rate_is_not_not_learning()
    {
        var run = NewUsersSignerIndependentRun();
        var context = new RunContext { Config = new System.Text.Json.Nodes.JsonObject { ["learning_rate"] = 1e-3, ["epochs"] = 200 } };
        var monitor = HealthMonitor.Diagnose(run, context);
        Assert.Null(Find(monitor, RuleIds.Overfitting));    // was critical: val_wer 30.34% at 21, 32.58% at 33 (4 words), val loss lowest at 31
        Assert.Null(Find(monitor, RuleIds.NotLearning));    // was "train_loss flat, lower the rate" at 3% of the peak
        // The same WER with the val loss rising past its best is still overfitting.
        var rising = run.Select(m => m.Epoch > 21 ? m with { ValLoss = 1.103 + 0.03 * (m.Epoch - 21) } : m).ToList();
        Assert.NotNull(Find(HealthMonitor.Diagnose(rising, context), RuleIds.Overfitting));
        // And a flat loss at the full rate is still a plateau worth a warning.
        var flatAtPeak = run.Select(m => m with { LearningRate = 1e-3 }).ToList();
        Assert.NotNull(Find(HealthMonitor.Diagnose(flatAtPeak, context), RuleIds.NotLearning));
    }

    [Fact]
    public void One_epoch_above_the_loss_level_at_a_decayed_rate_is_not_instability()
    {
        // The same run with its last epoch's mean loss 1.65x the level (0.668 -> 1.1): at 3% of the peak rate that is the
        // batches' noise (a second new user's run was told at epoch 65 to lower a rate of 6e-5); at the peak rate it is a warning.
        var context = new RunContext { Config = new System.Text.Json.Nodes.JsonObject { ["learning_rate"] = 1e-3, ["epochs"] = 200 } };
        var jump = NewUsersSignerIndependentRun().Select(m => m.Epoch == 33 ? m with { TrainLoss = 1.1 } : m).ToList();
        Assert.Null(Find(HealthMonitor.Diagnose(jump, context), RuleIds.Unstable));
        var atPeak = jump.Select(m => m with { LearningRate = 1e-3 }).ToList();
        Assert.Equal(Severity.Warning, Find(HealthMonitor.Diagnose(atPeak, context), RuleIds.Unstable)?.Severity);
        // Two such epochs in a row are diverging whatever the rate.
        var twice = jump.Select(m => m.Epoch == 32 ? m with { TrainLoss = 1.1 } : m).ToList();
        Assert.Equal(Severity.Critical, Find(HealthMonitor.Diagnose(twice, context), RuleIds.Unstable)?.Severity);
    }

    // ---- overfitting ----

    [Fact]
    public void Overfitting_on_a_signer_independent_split_says_the_gap_is_the_new_signer()
    {
        var h = Series((3, 2.9), (2, 2), (1.5, 1.8), (1.2, 1.9), (1, 2), (0.8, 2.1), (0.6, 2.2), (0.5, 2.3), (0.4, 2.4));
        var si = Find(HealthMonitor.Diagnose(h, new RunContext { Signers = new SignerCounts(5, 1, 1) }), RuleIds.Overfitting)!;
        Assert.Contains("Every validation signer (1 signer) is absent from the training split (5 signers)", si.Explanation);
        Assert.Contains(si.Evidence, e => e is { Name: "unseen_validation_signers", Value: 1 });
        Assert.Contains(si.Actions, a => a.Description.EndsWith("the validation signers never sign a training clip, so the gap is largely the new signer and may not close"));
        // Validation signers who also sign training clips (PHOENIX's multi-signer split), or a corpus without signer ids: no such claim.
        var multi = Find(HealthMonitor.Diagnose(h, new RunContext { Signers = new SignerCounts(9, 8, 0) }), RuleIds.Overfitting)!;
        Assert.DoesNotContain("absent from the training split", multi.Explanation);
        Assert.DoesNotContain(multi.Actions, a => a.Description.Contains("new signer"));
        Assert.Contains(multi.Evidence, e => e is { Name: "unseen_validation_signers", Value: 0 });
        var unknown = Find(HealthMonitor.Diagnose(h), RuleIds.Overfitting)!;
        Assert.DoesNotContain(unknown.Evidence, e => e.Name == "unseen_validation_signers");
        Assert.Contains(unknown.Actions, a => a.Description.EndsWith("where the validation signers never appear in training, the gap is the new signer and may not close"));
    }

    [Fact]
    public void Signer_counts_name_the_validation_signers_absent_from_training_and_nothing_without_signer_ids()
    {
        static Sample S(string signer) => new("id", "train", signer, ["A"], ["f.png"], null, "a.corpus:1");
        var train = new[] { S("Signer01"), S("Signer02"), S("Signer01") };
        Assert.Equal(new SignerCounts(2, 1, 1), SignerCounts.Of(train, [S("Signer06")]));
        Assert.Equal(new SignerCounts(2, 2, 1), SignerCounts.Of(train, [S("Signer02"), S("Signer07")]));
        Assert.False(new RunContext { Signers = SignerCounts.Of(train, [S("Signer02"), S("Signer07")]) }.UnseenValidationSigners);
        Assert.Null(SignerCounts.Of([S("unknown")], [S("unknown")]));
        Assert.Null(SignerCounts.Of(train, [S("")]));
    }

    [Fact]
    public void Overfitting_fires_as_warning_then_critical()
    {
        var pts = new List<(double, double)>();
        for (int e = 1; e <= 20; e++)
            pts.Add((4.0 - 0.15 * e, e <= 8 ? 5.0 - 0.1 * e : 4.2 + 0.05 * (e - 8)));
        var monitor = new HealthMonitor();
        var severities = new Dictionary<Severity, int>();
        foreach (var m in Series(pts.ToArray()))
            foreach (var f in monitor.Observe(m).Where(f => f.Rule == RuleIds.Overfitting))
                severities.TryAdd(f.Severity, m.Epoch);
        Assert.Equal(13, severities[Severity.Warning]);   // best at 8, +5 epochs, 4.45 > 4.2 * 1.02
        Assert.Equal(18, severities[Severity.Critical]);  // +10 epochs
        Assert.Equal(Verdict.Stop, monitor.Verdict);
    }

    [Fact]
    public void Overfitting_does_not_fire_while_validation_improves_or_when_train_loss_does_not_fall()
    {
        var improving = Series(Enumerable.Range(1, 20).Select(e => (4.0 - 0.15 * e, 5.0 - 0.1 * e)).ToArray());
        Assert.Null(Find(HealthMonitor.Diagnose(improving), RuleIds.Overfitting));
        // Validation worse but training loss flat too: that is not the overfitting pattern.
        var bothFlat = Series(Enumerable.Range(1, 20).Select(e => (3.0, e <= 5 ? 3.0 : 3.3)).ToArray());
        Assert.Null(Find(HealthMonitor.Diagnose(bothFlat), RuleIds.Overfitting));
    }

    [Fact]
    public void A_converged_run_wobbling_at_tiny_losses_is_neither_overfitting_nor_diverging()
    {
        // Loss scale ~2 after epoch 1; at convergence the losses wobble between 0.002 and 0.006.
        var h = Enumerable.Range(1, 29).Select(e => new EpochMetrics
        {
            Epoch = e,
            TrainLoss = e <= 6 ? 2.2 / e : (e % 2 == 0 ? 0.002 : 0.005) * (1 - e / 100.0),
            ValLoss = e <= 6 ? 2.0 / e : e < 12 ? 0.002 : 0.006,
            ValWer = e <= 6 ? 100.0 / e : 0,
        }).ToList();
        var monitor = HealthMonitor.Diagnose(h);
        Assert.Null(Find(monitor, RuleIds.Overfitting));
        Assert.Null(Find(monitor, RuleIds.Unstable));
        Assert.Equal(Verdict.Healthy, monitor.Verdict);
        // Without the noise floor the same wobble would read as overfitting and divergence.
        var strict = HealthMonitor.Diagnose(h, options: new DoctorOptions { LossNoiseFloor = 0 });
        Assert.NotNull(Find(strict, RuleIds.Overfitting));
        Assert.NotNull(Find(strict, RuleIds.Unstable));
    }

    [Fact]
    public void A_rise_within_the_runs_own_epoch_to_epoch_wobble_is_not_overfitting()
    {
        // The demo on signgen.py s5 (20 dev clips, ~140 words), epochs 1-28: val WER best 17.4 at epoch 23, 21.0 at 28,
        // while it swings by 2-6 points an epoch. The run went on to 14.5 at epoch 34: not overfitting.
        (double TrainLoss, double ValLoss, double TrainWer, double ValWer)[] s5 =
        [
        (6.415, 3.338, 101.1, 100.0),
        (3.116, 3.090, 100.0, 100.0),
        (2.871, 2.928, 94.9, 100.0),
        (2.542, 2.584, 89.8, 89.1),
        (2.305, 2.372, 81.2, 71.7),
        (2.139, 2.247, 69.7, 70.3),
        (1.946, 2.143, 64.6, 67.4),
        (1.857, 1.823, 62.6, 55.8),
        (1.581, 1.572, 50.8, 50.7),
        (1.441, 1.442, 45.5, 46.4),
        (1.346, 1.327, 42.2, 39.1),
        (1.213, 1.241, 38.3, 40.6),
        (1.177, 1.151, 37.7, 38.4),
        (1.063, 1.096, 34.8, 32.6),
        (1.062, 1.094, 34.0, 34.1),
        (0.928, 0.952, 31.5, 29.7),
        (0.817, 0.937, 27.6, 26.8),
        (0.768, 0.723, 24.4, 21.7),
        (0.812, 0.888, 27.0, 27.5),
        (0.680, 0.779, 23.7, 24.6),
        (0.744, 0.749, 25.3, 24.6),
        (0.627, 0.675, 20.7, 19.6),
        (0.601, 0.577, 19.5, 17.4),
        (0.534, 0.650, 16.4, 23.2),
        (0.514, 0.611, 16.8, 18.1),
        (0.495, 0.656, 15.4, 21.7),
        (0.430, 0.596, 14.0, 17.4),
        (0.402, 0.614, 12.0, 21.0),
        ];
        var h = Epochs(s5, s5.Length);
        var monitor = HealthMonitor.Diagnose(h);
        Assert.DoesNotContain(monitor.Raised, f => f.Rule == RuleIds.Overfitting);
        // Without the wobble test the same history raised the warning the demo printed.
        var strict = HealthMonitor.Diagnose(h, options: new DoctorOptions { OverfitWobbleFactor = 0 });
        var f = Assert.Single(strict.Raised, f => f.Rule == RuleIds.Overfitting);
        Assert.Equal(28, f.Epoch);
        Assert.Contains("val_wer best at epoch 23", f.Title);
    }

    // The demo with the visual-enhancement term on a new user's generator (mygen.py s1, 178 dev words; 2026-12-07), epochs 1-53.
    static readonly (double TrainLoss, double ValLoss, double TrainWer, double ValWer)[] MygenS1 =
    [
        (4.343, 3.459, 99.1, 100.00), (3.250, 2.815, 87.5, 81.46), (2.764, 2.509, 83.5, 78.09), (2.291, 2.026, 76.6, 61.80),
        (1.939, 1.700, 66.5, 52.25), (1.706, 1.532, 55.5, 46.63), (1.497, 1.460, 49.3, 41.01), (1.364, 1.393, 44.4, 41.01),
        (1.232, 1.212, 40.3, 38.20), (1.215, 1.189, 38.7, 35.39), (1.119, 1.297, 37.3, 39.89), (1.148, 1.359, 37.3, 42.13),
        (0.947, 1.168, 31.1, 35.39), (0.911, 0.938, 28.2, 30.90), (0.902, 1.096, 28.9, 33.71), (0.866, 0.966, 28.3, 32.58),
        (0.755, 0.862, 22.1, 29.21), (0.834, 0.905, 25.2, 30.90), (0.742, 0.818, 25.2, 26.97), (0.710, 0.970, 22.6, 30.34),
        (0.677, 0.993, 21.7, 30.34), (0.692, 0.887, 21.8, 25.84), (0.646, 0.783, 19.3, 23.03), (0.649, 0.963, 20.5, 29.21),
        (0.610, 0.848, 20.4, 25.28), (0.584, 0.857, 18.7, 26.97), (0.530, 0.791, 16.6, 24.72), (0.440, 0.804, 13.2, 23.60),
        (0.452, 0.717, 13.1, 21.35), (0.439, 0.799, 12.0, 25.84), (0.427, 0.628, 12.8, 17.42), (0.425, 0.706, 13.5, 21.91),
        (0.397, 0.700, 11.5, 20.22), (0.400, 0.651, 11.2, 21.91), (0.357, 0.645, 11.3, 17.98), (0.319, 0.595, 9.6, 18.54),
        (0.311, 0.582, 8.9, 16.29), (0.333, 0.615, 10.6, 17.98), (0.339, 0.572, 9.2, 16.29), (0.280, 0.528, 8.0, 16.85),
        (0.317, 0.564, 8.3, 16.29), (0.270, 0.565, 8.0, 16.85), (0.288, 0.642, 8.4, 18.54), (0.241, 0.583, 6.3, 17.98),
        (0.276, 0.586, 7.5, 16.85), (0.251, 0.574, 6.6, 18.54), (0.250, 0.574, 6.2, 17.98), (0.237, 0.551, 7.1, 16.29),
        (0.234, 0.575, 6.4, 17.42), (0.270, 0.547, 8.2, 14.61), (0.247, 0.566, 6.6, 17.42), (0.212, 0.553, 5.7, 16.29),
        (0.263, 0.585, 6.7, 17.98),
    ];

    // The demo on sign world SI s13 (216 dev words; 2026-12-06), epochs 1-29.
    static readonly (double TrainLoss, double ValLoss, double TrainWer, double ValWer)[] SignSi13 =
    [
        (4.408, 3.024, 98.3, 100.00), (3.020, 2.943, 100.0, 100.00), (2.817, 2.540, 99.2, 83.80), (2.417, 1.998, 82.2, 60.65),
        (2.178, 2.027, 68.1, 55.56), (1.803, 1.684, 56.2, 51.39), (1.478, 1.681, 47.3, 48.61), (1.425, 1.229, 44.2, 42.59),
        (1.258, 1.621, 37.6, 48.61), (1.211, 1.777, 37.1, 50.00), (1.063, 1.778, 33.4, 48.61), (0.970, 1.316, 29.5, 36.57),
        (0.832, 1.186, 25.5, 28.70), (0.756, 1.221, 23.7, 33.80), (0.738, 1.255, 22.8, 36.57), (0.774, 1.217, 23.1, 33.80),
        (0.721, 0.966, 22.5, 24.07), (0.687, 1.164, 21.7, 31.94), (0.677, 1.103, 19.8, 28.70), (0.659, 1.084, 19.6, 23.61),
        (0.607, 1.147, 18.6, 27.31), (0.638, 1.071, 18.7, 23.15), (0.627, 1.048, 17.7, 26.39), (0.566, 1.128, 16.6, 27.31),
        (0.612, 1.043, 18.2, 25.00), (0.555, 1.074, 17.4, 27.78), (0.528, 1.026, 16.7, 21.30), (0.516, 1.088, 14.8, 26.85),
        (0.498, 1.122, 15.6, 29.17),
    ];

    // The demo on a second new user's generator (worldgen.py s12, 188 dev words; 2026-12-07), all 71 epochs.
    static readonly (double TrainLoss, double ValLoss, double TrainWer, double ValWer)[] WorldgenS12 =
    [
        (5.126, 3.660, 107.2, 100.00), (3.495, 3.338, 87.4, 82.45), (3.312, 3.144, 85.3, 81.38), (3.054, 2.818, 81.6, 79.79),
        (2.860, 2.659, 81.4, 78.72), (2.571, 2.331, 77.8, 76.06), (2.275, 2.132, 72.7, 70.74), (2.081, 1.858, 66.3, 61.17),
        (1.819, 1.638, 57.0, 53.72), (1.538, 1.410, 46.9, 44.68), (1.421, 1.290, 42.3, 44.68), (1.304, 1.320, 40.1, 48.94),
        (1.178, 1.093, 35.1, 35.64), (1.109, 1.063, 32.8, 37.23), (1.017, 1.116, 28.7, 42.02), (0.949, 1.028, 28.0, 36.70),
        (0.924, 0.964, 25.0, 32.98), (0.930, 0.877, 27.0, 31.38), (0.809, 0.887, 24.6, 29.79), (0.762, 0.940, 22.3, 34.57),
        (0.760, 0.919, 24.6, 33.51), (0.745, 0.820, 21.6, 30.85), (0.637, 0.756, 20.4, 30.85), (0.696, 0.799, 20.5, 32.98),
        (0.639, 0.735, 18.5, 28.19), (0.635, 0.691, 18.1, 26.06), (0.514, 0.657, 14.5, 21.81), (0.546, 0.730, 15.5, 27.13),
        (0.650, 0.669, 20.5, 24.47), (0.615, 0.749, 18.5, 29.26), (0.436, 0.616, 12.9, 22.87), (0.439, 0.557, 12.5, 20.74),
        (0.421, 0.600, 12.4, 23.40), (0.447, 0.600, 12.8, 21.81), (0.367, 0.573, 10.7, 22.34), (0.336, 0.532, 9.6, 20.21),
        (0.318, 0.550, 9.1, 20.21), (0.380, 0.531, 10.9, 20.74), (0.266, 0.552, 7.6, 19.68), (0.290, 0.556, 8.2, 19.15),
        (0.292, 0.503, 7.8, 19.15), (0.287, 0.533, 7.1, 18.62), (0.301, 0.497, 9.1, 17.55), (0.222, 0.528, 6.6, 18.62),
        (0.276, 0.486, 7.5, 18.62), (0.340, 0.504, 9.7, 18.62), (0.267, 0.476, 6.8, 17.02), (0.291, 0.497, 8.5, 17.55),
        (0.219, 0.492, 6.0, 17.55), (0.265, 0.456, 7.5, 16.49), (0.249, 0.446, 6.7, 15.43), (0.237, 0.469, 6.8, 19.15),
        (0.231, 0.452, 6.9, 14.89), (0.217, 0.503, 6.2, 18.09), (0.261, 0.454, 7.1, 12.77), (0.238, 0.435, 6.6, 12.77),
        (0.229, 0.452, 6.2, 17.02), (0.194, 0.504, 5.8, 17.02), (0.233, 0.442, 7.2, 17.02), (0.213, 0.423, 5.6, 15.96),
        (0.257, 0.423, 7.2, 14.89), (0.157, 0.431, 4.4, 15.43), (0.200, 0.435, 4.7, 15.96), (0.238, 0.421, 6.3, 15.96),
        (0.220, 0.414, 6.4, 14.89), (0.161, 0.413, 4.9, 14.89), (0.199, 0.434, 5.7, 14.89), (0.185, 0.429, 5.4, 15.43),
        (0.194, 0.420, 5.7, 14.89), (0.174, 0.420, 5.2, 14.36), (0.205, 0.423, 6.0, 14.89),
    ];

    // The same user's corpX trained without colour shuffle (each training signer wears its own colour), all 23 epochs.
    static readonly (double TrainLoss, double ValLoss, double TrainWer, double ValWer)[] WorldgenS11NoShuffle =
    [
        (5.260, 3.776, 106.2, 100.00), (3.590, 3.609, 90.2, 89.71), (3.382, 3.421, 85.7, 86.86), (3.079, 3.355, 83.2, 84.57),
        (2.731, 3.187, 79.9, 91.43), (2.409, 3.030, 73.9, 85.71), (2.088, 3.053, 64.6, 81.71), (1.741, 2.546, 52.4, 78.86),
        (1.600, 2.664, 46.4, 76.00), (1.431, 2.360, 41.4, 65.71), (1.258, 2.790, 36.8, 78.29), (1.120, 2.212, 32.2, 64.57),
        (1.036, 2.385, 28.0, 68.00), (0.960, 2.693, 28.1, 72.57), (0.969, 2.861, 27.5, 77.71), (0.738, 2.943, 22.9, 78.86),
        (0.761, 2.607, 22.6, 70.29), (0.661, 2.137, 18.6, 64.57), (0.640, 2.267, 17.4, 68.00), (0.559, 2.444, 15.8, 69.14),
        (0.646, 2.375, 17.5, 65.71), (0.585, 2.679, 15.5, 73.71), (0.514, 2.474, 14.7, 68.57),
    ];

    static List<EpochMetrics> Epochs((double TrainLoss, double ValLoss, double TrainWer, double ValWer)[] rows, int count) =>
        rows.Take(count).Select((p, i) => new EpochMetrics { Epoch = i + 1, TrainLoss = p.TrainLoss, ValLoss = p.ValLoss, TrainWer = p.TrainWer, ValWer = p.ValWer }).ToList();

    [Fact]
    public void Critical_overfitting_counts_from_the_last_epoch_back_at_the_best()
    {
        // Val WER 16.29% at epochs 37, 39 and 41, 17.98% at 47: ten epochs past the first best, six past the last. The run
        // went on to 14.61% at epoch 50, so "will not recover on its own" would have been wrong.
        var f = Find(HealthMonitor.Diagnose(Epochs(MygenS1, 47)), RuleIds.Overfitting);
        Assert.NotNull(f);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Contains("val_wer best at epoch 37 (16.29%, again at epoch 41)", f.Title);
        // A run that fits every training clip has nothing left to learn from them: there the first best counts.
        var fitted = Epochs(MygenS1, 47).Select(m => m with { TrainWer = 0 }).ToList();
        Assert.Equal(Severity.Critical, Find(HealthMonitor.Diagnose(fitted), RuleIds.Overfitting)?.Severity);
    }

    // A new user's deliberately overfitting run (40 training clips, no augmentation, no dropout) on a 22-word dev set, all 37
    // epochs: from epoch 13 the dev WER swings between 18.18% and 22.73%, one word, with a flat validation loss.
    static readonly (double TrainLoss, double ValLoss, double TrainWer, double ValWer)[] TwentyTwoWordDev =
    [
        (3.214, 3.157, 102.3, 100.00), (2.357, 2.799, 100.0, 100.00), (2.013, 2.603, 100.0, 100.00), (1.687, 2.580, 96.6, 100.00),
        (1.302, 2.347, 60.2, 90.91), (0.994, 1.920, 42.0, 90.91), (0.670, 1.630, 33.0, 63.64), (0.493, 1.573, 21.6, 50.00),
        (0.362, 1.470, 11.4, 45.45), (0.249, 1.329, 5.7, 40.91), (0.170, 1.279, 4.5, 40.91), (0.119, 1.209, 1.1, 27.27),
        (0.083, 1.146, 1.1, 22.73), (0.064, 1.142, 1.1, 27.27), (0.051, 1.159, 0.0, 27.27), (0.040, 1.148, 0.0, 22.73),
        (0.032, 1.142, 0.0, 22.73), (0.026, 1.128, 0.0, 22.73), (0.024, 1.133, 0.0, 22.73), (0.025, 1.124, 0.0, 22.73),
        (0.021, 1.104, 0.0, 22.73), (0.021, 1.097, 0.0, 22.73), (0.021, 1.112, 0.0, 22.73), (0.019, 1.109, 0.0, 22.73),
        (0.019, 1.101, 0.0, 18.18), (0.018, 1.105, 0.0, 18.18), (0.017, 1.097, 0.0, 18.18), (0.017, 1.113, 0.0, 22.73),
        (0.017, 1.089, 0.0, 18.18), (0.016, 1.115, 0.0, 22.73), (0.016, 1.118, 0.0, 22.73), (0.016, 1.095, 0.0, 22.73),
        (0.015, 1.084, 0.0, 18.18), (0.015, 1.089, 0.0, 18.18), (0.015, 1.106, 0.0, 22.73), (0.015, 1.121, 0.0, 22.73),
        (0.014, 1.106, 0.0, 22.73),
    ];

    [Fact]
    public void One_word_of_a_small_dev_set_is_read_from_the_wer_values()
    {
        // Printed to two decimals, as a log or the table above: 22 words.
        Assert.Equal(100.0 / 22, Glossa.Doctor.Rules.HistoryMath.WordStep(Epochs(TwentyTwoWordDev, 37))!.Value, 9);
        // Full precision, 137 words: 3, 17 and 40 errors.
        var exact = new[] { 3.0, 17, 40 }.Select((e, i) => new EpochMetrics { Epoch = i + 1, TrainLoss = 1, ValWer = 100 * e / 137 }).ToList();
        Assert.Equal(100.0 / 137, Glossa.Doctor.Rules.HistoryMath.WordStep(exact)!.Value, 9);
        // 331 words (the built-in demo's dev set): a step below the doctor's noise floor is not looked for.
        Assert.Null(Glossa.Doctor.Rules.HistoryMath.WordStep(exact.Select(m => m with { ValWer = m.ValWer * 137 / 331 }).ToList()));
        // 0% and 100% fit every dev set, and one other value alone fixes no step.
        var flat = new[] { 100.0, 100, 0, 50 }.Select((v, i) => new EpochMetrics { Epoch = i + 1, TrainLoss = 1, ValWer = v }).ToList();
        Assert.Null(Glossa.Doctor.Rules.HistoryMath.WordStep(flat));
        // Values that are no whole number of words of any dev set up to 200 words: no step.
        var odd = new[] { 23.457, 19.0123, 17.7771 }.Select((v, i) => new EpochMetrics { Epoch = i + 1, TrainLoss = 1, ValWer = v }).ToList();
        Assert.Null(Glossa.Doctor.Rules.HistoryMath.WordStep(odd));
    }

    [Fact]
    public void A_one_word_rise_on_a_small_dev_set_is_worded_as_no_better_not_worse()
    {
        var fitted = Find(HealthMonitor.Diagnose(Epochs(TwentyTwoWordDev, 37)), RuleIds.Overfitting);
        Assert.NotNull(fitted);
        Assert.Contains("now 22.73% (one word of 22 above it) at epoch 37", fitted.Title);
        Assert.Contains("within one word of its best", fitted.Explanation);
        Assert.DoesNotContain("worse than its best", fitted.Explanation);
        Assert.Contains("later epochs are no better", fitted.Actions[0].Description);
        Assert.Contains(fitted.Evidence, e => e.Name == "val_wer_one_word" && Math.Abs(e.Value - 100.0 / 22) < 1e-9);
        // Every training clip fitted: nothing left to learn from them, so still past recovery.
        Assert.Equal(Severity.Critical, fitted.Severity);
        // With training clips still to learn, a one-word rise is never called past recovery.
        var learning = Epochs(TwentyTwoWordDev, 37).Select(m => m with { TrainWer = m.Epoch > 12 ? 3.0 : m.TrainWer }).ToList();
        var f = Find(HealthMonitor.Diagnose(learning), RuleIds.Overfitting);
        Assert.NotNull(f);
        Assert.Equal(Severity.Warning, f.Severity);
        // Two words above the best are a rise, worded as before.
        var twoWords = Epochs(TwentyTwoWordDev, 37);
        twoWords[^1] = twoWords[^1] with { ValWer = 27.27 };
        var worse = Find(HealthMonitor.Diagnose(twoWords), RuleIds.Overfitting);
        Assert.NotNull(worse);
        Assert.DoesNotContain("one word", worse.Title);
        Assert.Contains("later epochs are worse", worse.Actions[0].Description);
    }

    [Fact]
    public void A_validation_loss_past_its_low_is_not_overfitting_while_the_wer_still_makes_new_bests()
    {
        // mygen s1 at epoch 53: val loss 0.528 at epoch 40, 0.585 at 53, but the WER's best (14.61%) came at epoch 50.
        Assert.Null(Find(HealthMonitor.Diagnose(Epochs(MygenS1, 53)), RuleIds.Overfitting));
        // sign world SI s13 at epoch 29: val loss 0.966 at epoch 17, 1.122 at 29; the WER's best (21.30%) came at epoch 27.
        var si13 = Epochs(SignSi13, 29);
        Assert.Null(Find(HealthMonitor.Diagnose(si13), RuleIds.Overfitting));
        // Without that new best WER (the WER held where it was at the loss's low) the rise is overfitting.
        var held = si13.Select(m => m.Epoch > 17 ? m with { ValWer = Math.Max(m.ValWer!.Value, 24.07) } : m).ToList();
        Assert.Equal(RuleIds.Overfitting, Find(HealthMonitor.Diagnose(held), RuleIds.Overfitting)?.Rule);
    }

    [Fact]
    public void A_wer_past_a_lucky_best_is_not_overfitting_while_the_val_loss_is_clearly_below_its_value_there()
    {
        // Best WER 12.77% at epochs 55-56 among 15-19%, 14.89% at the end (71); val loss 0.454 at epoch 55, 0.423 at 71
        // (its low, 0.413, at 66: five epochs before, so not "recent"). It was called critical overfitting at the end.
        var h = Epochs(WorldgenS12, WorldgenS12.Length);
        Assert.Null(Find(HealthMonitor.Diagnose(h), RuleIds.Overfitting));
        // The same WERs with the val loss back at its value at the best: overfitting.
        var risen = h.Select(m => m.Epoch > 66 ? m with { ValLoss = 0.46 } : m).ToList();
        Assert.Equal(Severity.Critical, Find(HealthMonitor.Diagnose(risen), RuleIds.Overfitting)?.Severity);
    }

    [Fact]
    public void A_dev_wer_far_above_the_training_wer_that_stays_off_its_best_is_overfitting_through_the_wobble()
    {
        // Train WER 32 -> 15%, dev WER 64.57% at epochs 12 and 18, 68.57% at 23, the dev loss swinging 2.1-2.9: every rise
        // was within twice the run's wobble, and the run was called healthy.
        var h = Epochs(WorldgenS11NoShuffle, WorldgenS11NoShuffle.Length);
        var f = Find(HealthMonitor.Diagnose(h), RuleIds.Overfitting);
        Assert.NotNull(f);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Contains("val_wer best at epoch 12 (64.57%, again at epoch 18), now 68.57% at epoch 23", f.Title);
        // Without the wide gap (a dev WER 30 points above the training WER) the wobble still hides it.
        Assert.Null(Find(HealthMonitor.Diagnose(h, options: new DoctorOptions { OverfitWideGap = 60 }), RuleIds.Overfitting));
    }

    // ---- not_learning ----

    [Fact]
    public void Not_learning_fires_on_a_high_flat_wer()
    {
        var h = Enumerable.Range(1, 22).Select(e => new EpochMetrics { Epoch = e, TrainLoss = 3 - 0.05 * e, ValLoss = 3, ValWer = 95 - 0.05 * e }).ToList();
        var monitor = new HealthMonitor();
        var first = new Dictionary<Severity, int>();
        foreach (var m in h)
            foreach (var f in monitor.Observe(m).Where(f => f.Rule == RuleIds.NotLearning))
                first.TryAdd(f.Severity, m.Epoch);
        Assert.Equal(10, first[Severity.Warning]);
        Assert.Equal(20, first[Severity.Critical]);
    }

    [Fact]
    public void Not_learning_plateau_fires_without_wer_and_not_when_wer_is_good()
    {
        var flat = Enumerable.Range(1, 12).Select(e => new EpochMetrics { Epoch = e, TrainLoss = e < 3 ? 5 : 2.0 + 0.001 * (e % 2), ValLoss = 2.1 }).ToList();
        var f = Find(HealthMonitor.Diagnose(flat), RuleIds.NotLearning);
        Assert.NotNull(f);
        Assert.Contains("flat", f.Title);
        var converged = flat.Select(m => m with { ValWer = 3 }).ToList();
        Assert.Null(Find(HealthMonitor.Diagnose(converged), RuleIds.NotLearning));
        var learning = Enumerable.Range(1, 12).Select(e => new EpochMetrics { Epoch = e, TrainLoss = 5 * Math.Pow(0.8, e), ValLoss = 5 * Math.Pow(0.82, e), ValWer = 90 * Math.Pow(0.8, e) });
        Assert.Null(Find(HealthMonitor.Diagnose(learning), RuleIds.NotLearning));
    }

    [Fact]
    public void A_flat_loss_on_fitted_training_clips_is_not_not_learning()
    {
        // A new user's signer-independent run (epochs 45-52): the training loss flat at a low value, train WER 11%,
        // val WER 37% on unseen signers. It was "not learning: lower the rate, check that frames and labels belong together".
        var h = Enumerable.Range(1, 52).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = e < 45 ? 3.0 * Math.Pow(0.96, e) : 0.33 + 0.02 * ((e + 1) % 2), ValLoss = 1.1, TrainWer = e < 45 ? 90 * Math.Pow(0.96, e) : 11.3,
            ValWer = e < 45 ? Math.Max(37, 100 * Math.Pow(0.97, e)) : 36.5, LearningRate = 1e-3,
        }).ToList();
        Assert.Null(Find(HealthMonitor.Diagnose(h), RuleIds.NotLearning));
        // Without a training WER the same flat loss is the plateau warning it was: the fitted training clips are what quiet it.
        Assert.NotNull(Find(HealthMonitor.Diagnose(h.Select(m => m with { TrainWer = null }).ToList()), RuleIds.NotLearning));
        // A validation WER above 85% still warns, however well the training clips fit (a dev set unlike the training one).
        var lost = h.Select(m => m with { ValWer = m.Epoch < 45 ? m.ValWer : 92 }).ToList();
        Assert.NotNull(Find(HealthMonitor.Diagnose(lost), RuleIds.NotLearning));
        // And with the training clips not fitted either, a warning still names it.
        var unfitted = HealthMonitor.Diagnose(h.Select(m => m with { TrainWer = m.Epoch < 45 ? m.TrainWer : 34 }).ToList());
        Assert.Contains(unfitted.Findings, f => f.Severity >= Severity.Warning && f.Rule is RuleIds.NotLearning or RuleIds.Underfitting);
    }

    // ---- unstable ----

    [Fact]
    public void Unstable_fires_on_spikes_divergence_and_exploding_gradients()
    {
        var h = Histories.Healthy().Take(6).ToList();
        h[4] = h[4] with { TrainLossMax = h[4].TrainLoss * 12 };
        Assert.Null(Find(HealthMonitor.Diagnose(h), RuleIds.Unstable)); // one hard batch in five epochs
        h[3] = h[3] with { TrainLossMax = h[3].TrainLoss * 12 };
        var spike = Find(HealthMonitor.Diagnose(h), RuleIds.Unstable);
        Assert.NotNull(spike);
        Assert.Equal(Severity.Warning, spike.Severity);
        Assert.Contains("spike", spike.Title);

        var diverging = Series((5, 5), (3, 3), (2, 2.1), (1.8, 2), (3.5, 3.6), (6, 6));
        var div = Find(HealthMonitor.Diagnose(diverging), RuleIds.Unstable);
        Assert.NotNull(div);
        Assert.Equal(Severity.Critical, div.Severity);

        var grads = Histories.Healthy().Take(6).ToList();
        grads[5] = grads[5] with { GradNormMax = 900 };
        Assert.Contains("gradient norm", Find(HealthMonitor.Diagnose(grads), RuleIds.Unstable)!.Title);

        // A high rate is named when it comes with trouble, and is no finding on its own.
        var highLr = h.Select(m => m with { LearningRate = 0.05 }).ToList();
        Assert.Contains("learning rate 0.05 is above", Find(HealthMonitor.Diagnose(highLr), RuleIds.Unstable)!.Title);
        Assert.Null(Find(HealthMonitor.Diagnose(Histories.Healthy().Select(m => m with { LearningRate = 0.05 })), RuleIds.Unstable));
    }

    [Fact]
    public void A_hard_batch_late_in_a_converged_run_is_not_a_spike_but_one_half_way_back_to_the_plateau_is()
    {
        // The built-in demo's run of the seventh pass (0.00% dev and test): epoch-mean and largest-batch training
        // losses, dev loss and greedy dev WER; its epoch 16 had a batch at 1.23 against a mean of 0.22 (5.6x).
        (double Mean, double Max, double ValLoss, double Wer)[] run =
        [
            (4.47, 6.56, 3.05, 75.8), (2.81, 3.22, 2.55, 75.8), (2.41, 2.72, 2.02, 73.4), (1.89, 2.38, 1.41, 66.5), (1.41, 1.92, 0.80, 21.2),
            (1.04, 1.79, 0.50, 7.9), (0.75, 1.28, 0.28, 3.9), (0.65, 1.53, 0.27, 4.2), (0.49, 0.95, 0.14, 2.1), (0.37, 0.94, 0.08, 0.9),
            (0.38, 0.93, 0.08, 0.9), (0.31, 0.79, 0.06, 0.3), (0.29, 1.04, 0.05, 0.6), (0.28, 0.76, 0.05, 0.0), (0.28, 1.11, 0.05, 0.6), (0.22, 1.23, 0.04, 0.3),
        ];
        var h = run.Select((e, i) => new EpochMetrics { Epoch = i + 1, TrainLoss = e.Mean, TrainLossMax = e.Max, ValLoss = e.ValLoss, ValWer = e.Wer, LearningRate = 1e-3 }).ToList();
        Assert.Null(Find(HealthMonitor.Diagnose(h), RuleIds.Unstable));
        // The same epoch with a batch at 1.5: more than half the plateau's 2.81, a step that undid half the run's
        // progress. Once in five epochs it is one hard batch (a new user's 60-clip run at 4.4% WER had one at 6.7x
        // its epoch's mean); in two of them it is instability.
        h[^1] = h[^1] with { TrainLossMax = 1.5 };
        Assert.Null(Find(HealthMonitor.Diagnose(h), RuleIds.Unstable));
        h[^3] = h[^3] with { TrainLossMax = 1.5 };
        Assert.Contains("spikes in 2 of the last 5 epochs", Find(HealthMonitor.Diagnose(h), RuleIds.Unstable)!.Title);
    }

    [Fact]
    public void One_epochs_dip_is_not_the_best_a_later_epoch_diverges_from()
    {
        // A new user's 48-clip demo (12 batches an epoch), epochs 10-23: one lucky epoch at 0.259 between epochs at
        // 0.40-0.43, then 0.418, while the validation loss made its best. It was told "1.62x its best: unstable".
        double[] train = [0.833, 0.725, 0.700, 0.773, 0.691, 0.590, 0.538, 0.464, 0.681, 0.431, 0.406, 0.432, 0.259, 0.418];
        double[] val = [0.604, 0.386, 0.555, 0.747, 0.520, 0.550, 0.480, 0.543, 0.478, 0.519, 0.396, 0.360, 0.362, 0.337];
        var h = Series([(1.2, 1.0), .. train.Zip(val)]);
        Assert.Null(Find(HealthMonitor.Diagnose(h), RuleIds.Unstable));
        // A loss that stays up is still a jump, measured from the level the run held (0.41-0.43), not from the dip.
        var up = Series([(1.2, 1.0), .. train.Zip(val), (0.9, 0.4)]);
        var f = Find(HealthMonitor.Diagnose(up), RuleIds.Unstable);
        Assert.NotNull(f);
        Assert.Contains("its best (0.406)", f.Title);
        Assert.Contains(f.Evidence, e => e.Name == "best_train_loss" && e.Epoch is not null);
    }

    [Fact]
    public void Unstable_does_not_fire_on_a_smooth_run()
    {
        Assert.Null(Find(HealthMonitor.Diagnose(Histories.Healthy()), RuleIds.Unstable));
    }

    [Fact]
    public void A_learning_rate_far_out_of_range_is_a_warning_from_the_first_epoch()
    {
        // lr 0.9 on the synthetic corpus: losses 30-50x a healthy run's, one gloss per hypothesis, no blanks, no spikes.
        var first = Histories.Healthy().Take(1).Select(m => m with { LearningRate = 0.9 });
        var f = Find(HealthMonitor.Diagnose(first), RuleIds.Unstable);
        Assert.NotNull(f);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Contains("learning rate 0.9 is far above", f.Title);
        Assert.Contains("--learning-rate 0.0003", f.Actions[0].Command);
        // The real tiny-student runs at lr 0.9 and 0.5 on the synthetic corpus (60 sentences; val WER per epoch):
        // one gloss per hypothesis, never blank. Critical once the WER stops improving, so --auto-stop ends them.
        foreach (var (lr, wers) in new[] { (0.9, new[] { 91.6, 78.3, 80.7, 78.3, 86.7, 91.6, 91.6, 91.6 }), (0.5, new[] { 91.6, 78.3, 83.1, 79.5, 92.8, 75.9, 78.3, 79.5 }) })
        {
            var monitor = new HealthMonitor();
            int? critical = null;
            for (int e = 1; e <= wers.Length && critical is null; e++)
            {
                var m = new EpochMetrics { Epoch = e, TrainLoss = 50, ValLoss = 50, ValWer = wers[e - 1], BlankRatio = 0, EmptyRate = 0, LengthRatio = 0.2, LearningRate = lr, Steps = 15 * e };
                if (monitor.Observe(m).Any(f => f.Rule == RuleIds.Unstable && f.Severity == Severity.Critical)) critical = e;
            }
            Assert.Equal(5, critical); // best 78.3% at epoch 2, nothing better in epochs 3-5
            Assert.True(monitor.ShouldStop(out string reason));
            Assert.Contains("no validation progress in the last 3 epochs", reason);
        }
        // A high-rate run that still improves stays a warning.
        var improving = Enumerable.Range(1, 8).Select(e => new EpochMetrics { Epoch = e, TrainLoss = 5, ValLoss = 5, ValWer = 95 - 8 * e, LearningRate = 0.2, Steps = 15 * e });
        Assert.Equal(Severity.Warning, Find(HealthMonitor.Diagnose(improving), RuleIds.Unstable)!.Severity);
        // Just under the mark, a smooth run is no finding.
        Assert.Null(Find(HealthMonitor.Diagnose(Histories.Healthy().Select(m => m with { LearningRate = 0.09 })), RuleIds.Unstable));
    }

    // ---- ctc_infeasible ----

    [Theory]
    [InlineData(50, 160, Severity.Critical)]
    [InlineData(4, 160, Severity.Warning)]
    [InlineData(1, 4376, Severity.Info)]
    public void Ctc_infeasible_fires_by_share(int bad, int total, Severity expected)
    {
        var ctx = new RunContext { InfeasibleClips = bad, CheckedClips = total, TemporalStride = 8, InfeasibleExamples = ["train/clip_0007"] };
        var monitor = new HealthMonitor(ctx);
        var f = Find(monitor, RuleIds.CtcInfeasible);
        Assert.NotNull(f);
        Assert.Equal(expected, f.Severity);
        Assert.Contains(f.Actions, a => a.Command is { } c && c.EndsWith("corpus check CORPUS --stride 8"));
        Assert.Contains(f.Actions, a => a.Description.Contains("stride 4 instead of 8"));
        Assert.Contains(f.Actions, a => a.Command is { } c && c.EndsWith("corpus check CORPUS --stride 4") && a.Description.Contains("at temporal stride 4"));
        Assert.Contains(f.Actions, a => a.Description.Contains("train/clip_0007"));
        // Reported once, with the first epoch.
        Assert.Contains(monitor.Observe(Histories.Healthy()[0]), x => x.Rule == RuleIds.CtcInfeasible);
        Assert.DoesNotContain(monitor.Observe(Histories.Healthy()[1]), x => x.Rule == RuleIds.CtcInfeasible);
    }

    [Fact]
    public void Ctc_infeasible_on_a_corpus_the_doctor_measured_names_that_corpus_not_the_runs()
    {
        // diagnose --checkpoint --corpus other/: the short clips are other/'s, so its check is the one to run (a new user was
        // sent to check the run's own corpus, which was clean).
        var ctx = new RunContext
        {
            InfeasibleClips = 1, CheckedClips = 14, TemporalStride = 4, DataCorpus = "data/other",
            Config = System.Text.Json.Nodes.JsonNode.Parse("""{"training": {"corpus": "data/trained-on"}}""")!.AsObject(),
        };
        var f = Find(new HealthMonitor(ctx), RuleIds.CtcInfeasible);
        Assert.NotNull(f);
        Assert.Contains(f.Actions, a => a.Command is { } c && c.EndsWith("corpus check data/other --stride 4"));
        Assert.DoesNotContain(f.Actions, a => a.Command is { } c && c.Contains("trained-on"));
    }

    [Theory]
    [InlineData("tiny_cnn", "K5-P2-K5-P2", 4, 4, "--temporal-conv K5-P2-K5", 2)]
    [InlineData("i3d", "", 4, 4, "--i3d-stride 2", 2)]
    [InlineData("i3d", "K5-P2", 8, 16, "--temporal-conv K5", 8)]
    public void Smaller_stride_advice_is_a_train_command_for_the_runs_own_model(string backbone, string conv, int i3dStride, int stride, string option, int smaller)
    {
        // Until 2026-12-07 it said "e.g. the I3D teacher at stride 4 rather than 8" for any model, and train had no stride option.
        var config = new System.Text.Json.Nodes.JsonObject
        {
            ["training"] = new System.Text.Json.Nodes.JsonObject { ["corpus"] = "data/c", ["model"] = "m", ["output_dir"] = "runs/a" },
            ["model"] = new System.Text.Json.Nodes.JsonObject { ["backbone"] = backbone, ["temporal_conv"] = conv, ["i3d_temporal_stride"] = i3dStride },
        };
        var f = Find(new HealthMonitor(new RunContext { InfeasibleClips = 50, CheckedClips = 160, TemporalStride = stride, Config = config }), RuleIds.CtcInfeasible);
        Assert.NotNull(f);
        var train = Assert.Single(f.Actions, a => a.Command is { } c && c.Contains(" train ") && c.Contains(option));
        Assert.Contains($"stride {smaller} instead of", train.Description);
        // The check counts the proposed model's own output frames (corpus check --model), so it names the clips training would leave out.
        Assert.Contains(f.Actions, a => a.Command is { } c && c.EndsWith($"corpus check data/c --model m {option}") && a.Description.Contains($"temporal stride {smaller}"));
        Assert.DoesNotContain(f.Actions, a => backbone != "i3d" && a.Description.Contains("I3D"));
    }

    [Fact]
    public void A_validation_loss_back_from_a_spike_is_not_progress_for_blank_collapse()
    {
        // A new user's distillation (dropout 0.95, rate 0.05): every frame blank for 7 epochs, the training loss flat, the
        // validation loss 2.68 at epoch 1, 4.81 at 3, 2.78 at 7. Measured from epoch 3 it "fell 42%", so no rule fired: healthy.
        double[] val = [2.68, 3.74, 4.81, 3.77, 3.89, 3.39, 2.78], train = [3.00, 2.79, 2.67, 2.74, 2.68, 2.67, 2.74];
        var history = val.Select((v, i) => new EpochMetrics
        {
            Epoch = i + 1, TrainLoss = train[i], ValLoss = v, ValWer = 100, BlankRatio = 1, EmptyRate = 1, LengthRatio = 0, LearningRate = 0.05,
        }).ToList();
        var context = new RunContext { Config = new System.Text.Json.Nodes.JsonObject { ["learning_rate"] = 0.05, ["dropout"] = 0.95, ["epochs"] = 7 } };
        var monitor = HealthMonitor.Diagnose(history, context);
        Assert.Equal(Severity.Critical, Find(monitor, RuleIds.BlankCollapse)?.Severity);
        // A loss that falls to a new low is still progress: the same run with a validation loss falling 5% a epoch is not stopped.
        var falling = history.Select((m, i) => m with { ValLoss = 3.0 * Math.Pow(0.95, i) }).ToList();
        Assert.NotEqual(Severity.Critical, Find(HealthMonitor.Diagnose(falling.Take(5).ToList(), context), RuleIds.BlankCollapse)?.Severity);
    }

    [Fact]
    public void Other_findings_restarts_carry_a_critical_ctc_infeasible_fix()
    {
        // A new user's trial: underfitting's restart trained longer at the same stride, so it would meet the same short clips.
        var config = new System.Text.Json.Nodes.JsonObject
        {
            ["training"] = new System.Text.Json.Nodes.JsonObject { ["corpus"] = "data/c", ["model"] = "m", ["output_dir"] = "runs/a" },
            ["model"] = new System.Text.Json.Nodes.JsonObject { ["backbone"] = "tiny_cnn", ["temporal_conv"] = "K5-P2-K5-P2", ["i3d_temporal_stride"] = 4 },
        };
        var critical = HealthMonitor.Diagnose(Histories.Collapsed(), new RunContext { InfeasibleClips = 50, CheckedClips = 160, TemporalStride = 4, Config = config });
        Assert.Equal(Severity.Critical, Find(critical, RuleIds.CtcInfeasible)!.Severity);
        var restarts = Find(critical, RuleIds.BlankCollapse)!.Actions.Where(a => a.Command is { } c && c.Contains(" train ")).ToList();
        Assert.NotEmpty(restarts);
        Assert.All(restarts, a => Assert.Contains("--temporal-conv K5-P2-K5 ", a.Command));
        Assert.All(restarts, a => Assert.True(a.Description.Contains("(with --temporal-conv K5-P2-K5, ctc_infeasible's fix") ||
            a.Description.Contains("(--temporal-conv K5-P2-K5:"), a.Description)); // carried, or the finding's own stride advice
        Assert.Contains(restarts, a => a.Description.Contains("ctc_infeasible's fix"));
        // A warning (a few clips left out) is not carried: the other restarts stay as they were.
        var warning = HealthMonitor.Diagnose(Histories.Collapsed(), new RunContext { InfeasibleClips = 10, CheckedClips = 160, TemporalStride = 4, Config = config });
        Assert.NotEqual(Severity.Critical, Find(warning, RuleIds.CtcInfeasible)!.Severity);
        Assert.All(Find(warning, RuleIds.BlankCollapse)!.Actions.Where(a => a.Command is { } c && c.Contains(" train ") && !a.Description.Contains("last pooling")),
            a => Assert.DoesNotContain("--temporal-conv", a.Command)); // only its own stride advice names it
        Assert.DoesNotContain(Find(warning, RuleIds.BlankCollapse)!.Actions, a => a.Description.Contains("ctc_infeasible's fix"));
    }

    [Fact]
    public void Smaller_stride_advice_for_an_i3d_at_its_smallest_stride_offers_no_command_it_cannot_run()
    {
        var config = new System.Text.Json.Nodes.JsonObject
        {
            ["training"] = new System.Text.Json.Nodes.JsonObject { ["corpus"] = "data/c", ["model"] = "i3d-teacher", ["output_dir"] = "runs/a" },
            ["model"] = new System.Text.Json.Nodes.JsonObject { ["backbone"] = "i3d", ["temporal_conv"] = "", ["i3d_temporal_stride"] = 2 },
        };
        var f = Find(new HealthMonitor(new RunContext { InfeasibleClips = 50, CheckedClips = 160, TemporalStride = 2, Config = config }), RuleIds.CtcInfeasible);
        Assert.NotNull(f);
        Assert.DoesNotContain(f.Actions, a => a.Command is { } c && (c.Contains("--i3d-stride 1") || c.Contains("--stride 1")));
        Assert.Contains(f.Actions, a => a.Description.Contains("smallest temporal stride (2)"));
    }

    [Fact]
    public void Ctc_infeasible_clips_of_an_evaluated_split_are_never_critical_and_say_they_cost_wer_not_training()
    {
        // diagnose --checkpoint --split dev on a dev set with short clips had said critical and "stop this run".
        var ctx = new RunContext { InfeasibleClips = 50, CheckedClips = 160, TemporalStride = 4, InfeasibleSplit = "dev" };
        var f = Find(new HealthMonitor(ctx), RuleIds.CtcInfeasible);
        Assert.NotNull(f);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.StartsWith("50 of 160 dev clips", f.Title);
        Assert.Contains("do not affect training", f.Explanation);
        Assert.DoesNotContain(f.Actions, a => a.Description.StartsWith("Remove", StringComparison.Ordinal)); // evaluation clips are checked, not dropped
        Assert.DoesNotContain("never learned", f.Explanation);
        Assert.Equal(Severity.Critical, Find(new HealthMonitor(ctx with { InfeasibleSplit = null }), RuleIds.CtcInfeasible)!.Severity);
    }

    [Fact]
    public void Ctc_infeasible_does_not_fire_when_every_clip_is_feasible()
    {
        Assert.Null(Find(new HealthMonitor(new RunContext { InfeasibleClips = 0, CheckedClips = 160 }), RuleIds.CtcInfeasible));
    }

    // ---- capacity ----

    [Fact]
    public void Capacity_is_noted_for_the_overfitting_seed_teacher_and_student_never_above_info()
    {
        var teacher = HealthMonitor.Diagnose(Histories.Seed(), new RunContext { ParameterCount = 27_000_000, TrainingSamples = 4376 }).Findings.Single(f => f.Rule == RuleIds.Capacity);
        Assert.Equal(Severity.Info, teacher.Severity);
        var student = HealthMonitor.Diagnose(Histories.Seed(), new RunContext { ParameterCount = 8_000_000, TrainingSamples = 4376 }).Findings.Single(f => f.Rule == RuleIds.Capacity);
        Assert.Equal(Severity.Info, student.Severity);
        // Before any epoch nothing is judged: parameters per clip alone predicts nothing.
        Assert.Null(Find(new HealthMonitor(new RunContext { ParameterCount = 27_000_000, TrainingSamples = 4376 }), RuleIds.Capacity));
    }

    [Fact]
    public void Capacity_does_not_fire_for_a_small_model()
    {
        Assert.Null(Find(new HealthMonitor(new RunContext { ParameterCount = 2_500_000, TrainingSamples = 4376 }), RuleIds.Capacity));
        Assert.Null(Find(new HealthMonitor(new RunContext { ParameterCount = 27_000_000 }), RuleIds.Capacity)); // samples unknown
    }

    // ---- non_finite ----

    [Fact]
    public void Non_finite_fires_on_a_nan_loss_and_on_a_trainer_report()
    {
        var h = Histories.Healthy().Take(4).ToList();
        h[3] = h[3] with { TrainLoss = double.NaN };
        var f = Find(HealthMonitor.Diagnose(h), RuleIds.NonFinite);
        Assert.Equal(Severity.Critical, f!.Severity);
        Assert.Equal(4, f.Epoch);

        var monitor = new HealthMonitor();
        monitor.Observe(Histories.Healthy()[0]);
        var reported = monitor.ReportNonFinite(2, 57, "temporal.conv1", "train_loss", double.PositiveInfinity);
        Assert.Contains("temporal.conv1", reported.Title);
        Assert.True(monitor.ShouldStop(out var reason));
        Assert.Contains("non_finite", reason);
        // Still held after later epochs (the trainer stops, but a resumed monitor keeps it).
        monitor.Observe(Histories.Healthy()[1]);
        Assert.Contains("temporal.conv1", Find(monitor, RuleIds.NonFinite)!.Title);
    }

    [Fact]
    public void Non_finite_does_not_fire_on_finite_losses()
    {
        Assert.Null(Find(HealthMonitor.Diagnose(Histories.Healthy()), RuleIds.NonFinite));
    }

    // ---- data_mismatch ----

    [Fact]
    public void Data_mismatch_fires_on_vocabulary_sizes_and_on_skewed_labels()
    {
        var vocab = Find(new HealthMonitor(new RunContext { CheckpointVocabularySize = 1296, CorpusVocabularySize = 1233 }), RuleIds.DataMismatch);
        Assert.Equal(Severity.Critical, vocab!.Severity);
        Assert.Contains("1296", vocab.Title);

        var skew = new Dictionary<string, int> { ["REGEN"] = 400, ["SONNE"] = 100, ["WIND"] = 100, ["NORD"] = 100 };
        var f = Find(new HealthMonitor(new RunContext { LabelCounts = skew }), RuleIds.DataMismatch);
        Assert.Equal(Severity.Info, f!.Severity); // a description of the data: on the run library a 32% gloss trained fine
        Assert.Contains("REGEN", f.Title);
    }

    [Fact]
    public void Data_mismatch_fires_on_equal_sizes_with_other_glosses_and_quiets_not_learning()
    {
        // A checkpoint of one 30-gloss world diagnosed on another: 31 classes on both sides, other glosses; 76 of 136 dev
        // gloss occurrences unknown. It was called not_learning and told to lower its rate.
        var context = new RunContext
        {
            CheckpointVocabularySize = 31, CorpusVocabularySize = 31, VocabularyDifferences = ["-NEBEL", "+GLATT"],
            ValidationUnknownGlosses = 76, ValidationGlosses = 136,
        };
        var history = Enumerable.Range(1, 12).Select(e => new EpochMetrics { Epoch = e, Steps = 50L * e, TrainLoss = 0.5, ValLoss = 4.0, TrainWer = 20, ValWer = 99.2, BlankRatio = 0.5, LengthRatio = 0.9 }).ToList();
        var monitor = HealthMonitor.Diagnose(history, context);
        var f = Find(monitor, RuleIds.DataMismatch);
        Assert.Equal(Severity.Critical, f!.Severity);
        Assert.Contains("different glosses", f.Title);
        Assert.Contains("+GLATT", f.Explanation);
        Assert.Null(Find(monitor, RuleIds.NotLearning));
        Assert.Null(Find(HealthMonitor.Diagnose(history, context with { CheckpointVocabularySize = null, CorpusVocabularySize = null }), RuleIds.NotLearning));
    }

    [Fact]
    public void Data_mismatch_does_not_fire_on_matching_vocabularies_and_balanced_labels()
    {
        var balanced = Enumerable.Range(0, 30).ToDictionary(i => $"G{i}", i => 20 + i);
        Assert.Null(Find(new HealthMonitor(new RunContext { CheckpointVocabularySize = 1296, CorpusVocabularySize = 1296, LabelCounts = balanced }), RuleIds.DataMismatch));
    }

    // ---- not_learning: no signal (label prior) ----

    static readonly Dictionary<string, int> PriorCounts = new() { ["__ON__"] = 10, ["__OFF__"] = 10, ["A"] = 8, ["B"] = 6, ["C"] = 6 };

    static List<EpochMetrics> AtPlateau(params double[] trainLoss) =>
        trainLoss.Select((l, i) => new EpochMetrics { Epoch = i + 1, TrainLoss = l, ValLoss = l + 0.1, TrainWer = i < 2 ? 100 : 50, ValWer = i < 2 ? 100 : 52, BlankRatio = 0.8, LengthRatio = 0.5 }).ToList();

    [Fact]
    public void Not_learning_names_no_signal_when_the_loss_settles_at_the_frame_blind_floor()
    {
        // 10 clips, __ON__/__OFF__ in each: label-prior WER 1 - 20/40 = 50%; the other 20 labels (8, 6, 6) have entropy
        // 1.089 nats, so the frame-blind floor is 20 * 1.089 / 40 = 0.544 per label.
        var context = new RunContext { TrainingSamples = 10, LabelCounts = PriorCounts };
        var none = Find(HealthMonitor.Diagnose(AtPlateau(1.2, 0.9, 0.7, 0.59, 0.575, 0.565), context), RuleIds.NotLearning);   // 4.2% in 2 epochs, like the library's shuffled runs (2.8-4.3%)
        Assert.Equal(Severity.Critical, none!.Severity);
        Assert.Contains("label prior (50%)", none.Title);
        Assert.Contains(none.Evidence, e => e.Name == "frame_blind_loss_floor" && Math.Abs(e.Value - 0.544) < 0.001);
        // Below the floor the frames are being used (the WER plateau is then just unfinished); falling fast through it, too early to say;
        // without label counts (another toolkit's history) the rule cannot judge.
        var monitors = new[]
        {
            HealthMonitor.Diagnose(AtPlateau(1.2, 0.9, 0.7, 0.5, 0.42, 0.40), context),
            HealthMonitor.Diagnose(AtPlateau(1.2, 0.9, 0.8, 0.75, 0.68, 0.58), context),
            HealthMonitor.Diagnose(AtPlateau(1.2, 0.9, 0.7, 0.62, 0.60, 0.577), context),   // still falling 7% in 2 epochs inside the band: a run with real labels on the plateau
            HealthMonitor.Diagnose(AtPlateau(1.2, 0.9, 0.7, 0.59, 0.575, 0.565)),
        };
        foreach (var m in monitors)
            Assert.DoesNotContain(m.Findings, f => f.Title.Contains("label prior"));
    }

    // A new user's signer-independent world (2026-12-07, gen.py seed 21, the demo recipe: stride 4, 2-3 output frames a
    // gloss): (train loss, val loss, train WER, val WER, blank ratio, empty rate, length ratio) of epochs 1-8.
    static readonly (double, double, double, double, double, double, double)[] GenS21 =
    [
        (7.515, 3.655, 104.4, 100, 1, 1, 0), (3.566, 3.539, 100, 100, 1, 1, 0), (3.415, 3.332, 100, 100, 1, 1, 0),
        (3.223, 3.097, 99.4, 95.6, 0.986, 0.733, 0.059), (3.03, 2.961, 93.8, 86.8, 0.94, 0.233, 0.184), (2.74, 2.907, 87.9, 87.5, 0.959, 0.3, 0.162),
        (2.413, 2.474, 84.3, 80.1, 0.919, 0.133, 0.287), (2.286, 2.32, 78.6, 77.9, 0.919, 0.1, 0.294),
    ];

    static List<EpochMetrics> Blanks((double TrainLoss, double ValLoss, double TrainWer, double ValWer, double Blank, double Empty, double Length)[] rows) =>
        rows.Select((p, i) => new EpochMetrics
        {
            Epoch = i + 1, Steps = 50L * (i + 1), TrainLoss = p.TrainLoss, ValLoss = p.ValLoss, TrainWer = p.TrainWer, ValWer = p.ValWer,
            BlankRatio = p.Blank, EmptyRate = p.Empty, LengthRatio = p.Length,
        }).ToList();

    [Fact]
    public void Mostly_blank_output_is_not_a_collapse_while_the_wer_still_falls()
    {
        // Epoch 8: over 90% blank since epoch 1, but the dev WER fell 22 points over the last five epochs; the run went on
        // to 44% (and its signer-independent dev set was the limit, not the blanks). It was told to stop and lower the rate.
        Assert.Null(Find(HealthMonitor.Diagnose(Blanks(GenS21)), RuleIds.BlankCollapse));
        // The same output whose WER stopped at epoch 5's 86.8% for five epochs (progress since the blanks began, none
        // now) is still a collapse.
        var stuck = Blanks([.. GenS21.Take(5), .. Enumerable.Repeat(GenS21[4], 5)]);
        var f = Find(HealthMonitor.Diagnose(stuck), RuleIds.BlankCollapse);
        Assert.NotNull(f);
        Assert.Equal(Severity.Warning, f.Severity);
    }

    // The same new user's run (gen.py seed 21), all 48 epochs: dev WER 44.12% at epoch 30 (again at 36 and 43), then
    // 44-48% to the end, train WER about 20%; its val loss was at a one-epoch high on epoch 30 (1.541 between 1.507 and 1.473).
    static readonly (double TrainLoss, double ValLoss, double TrainWer, double ValWer)[] GenS21Run =
    [
        (7.515, 3.655, 104.36, 100), (3.566, 3.539, 100, 100), (3.415, 3.332, 100, 100), (3.223, 3.097, 99.36, 95.59),
        (3.03, 2.961, 93.83, 86.76), (2.74, 2.907, 87.87, 87.5), (2.413, 2.474, 84.26, 80.15), (2.286, 2.32, 78.62, 77.94),
        (2.124, 2.226, 73.51, 72.79), (1.928, 1.989, 63.94, 68.38), (1.891, 1.953, 61.17, 69.12), (1.657, 1.918, 55.21, 61.76),
        (1.632, 1.752, 54.26, 64.71), (1.557, 1.932, 48.94, 66.18), (1.427, 1.595, 48.72, 54.41), (1.471, 1.791, 44.89, 55.15),
        (1.28, 1.653, 40.64, 56.62), (1.299, 1.843, 40.96, 61.76), (1.06, 1.523, 35.85, 50.74), (1.041, 1.503, 34.04, 50),
        (0.926, 1.648, 31.49, 55.88), (1.056, 1.682, 33.19, 52.21), (0.944, 1.554, 30.96, 55.15), (0.878, 1.55, 29.36, 48.53),
        (0.856, 1.71, 27.02, 51.47), (0.82, 1.546, 26.28, 48.53), (0.72, 1.533, 23.83, 45.59), (0.8, 1.469, 24.57, 47.79),
        (0.713, 1.507, 23.3, 45.59), (0.797, 1.541, 26.28, 44.12), (0.679, 1.473, 23.4, 47.06), (0.692, 1.461, 22.87, 46.32),
        (0.676, 1.516, 21.91, 46.32), (0.691, 1.458, 23.19, 46.32), (0.678, 1.562, 21.38, 47.79), (0.68, 1.429, 21.28, 44.12),
        (0.627, 1.486, 21.6, 46.32), (0.634, 1.479, 19.47, 46.32), (0.688, 1.52, 22.55, 47.06), (0.634, 1.467, 21.17, 45.59),
        (0.623, 1.485, 21.17, 45.59), (0.614, 1.463, 19.04, 46.32), (0.58, 1.476, 19.26, 44.12), (0.593, 1.479, 16.28, 45.59),
        (0.599, 1.531, 17.98, 48.53), (0.584, 1.497, 18.4, 47.06), (0.608, 1.472, 19.79, 47.79), (0.688, 1.461, 20.43, 47.06)

    ];

    [Fact]
    public void A_loss_below_a_one_epoch_high_at_the_best_wer_is_not_still_falling()
    {
        // Epoch 48: val loss 1.461, 5.2% below epoch 30's 1.541 but 3% below the 1.507 around it. Read against the single
        // value the WER's rise was excused ("resolved" in the new user's diagnosis); against the level it is a warning.
        var f = Find(HealthMonitor.Diagnose(Epochs(GenS21Run, GenS21Run.Length)), RuleIds.Overfitting);
        Assert.NotNull(f);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.StartsWith("Keep the checkpoint of epoch 30 (the best validation WER", f.Actions[0].Description);
    }
}
