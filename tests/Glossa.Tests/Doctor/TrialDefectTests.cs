using Glossa.Doctor;
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
}
