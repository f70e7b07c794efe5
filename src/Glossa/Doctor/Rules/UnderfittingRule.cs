using Glossa.Common;
using Glossa.Training;
using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>
/// underfitting: training and validation both bad while the model could still learn. Told apart from
/// overfitting (train is bad too), blank collapse and not learning (the loss is still falling, or a cause
/// on the learning side is in the options): the schedule ended or decayed the rate while the loss was
/// still falling, the peak rate is too low, the regularisation is too strong, or (loss flat, nothing
/// else to blame) the model is too small.
/// </summary>
internal static class UnderfittingRule
{
    enum Cause { ScheduleTooShort, RateTooLow, OverRegularised, TooSmall }

    /// <summary>True when the run underfits because it is still learning (schedule over, or rate too low): blank or
    /// few-gloss output is then the unfinished early stage of training, not a collapse.</summary>
    public static bool ExplainsStalledOutput(RuleInput r) =>
        Analyse(r) is { } a && a.Causes.Any(c => c is Cause.ScheduleTooShort or Cause.RateTooLow);

    public static Finding? Evaluate(RuleInput r)
    {
        if (Analyse(r) is not { } a) return null;
        var last = r.Last;
        var ev = new List<Evidence> { new("val_wer", last.ValWer!.Value, last.Epoch) };
        if (Finite(last.TrainWer)) ev.Add(new("train_wer", last.TrainWer!.Value, last.Epoch));
        if (a.LossThen is { } t && t.M.Epoch != last.Epoch) { ev.Add(new("train_loss", t.V, t.M.Epoch)); ev.Add(new("train_loss", last.TrainLoss, last.Epoch)); }
        if (r.PeakLearningRate is { } peak) ev.Add(new("peak_learning_rate", peak));
        if (Finite(last.LearningRate)) ev.Add(new("learning_rate", last.LearningRate!.Value, last.Epoch));
        if (r.Run.Epochs is { } e) ev.Add(new("configured_epochs", e));
        return new Finding
        {
            Rule = RuleIds.Underfitting,
            Severity = a.Critical ? Severity.Critical : a.ImprovingFast ? Severity.Info : Severity.Warning,
            Epoch = last.Epoch,
            Title = Title(r, a),
            Evidence = ev,
            Explanation = Explain(r, a),
            Actions = Actions(r, a),
        };
    }

    sealed record Analysis(List<Cause> Causes, bool Critical, bool StillLearning, bool ScheduleOver, (EpochMetrics M, double V)? LossThen, bool ImprovingFast = false, bool EndedInGrace = false);

    internal static bool UnknownValidationGlosses(RuleInput r) =>
        r.Context.ValidationUnknownGlosses is { } u && r.Context.ValidationGlosses is { } n && n > 0 && (double)u / n >= r.Options.UnknownValidationShare;

    static Analysis? Analyse(RuleInput r)
    {
        var o = r.Options;
        var h = r.History;
        var last = r.Last;
        bool ended = r.Run.Epochs is { } e && last.Epoch >= e;
        // A run that ended inside the grace period (CTC's blank first stage) is too short to learn or to judge; one epoch
        // has nothing to compare with, so only an ended run is judged there.
        bool endedInGrace = ended && last.Epoch <= o.GraceEpochs;
        if (last.Epoch < 2 && !endedInGrace || !Finite(last.ValWer) || last.ValWer <= o.GoodWer || !double.IsFinite(last.TrainLoss)) return null;
        // Validation labels the model cannot output keep the validation WER up whatever the training does (data_mismatch's),
        // and a run settled at the label prior has no signal to learn (not_learning's): neither is cured by training longer.
        if (UnknownValidationGlosses(r) || LabelPrior.Holds(r) is not null) return null;
        // Train bad too (else it is overfitting's pattern): train WER high, or without it a validation loss near its best.
        bool trainBad = Finite(last.TrainWer)
            ? last.TrainWer > o.GoodWer && last.ValWer!.Value - last.TrainWer!.Value < o.UnderfitMaxGap
            : !(Series(h, m => m.ValLoss) is { Count: > 0 } vl && Finite(last.ValLoss) && last.ValLoss > vl.Min(p => p.V) * (1 + o.OverfitMinRise));
        if (!trainBad) return null;

        // Over the window, or since the first epoch of a shorter run (epoch 1 starts from random outputs, but a run of
        // 2-3 epochs has nothing else to compare with).
        int from = Math.Max(h[0].Epoch, last.Epoch - o.UnderfitWindow);
        var then = AtOrBefore(h, from, m => m.TrainLoss);
        bool lossFalling = then is { } t && t.V > 0 && (t.V - last.TrainLoss) / t.V >= o.UnderfitLossFall;
        bool werFalling = AtOrBefore(h, from, m => m.ValWer) is { } w && w.V - last.ValWer!.Value >= o.MinWerGain;
        bool stillLearning = lossFalling || werFalling;
        double? peak = r.PeakLearningRate;
        bool decayed = r.RateDecayed;
        bool scheduleOver = decayed || ended;
        bool pastGrace = last.Epoch > o.GraceEpochs;
        bool blank = last.BlankRatio > o.BlankCollapseRatio || last.EmptyRate >= o.EmptyRateCollapse;

        var causes = new List<Cause>();
        // In order of what to change first: a rate too low, then regularisation strong enough to hold the training error
        // up (training longer under it helps little), then the schedule.
        if (peak is { } p && p < o.LowPeakLearningRate && (pastGrace || scheduleOver)) causes.Add(Cause.RateTooLow);
        // Blank output with a suspect dropout as the only strong option is blank_collapse's; with a strong weight decay or label
        // smoothing too (the sign world's over-regularised run) restoring the dropout alone would leave the rest holding it down.
        var strong = OverRegularised(r);
        if (strong.Count > 0 && pastGrace && !(blank && Advice.SuspectDropout(r) is not null && strong.Count == 1)) causes.Add(Cause.OverRegularised);
        // Above the high mark a falling loss is the rate's noise, not progress (that is unstable's finding).
        bool saneRate = !(peak > o.HighLearningRate);
        if ((stillLearning || endedInGrace) && scheduleOver && saneRate && !causes.Contains(Cause.RateTooLow)) causes.Add(Cause.ScheduleTooShort);
        // A model too small: the loss has flattened with a sane rate, the output is not blank and the WER has left the not-learning range.
        if (causes.Count == 0 && !stillLearning && !blank && last.Epoch >= o.GraceEpochs + o.PlateauEpochs
            && last.ValWer < o.NotLearningWer && saneRate)
            causes.Add(Cause.TooSmall);
        if (causes.Count == 0) return null;
        bool critical = scheduleOver && causes[0] != Cause.TooSmall;
        // A run whose validation WER was still falling fast when the schedule ended is a healthy run cut short: a note to
        // train longer (info, verdict unchanged), not a stop; the stalled runs gain a few points at most (DoctorOptions).
        bool fast = causes[0] == Cause.ScheduleTooShort && AtOrBefore(h, from, m => m.ValWer) is { } w0 && w0.V - last.ValWer!.Value >= o.UnderfitStillImprovingWer
                    && h.Count >= 2 && Finite(h[^2].ValWer) && h[^2].ValWer!.Value - last.ValWer!.Value >= o.MinWerGain;
        return new Analysis(causes, critical && !fast, stillLearning, scheduleOver, then, fast, endedInGrace && !stillLearning);
    }

    /// <summary>The regularisation options set so high that they can keep the training error up.</summary>
    static List<(string Option, double Value, double Proposed)> OverRegularised(RuleInput r)
    {
        var o = r.Options;
        var list = new List<(string, double, double)>();
        if (r.Run.Dropout is { } d && d >= o.HighDropout) list.Add(("dropout", d, Advice.SaneDropout(d)));
        if (r.Run.WeightDecay is { } w && w >= o.HighWeightDecay) list.Add(("weight-decay", w, 1e-4));
        if (r.Run.LabelSmoothing is { } s && s >= o.HighLabelSmoothing) list.Add(("label-smoothing", s, 0.0));
        return list;
    }

    static string Title(RuleInput r, Analysis a)
    {
        var last = r.Last;
        string both = Finite(last.TrainWer) ? $"train WER {F(last.TrainWer!.Value)}% and val WER {F(last.ValWer!.Value)}%" : $"val WER {F(last.ValWer!.Value)}%";
        return a.Causes[0] switch
        {
            Cause.ScheduleTooShort when a.EndedInGrace => $"{both} at epoch {last.Epoch}: the run ended after {Words.Count(last.Epoch, "epoch")}, too few to learn or to judge",
            Cause.ScheduleTooShort when a.ImprovingFast => $"{both} at epoch {last.Epoch}, still improving fast when the schedule ended" + (a.LossThen is { } t0 ? $" (loss {F(t0.V)} -> {F(last.TrainLoss)})" : "") + ": more epochs would gain more",
            Cause.ScheduleTooShort => $"{both} at epoch {last.Epoch} while the loss is still falling" + (a.LossThen is { } t ? $" ({F(t.V)} -> {F(last.TrainLoss)})" : "") + (Decays(r) ? ": the schedule ended or decayed the rate too early" : ": the run ended too early"),
            Cause.RateTooLow => $"{both} at epoch {last.Epoch} with a peak learning rate of {F(r.PeakLearningRate!.Value)}: too low to train in this many epochs",
            Cause.OverRegularised => $"{both} at epoch {last.Epoch} under strong regularisation (" + string.Join(", ", OverRegularised(r).Select(x => $"{x.Option} {F(x.Value)}")) + ")",
            _ => $"{both} at epoch {last.Epoch} with the loss flat: the model may be too small for the task",
        };
    }

    static string Explain(RuleInput r, Analysis a)
    {
        var parts = new List<string> { "The model fits neither the training nor the validation clips well, and it is not the overfitting pattern (training is bad too)." };
        foreach (var c in a.Causes)
            parts.Add(c switch
            {
                Cause.ScheduleTooShort when a.EndedInGrace => $"A CTC model outputs blank or only the most frequent glosses for its first epochs (the doctor does not judge collapse before epoch {r.Options.GraceEpochs + 1}); " +
                                          $"this run ended after {Words.Count(r.Last.Epoch, "epoch")}" + (r.Last.EmptyRate >= r.Options.EmptyRateCollapse ? ", with every validation prediction still empty" : "") + ", before it could leave that stage. " +
                                          "Nothing here says the recipe is wrong; it has not been tried. Run it for more epochs.",
                Cause.ScheduleTooShort => "The training loss is still falling, but the run has used up its schedule (its epochs are done, or the rate has decayed far below the peak): it stopped in the middle of learning. " +
                                          "A lower rate or a smaller model would make this worse; more epochs at the same peak (so the decay comes later) let it continue.",
                Cause.RateTooLow => $"The peak learning rate {F(r.PeakLearningRate!.Value)} is below {F(r.Options.LowPeakLearningRate)}: the weights move so little per step that the run is still in its first stage when it ends.",
                Cause.OverRegularised => "The regularisation is strong enough to keep the training error high: the model is not allowed to fit even the training clips.",
                _ => "The loss has flattened at a sane rate without blank output: the model may lack the capacity to separate the glosses (hidden size, frame size).",
            });
        return string.Join(" ", parts);
    }

    /// <summary>
    /// The rate came down during the run: the last epoch's rate is below 90% of the history's
    /// highest. A decaying schedule whose decay lies past the run's end (step milestones at 20 and
    /// 35 in a 3-epoch run) has not decayed it. Without rates in the history, the schedule's kind decides.
    /// </summary>
    static bool Decays(RuleInput r)
    {
        var rates = Series(r.History, m => m.LearningRate);
        if (rates.Count > 0)
            return r.Last.LearningRate is { } now && now < 0.9 * rates.Max(p => p.V);
        return r.Run.Schedule is { } s && s != "constant" && s != "none";
    }

    static List<FindingAction> Actions(RuleInput r, Analysis a)
    {
        var list = new List<FindingAction>();
        foreach (var c in a.Causes)
        {
            switch (c)
            {
                case Cause.RateTooLow:
                    list.Add(Advice.Command(r, $"Raise the peak learning rate from {F(r.PeakLearningRate!.Value)} to {F(Advice.HigherLearningRate(r))}", ("learning-rate", Advice.HigherLearningRate(r))));
                    break;
                case Cause.ScheduleTooShort:
                    list.Add(Advice.Command(r, $"Train longer at the same peak rate: {Advice.MoreEpochs(r)} epochs" + (Decays(r) ? ", so the rate decays later" : ""), ("epochs", Advice.MoreEpochs(r))));
                    break;
                case Cause.OverRegularised:
                    var reg = OverRegularised(r);
                    list.Add(Advice.Command(r, "Regularise less: " + string.Join(", ", reg.Select(x => $"{x.Option} {F(x.Value)} -> {F(x.Proposed)}")),
                        reg.Select(x => (x.Option, (object?)x.Proposed)).ToArray()));
                    break;
                default:
                    list.Add(Advice.Command(r, $"Give the temporal model more capacity: hidden size {Advice.LargerHidden(r)}", ("hidden-dim", Advice.LargerHidden(r))));
                    if (r.Run.FrameSize is { } fs && fs < 112)
                        list.Add(Advice.Command(r, $"Or larger frames ({fs * 2} px instead of {fs}) so small hand shapes stay visible", ("frame-size", fs * 2)));
                    break;
            }
        }
        if (a.Causes[0] != Cause.TooSmall && !a.StillLearning && !a.EndedInGrace)
            list.Add(Advice.Command(r, $"Only once the loss has flattened: a larger temporal model (hidden size {Advice.LargerHidden(r)})", ("hidden-dim", Advice.LargerHidden(r))));
        return list;
    }
}
