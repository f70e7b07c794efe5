namespace Glossa.Training;

/// <summary>
/// Early stopping on validation WER, its counters kept in <see cref="CheckpointState"/> so that a
/// resumed run continues exactly. Plain: stop after --patience epochs without a new best WER. On
/// stall (<see cref="TrainingOptions.PatienceOnStall"/>, the demo's rule): it stops after --patience
/// epochs in a row whose mean training loss made no new low, none of them a new best WER, so a run still learning its training set is not
/// stopped by a small, noisy dev set; after twice --patience epochs without a new best it stops
/// regardless; once the best WER is 0, which no epoch can beat, plain patience applies. Either way nothing counts until the model has left its initial plateau
/// (<see cref="ReduceOnPlateau.HasLeftStart"/>).
/// </summary>
public static class EarlyStopping
{
    /// <summary>How far below its best so far an epoch's mean training loss must be to be a new low (1%: a low by a hair is noise, not learning).</summary>
    public const double NewLowMargin = 0.01;

    /// <summary>True when <paramref name="value"/> is finite and <see cref="NewLowMargin"/> below <paramref name="best"/> (any finite value beats none).</summary>
    public static bool IsNewLow(double? value, double? best) =>
        value is double v && double.IsFinite(v) && (best is not double b || v < b * (1 - NewLowMargin));

    /// <summary>
    /// The counters after an epoch: whether it made progress (a new best validation WER, or with
    /// <see cref="TrainingOptions.ValLossProgress"/> a new validation-loss low), and its mean training loss.
    /// </summary>
    public static CheckpointState Count(CheckpointState s, bool improved, double trainLoss)
    {
        bool finite = double.IsFinite(trainLoss);
        bool newLow = IsNewLow(trainLoss, s.BestTrainLoss);
        return s with
        {
            EpochsSinceBest = improved ? 0 : s.EpochsSinceBest + 1,
            StalledEpochs = improved || newLow ? 0 : s.StalledEpochs + 1,
            BestTrainLoss = finite && !(trainLoss >= s.BestTrainLoss) ? trainLoss : s.BestTrainLoss,
        };
    }

    /// <summary>Why the run stops after the epoch <paramref name="s"/> records, or null to go on.</summary>
    public static string? Reason(CheckpointState s, int patience, bool onStall, bool hasLeftStart, bool lossCounts = false)
    {
        if (patience <= 0 || !hasLeftStart) return null;
        string best = $"best {TrainingRun.Fmt(s.BestWer)}% at epoch {s.BestEpoch}";
        string none = lossCounts ? "no val WER improvement nor val loss low" : "no val WER improvement";
        // A dev WER of 0 cannot improve: waiting for the training loss to stall only spends the budget.
        if (!onStall || s.BestWer == 0)
            return s.EpochsSinceBest >= patience ? $"{none} for {patience} epochs ({best})" : null;
        if (s.StalledEpochs >= patience)
            return $"{none} for {s.EpochsSinceBest} epochs, the last {s.StalledEpochs} without a new training-loss low either ({best})";
        if (s.EpochsSinceBest >= 2 * patience)
            return $"{none} for {s.EpochsSinceBest} epochs, though the training loss still fell ({best})";
        return null;
    }
}
