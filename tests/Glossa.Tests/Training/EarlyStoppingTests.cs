using Glossa.Training;

namespace Glossa.Tests.Training;

public sealed class EarlyStoppingTests
{
    /// <summary>Feeds (val WER, mean train loss) epochs through the counters; returns the epoch (1-based) at which the rule stops and why, or (0, null).</summary>
    static (int Epoch, string? Why) Run(IEnumerable<(double Wer, double Loss)> epochs, int patience, bool onStall)
    {
        var s = new CheckpointState();
        int epoch = 0;
        foreach (var (wer, loss) in epochs)
        {
            epoch++;
            bool improved = s.BestWer is not double b || wer < b;
            s = EarlyStopping.Count(s, improved, loss) with { BestWer = improved ? wer : s.BestWer, BestEpoch = improved ? epoch : s.BestEpoch };
            if (EarlyStopping.Reason(s, patience, onStall, hasLeftStart: true) is string why) return (epoch, why);
        }
        return (0, null);
    }

    // The sign world s3 demo's epochs 33-39 (docs/recipe-passes.md, sixth pass): dev WER at its best at 33,
    // then noisy, while the training loss still reached new lows at 35 and 38.
    static readonly (double, double)[] StillLearning =
        [(10.48, 0.349), (11.29, 0.362), (11.29, 0.309), (14.52, 0.373), (12.90, 0.308), (10.48, 0.271), (13.71, 0.322)];

    [Fact]
    public void Plain_patience_stops_after_that_many_epochs_without_a_new_best()
    {
        var (epoch, why) = Run(StillLearning, patience: 6, onStall: false);
        Assert.Equal(7, epoch);
        Assert.Equal("no val WER improvement for 6 epochs (best 10.48% at epoch 1)", why);
    }

    [Fact]
    public void On_stall_a_run_whose_training_loss_still_reaches_new_lows_goes_on()
    {
        Assert.Equal((0, null), Run(StillLearning, patience: 6, onStall: true));
    }

    [Fact]
    public void On_stall_six_epochs_in_a_row_without_a_new_loss_low_stop_the_run()
    {
        // After the new low of 0.271 the loss stays within 1% of it or above: no epoch is learning.
        var flat = StillLearning.Concat([(11.0, 0.272), (12.0, 0.30), (11.5, 0.2695), (12.5, 0.29), (11.0, 0.28)]).ToArray();
        var (epoch, why) = Run(flat, patience: 6, onStall: true);
        Assert.Equal(12, epoch);
        Assert.Equal("no val WER improvement for 11 epochs, the last 6 without a new training-loss low either (best 10.48% at epoch 1)", why);
    }

    [Fact]
    public void On_stall_twice_the_patience_without_a_new_best_stops_even_a_run_still_lowering_its_loss()
    {
        // Overfitting: the training loss falls by 5% an epoch for ever, the dev WER never improves again.
        var overfit = Enumerable.Range(0, 20).Select(i => (i == 0 ? 30.0 : 40.0, Math.Pow(0.95, i))).ToArray();
        var (epoch, why) = Run(overfit, patience: 6, onStall: true);
        Assert.Equal(13, epoch);
        Assert.Equal("no val WER improvement for 12 epochs, though the training loss still fell (best 30.00% at epoch 1)", why);
    }

    [Fact]
    public void On_stall_a_dev_wer_of_zero_which_nothing_can_beat_stops_after_plain_patience()
    {
        var perfect = new (double, double)[] { (0.0, 0.30), (0.3, 0.28), (0.0, 0.25), (0.0, 0.22), (0.3, 0.2), (0.0, 0.18), (0.0, 0.15) };
        var (epoch, why) = Run(perfect, patience: 6, onStall: true);
        Assert.Equal(7, epoch);
        Assert.StartsWith("no val WER improvement for 6 epochs (best 0.00%", why);
    }

    [Fact]
    public void A_non_finite_loss_is_never_a_new_low_and_never_becomes_the_best()
    {
        var s = EarlyStopping.Count(new CheckpointState(), improved: true, 2.0);
        s = EarlyStopping.Count(s, improved: false, double.NaN);
        Assert.Equal(2.0, s.BestTrainLoss);
        Assert.Equal(1, s.StalledEpochs);
        Assert.Null(EarlyStopping.Reason(s with { StalledEpochs = 9, EpochsSinceBest = 20 }, patience: 6, onStall: true, hasLeftStart: false));
        Assert.Null(EarlyStopping.Reason(s with { EpochsSinceBest = 20 }, patience: 0, onStall: false, hasLeftStart: true));
    }
}
