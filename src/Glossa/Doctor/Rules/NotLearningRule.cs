using Glossa.Training;
using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>
/// not_learning: validation WER still above a threshold after K epochs, or losses on a plateau
/// while the WER is not good.
/// </summary>
internal static class NotLearningRule
{
    public static Finding? Evaluate(RuleInput r)
    {
        var o = r.Options;
        var h = r.History;
        var last = r.Last;
        if (LabelPrior.Holds(r) is { } none)
            return NoSignal(r, none);
        if (BlankCollapseRule.Evaluate(r) is not null)
            return null; // a WER stuck by blank output is blank_collapse's finding, with its own causes and advice
        if (UnderfittingRule.UnknownValidationGlosses(r))
            return null; // a WER held up by glosses the model can never output is data_mismatch's finding: no rate fixes it
        if (UnderfittingRule.ExplainsStalledOutput(r))
            return null; // still learning when the schedule ran out, or at a rate too low: underfitting names the cause
        var ev = new List<Evidence>();
        Severity? severity = null;
        string title;

        int windowFrom = last.Epoch - o.PlateauEpochs;
        if (Finite(last.ValWer) && last.ValWer > o.NotLearningWer && last.Epoch >= o.NotLearningEpochs)
        {
            bool improving = ValidationProgress(h, windowFrom, o) && AtOrBefore(h, windowFrom, m => m.ValWer) is { } w0 && w0.V - last.ValWer!.Value >= o.MinWerGain;
            severity = !improving && last.Epoch >= 2 * o.NotLearningEpochs ? Severity.Critical : Severity.Warning;
            ev.Add(new("val_wer", last.ValWer!.Value, last.Epoch));
            if (AtOrBefore(h, windowFrom, m => m.ValWer) is { } before && before.M.Epoch != last.Epoch)
                ev.Add(new("val_wer", before.V, before.M.Epoch));
            title = $"val_wer {F(last.ValWer!.Value)}% after {last.Epoch} epochs" + (improving ? " (still falling)" : ", not improving");
        }
        // A flat loss at a rate decayed far below its peak is what the decay does, not a failure to learn (a new user's run,
        // its rate cut to 3% by reduce-on-plateau, was told to lower it further).
        // A flat loss on fitted training clips is the gap to unseen clips (overfitting's side), not a failure to learn; a
        // validation WER above 85% (the branch above) still warns however well the training clips fit.
        else if (last.Epoch >= o.GraceEpochs + o.PlateauEpochs && !(last.ValWer <= o.GoodWer) && !r.RateDecayed && !FitsTrainingOnly(r) && Plateau(r) is { } p)
        {
            severity = Severity.Warning;
            ev.Add(new("train_loss", p.Then, p.ThenEpoch));
            ev.Add(new("train_loss", last.TrainLoss, last.Epoch));
            if (Finite(last.ValWer)) ev.Add(new("val_wer", last.ValWer!.Value, last.Epoch));
            title = $"train_loss flat for {last.Epoch - p.ThenEpoch} epochs ({F(p.Then)} -> {F(last.TrainLoss)})";
        }
        // A validation WER flat far from good for twice the plateau window, its output not blank (blank_collapse's), its rate
        // modest (a high one is unstable's) and not decayed (the schedule's), and the training loss no longer falling (flat, or
        // noisy around a level): a new user's run sat at ~60% with no blanks and was called healthy. Fitted training clips
        // are the gap to unseen clips, overfitting's side (FitsTrainingOnly).
        else if (StalledWer(r) is { } stall && !r.RateDecayed && TrainingProgress.ModestRate(r) && !FitsTrainingOnly(r)
                 && TrainingProgress.OnTraining(r, lossOnly: true) is null)
        {
            severity = Severity.Warning;
            ev.Add(new("best_val_wer", stall.V, stall.M.Epoch));
            ev.Add(new("val_wer", last.ValWer!.Value, last.Epoch));
            ev.Add(new("train_loss", last.TrainLoss, last.Epoch));
            title = $"val WER {F(last.ValWer!.Value)}% has not improved on {F(stall.V)}% (epoch {stall.M.Epoch}) for {last.Epoch - stall.M.Epoch} epochs, and the training loss no longer falls";
        }
        else
        {
            return null;
        }

        return new Finding
        {
            Rule = RuleIds.NotLearning,
            Severity = severity.Value,
            Epoch = last.Epoch,
            Title = title,
            Evidence = ev,
            Explanation =
                "The model is not learning the task at a useful pace: a healthy CTC run on a small corpus passes the \"frequent glosses only\" stage (WER ~75%) within a few epochs and then falls fast. " +
                "A WER stuck high usually means blank collapse (see that finding), a learning rate too low or too high, labels that do not match the videos, or a model that cannot see enough frames per gloss.",
            Actions = Actions(r),
        };
    }

    /// <summary>
    /// The training clips are decoded well (train WER at most <see cref="DoctorOptions.GoodWer"/>) and the validation clips
    /// at least <see cref="DoctorOptions.UnderfitMaxGap"/> points worse: the model has learned what it was shown, so a flat
    /// training loss is the gap to unseen clips or signers, not a failure to learn. A new user's
    /// run on their own signer-independent corpus (train WER 11%, val WER 37%, its training loss flat at a low value) was
    /// told to lower the rate and check that frames and labels belong together.
    /// </summary>
    internal static bool FitsTrainingOnly(RuleInput r) =>
        Finite(r.Last.TrainWer) && Finite(r.Last.ValWer) && r.Last.TrainWer <= r.Options.GoodWer
        && r.Last.ValWer!.Value - r.Last.TrainWer!.Value >= r.Options.UnderfitMaxGap;

    /// <summary>
    /// The training output is no better than the label prior and the loss has settled at the frame-blind floor: nothing in
    /// the frames is being used. On the run library this is the shuffled-label runs (no link between clips and labels);
    /// without label counts (another toolkit's history) it cannot be told from a run stalled on the frequent-glosses plateau.
    /// </summary>
    static Finding NoSignal(RuleInput r, LabelPrior.NoSignal n)
    {
        var last = r.Last;
        return new Finding
        {
            Rule = RuleIds.NotLearning,
            Severity = Severity.Critical,
            Epoch = last.Epoch,
            Title = $"train WER {F(n.TrainWer)}% is no better than the label prior ({F(n.Prior.PriorWer)}%) and train_loss has settled at the loss of a model that ignores the frames " +
                    $"({F(n.LossThen)} -> {F(n.TrainLoss)}, floor ~{F(n.Prior.LossFloor)}): no learnable signal",
            Evidence =
            [
                new("train_wer", n.TrainWer, last.Epoch), new("label_prior_wer", n.Prior.PriorWer),
                new("train_loss", n.LossThen, n.EpochThen), new("train_loss", n.TrainLoss, last.Epoch), new("frame_blind_loss_floor", n.Prior.LossFloor),
            ],
            Explanation =
                "A model that never looks at the frames can output the glosses every sentence has and spread the rest by their frequency; its loss per label is the entropy of that label distribution. " +
                "This run's training loss has settled there and its training WER is what outputting the frequent glosses gives, so it has learned the label prior and nothing from the videos. " +
                "Runs with a usable signal go below that loss even while their WER is still on the frequent-glosses plateau. More epochs, another rate or a bigger model do not help: " +
                "the labels do not belong to the clips (shuffled or misaligned annotation rows, wrong video folder), or the frames carry nothing (all black, wrong crop).",
            Actions =
            [
                new("Check that labels and clips belong together: validate the corpus, then watch a few clips next to their glosses (annotation rows shuffled or shifted, another split's videos, frames all alike).",
                    $"{r.Options.Program} corpus check {Advice.CorpusToCheck(r)}"),
                new("Overfit a tiny subset (e.g. 10 clips, no regularisation) next: with real labels it reaches a low training WER within a few dozen epochs; with labels unrelated to the clips it stays at the label prior."),
            ],
        };
    }

    /// <summary>
    /// Past the grace and a plateau window, a validation WER above <see cref="DoctorOptions.GoodWer"/> whose best over the last
    /// 2 x <see cref="DoctorOptions.PlateauEpochs"/> epochs (at least two of them) is not 2 x <see cref="DoctorOptions.MinWerGain"/>
    /// below its best before them (epoch 1, random output, left out), with output that is not blank: returns that earlier best.
    /// </summary>
    static (EpochMetrics M, double V)? StalledWer(RuleInput r) =>
        r.Last.Epoch <= r.Options.GraceEpochs + r.Options.PlateauEpochs ? null
            : HistoryMath.StalledWer(r.History, r.Options, 2 * r.Options.PlateauEpochs, 2 * r.Options.MinWerGain, firstEpoch: 2, minWindow: 2);

    /// <summary>Training loss improved by less than 1% over the last PlateauEpochs epochs.</summary>
    static (double Then, int ThenEpoch)? Plateau(RuleInput r)
    {
        var last = r.Last;
        if (AtOrBefore(r.History, last.Epoch - r.Options.PlateauEpochs, m => m.TrainLoss) is not { } t0 || t0.V <= 0)
            return null;
        double bestRecent = r.History.Where(m => m.Epoch > t0.M.Epoch && Finite(m.TrainLoss)).Select(m => m.TrainLoss).DefaultIfEmpty(double.NaN).Min();
        if (double.IsNaN(bestRecent) || (t0.V - bestRecent) / t0.V >= 0.01) return null;
        return (t0.V, t0.M.Epoch);
    }

    static List<FindingAction> Actions(RuleInput r)
    {
        var list = new List<FindingAction>();
        double? lr = r.LearningRate;
        const string check = "Check the data: sample a few clips and their glosses (frames and labels must belong together), and that the vocabulary matches the corpus.";
        if (lr is { } v && v < r.Options.LowLearningRate * 30)
            list.Add(Advice.Command(r, $"The learning rate {F(v)} is low: raise it", ("learning-rate", 3e-4)));
        else if (TrainingProgress.ModestRate(r) && TrainingProgress.OnTraining(r) is { } p)
        {
            // The training loss still falls at this rate, so the rate is not what holds the WER up: the data is the first suspect,
            // and a lower rate beside "labels may not match" was contradictory advice (a new user's trial on shuffled labels).
            list.Add(new($"{check} The rate is not the suspect: {TrainingProgress.Describe(p)}.", $"{r.Options.Program} corpus check {Advice.CorpusToCheck(r)}"));
            list.Add(new("Overfit a tiny subset (e.g. 20 clips) first: if even that does not reach a low WER, the problem is in the model or the data pipeline, not in regularisation."));
            return list;
        }
        else
            list.Add(Advice.Command(r, "Restart with a lower learning rate and a warm-up", ("learning-rate", Advice.LowerLearningRate(r)), ("warmup-epochs", 2)));
        list.Add(new(check));
        list.Add(new("Overfit a tiny subset (e.g. 20 clips) first: if even that does not reach a low WER, the problem is in the model or the data pipeline, not in regularisation."));
        return list;
    }
}
