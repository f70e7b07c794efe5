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

    /// <summary>The counters after an epoch: whether its validation WER was a new best, and its mean training loss.</summary>
    public static CheckpointState Count(CheckpointState s, bool improved, double trainLoss)
    {
        bool finite = double.IsFinite(trainLoss);
        bool newLow = finite && (s.BestTrainLoss is not double low || trainLoss < low * (1 - NewLowMargin));
        return s with
        {
            EpochsSinceBest = improved ? 0 : s.EpochsSinceBest + 1,
            StalledEpochs = improved || newLow ? 0 : s.StalledEpochs + 1,
            BestTrainLoss = finite && !(trainLoss >= s.BestTrainLoss) ? trainLoss : s.BestTrainLoss,
        };
    }

    /// <summary>Why the run stops after the epoch <paramref name="s"/> records, or null to go on.</summary>
    public static string? Reason(CheckpointState s, int patience, bool onStall, bool hasLeftStart)
    {
        if (patience <= 0 || !hasLeftStart) return null;
        string best = $"best {TrainingRun.Fmt(s.BestWer)}% at epoch {s.BestEpoch}";
        // A dev WER of 0 cannot improve: waiting for the training loss to stall only spends the budget.
        if (!onStall || s.BestWer == 0)
            return s.EpochsSinceBest >= patience ? $"no val WER improvement for {patience} epochs ({best})" : null;
        if (s.StalledEpochs >= patience)
            return $"no val WER improvement for {s.EpochsSinceBest} epochs, the last {s.StalledEpochs} without a new training-loss low either ({best})";
        if (s.EpochsSinceBest >= 2 * patience)
            return $"no val WER improvement for {s.EpochsSinceBest} epochs, though the training loss still fell ({best})";
        return null;
    }
}
