using Glossa.Training;
using static TorchSharp.torch;

namespace Glossa.Tests.Training;

public sealed class ReduceOnPlateauTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("glossa-plateau-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Epochs_on_the_initial_plateau_neither_lower_the_rate_nor_count_towards_it()
    {
        var p = new ReduceOnPlateau { Patience = 2, Factor = 0.5 };
        foreach (double wer in new[] { 72.0, 71, 71.5, 72, 71.2, 70.9, 71 })
            p = p.Observe(wer);
        Assert.False(p.HasLeftStart);
        Assert.Equal((1.0, 0, 0), (p.Scale, p.BadEpochs, p.Reductions));
        p = p.Observe(50); // left: 50 <= 0.8 x 72
        Assert.True(p.HasLeftStart);
        p = p.Observe(52).Observe(51);
        Assert.Equal(0.5, p.Scale);
        Assert.Equal(72, p.First);
    }

    [Fact]
    public void With_the_loss_observed_a_new_loss_low_is_progress_while_the_wer_ties()
    {
        // A new user's signer-independent run (30 dev clips, a world the recipe never saw), epochs 19-33: the val WER
        // tied at 30.3-30.9% while the val loss kept making lows.
        (double Wer, double Loss)[] epochs =
        [
            (80.9, 2.97), (34.8, 1.137), (34.3, 1.172), (30.3, 1.103), (31.5, 1.023), (32.0, 1.016), (33.1, 1.059), (30.3, 0.991),
            (32.0, 0.972), (30.9, 0.979), (30.9, 0.979), (30.9, 0.975), (30.9, 0.992), (30.3, 0.967), (30.9, 0.974), (32.6, 0.995),
        ];
        ReduceOnPlateau werOnly = new() { Patience = 3 }, both = new() { Patience = 3 };
        foreach (var (wer, loss) in epochs)
        {
            werOnly = werOnly.Observe(wer);
            both = both.Observe(wer, loss);
        }
        Assert.Equal(4, werOnly.Reductions);
        Assert.Equal(2, both.Reductions);   // after the lows at 0.972 and 0.967 (not 1% below 0.972): three epochs each without progress
        Assert.Equal(0.967, both.BestLoss);
        Assert.Equal(double.PositiveInfinity, werOnly.BestLoss);
        // A loss lower by less than 1% is not progress; NaN never is.
        Assert.False(EarlyStopping.IsNewLow(0.995, 1.0));
        Assert.True(EarlyStopping.IsNewLow(0.98, 1.0));
        Assert.False(EarlyStopping.IsNewLow(double.NaN, 1.0));
        Assert.True(EarlyStopping.IsNewLow(5, null));
    }

    /// <summary>A 6-epoch run of the tiny model under the given budgets.</summary>
    TrainingOutcome RunWith(string name, double? computeMinutes, double? wallMinutes)
    {
        var vocab = TinyData.Vocabulary();
        var o = new TrainingOptions
        {
            Model = "tiny-test", OutputDir = Path.Combine(root, name), Epochs = 6, BatchSize = 4, LearningRate = 3e-3,
            Seed = 3, HistogramEvery = 0, LogSamples = 0, TimeBudgetMinutes = computeMinutes, WallBudgetMinutes = wallMinutes,
        };
        var data = TinyData.Data(vocab, TinyData.Clips(vocab, 8, 1), TinyData.Clips(vocab, 4, 2), o.BatchSize, 5);
        random.manual_seed(o.Seed);
        using var model = new TinyCslrModel(vocab.Count);
        return new TrainingRun(o, model, "{\"name\":\"tiny-test\"}", vocab, data, CPU).Run();
    }

    [Fact]
    public void A_run_stops_before_an_epoch_that_would_end_past_the_time_budget()
    {
        var outcome = RunWith("budget", 1e-4, null);
        Assert.Equal(TrainingStatus.EarlyStopped, outcome.Status);
        Assert.Equal(1, outcome.Epochs);
        Assert.Contains("time budget", outcome.Message);
        Assert.Equal(TrainingOutcome.CauseTimeBudget, outcome.Cause);
        Assert.Contains("past the 0.006 s compute budget of training", outcome.Message); // 1e-4 min in seconds, not "0 min"
        Assert.Matches(@"another epoch \(~[0-9.]+ (s|min) of compute\)", outcome.Message);
        Assert.Contains("TimeBudgetMinutes (--time-budget) must be more than 0", Assert.Throws<Glossa.Common.GlossaException>(() => new TrainingOptions { OutputDir = root, TimeBudgetMinutes = 0 }.Validate()).Message);
    }

    [Fact]
    public void A_run_stops_before_an_epoch_that_would_end_past_the_wall_clock_limit_and_says_the_compute_budget_was_not_reached()
    {
        var outcome = RunWith("wall", 100, 1e-4);
        Assert.Equal(TrainingStatus.EarlyStopped, outcome.Status);
        Assert.Equal(1, outcome.Epochs);
        Assert.Contains("wall-clock limit: another epoch (~", outcome.Message);
        Assert.Equal(TrainingOutcome.CauseWallClock, outcome.Cause);
        Assert.Matches(@"past the 0\.006 s wall-clock limit of training, with [0-9.]+ s of the 100\.0 min compute budget used \(wall time ran ahead of compute: other work on the cores, or threads waiting\)", outcome.Message);
        // The demo says what that does to its figures (a new user's loaded runs had only the "stopped" line); a run the budget ended gets no note.
        Assert.InRange(outcome.ComputeMinutes, 1e-6, 100);
        Assert.Contains("these WERs are pessimistic", DemoRecipe.WallClockNote(outcome, 100));
        Assert.Contains("after 1 epoch, with ", DemoRecipe.WallClockNote(outcome, 100));
        Assert.Null(DemoRecipe.WallClockNote(outcome with { Cause = TrainingOutcome.CauseTimeBudget }, 100));
        // Idle cores whose waits let the wall clock take the budget's last epoch: most of the compute used, no note.
        Assert.Null(DemoRecipe.WallClockNote(outcome with { ComputeMinutes = 95 }, 100));
        Assert.Contains("WallBudgetMinutes (--wall-budget) must be more than 0", Assert.Throws<Glossa.Common.GlossaException>(() => new TrainingOptions { OutputDir = root, WallBudgetMinutes = 0 }.Validate()).Message);
    }
}
