using Glossa.Training;
using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>
/// blank_collapse: the model predicts blank on nearly every frame, hypotheses are empty or far
/// shorter than references, and this persists past the normal stage-1/stage-2 onset without
/// validation progress.
/// </summary>
internal static class BlankCollapseRule
{
    public static Finding? Evaluate(RuleInput r)
    {
        var o = r.Options;
        var last = r.Last;
        if (last.Epoch <= o.GraceEpochs || last.Steps is { } s && s < o.GraceSteps)
            return null;
        // A run that stopped (or crawls) while still learning shows the blank / few-gloss output of an early stage: underfitting's.
        if (UnderfittingRule.ExplainsStalledOutput(r))
            return null;
        // Training labels that carry no signal (the loss settled at the frame-blind floor) are not_learning's one diagnosis: a
        // lower rate beside "the labels do not belong to the clips" contradicted it (a new user's trial on shuffled labels).
        if (LabelPrior.Holds(r) is not null)
            return null;
        if (Judge(r) is not { } judged)
            return null;
        var (severity, windowStart) = judged;
        // Blank output while the training clips are still being learned at a modest rate is CTC's slow start: wait, never stop.
        // (The "frequent glosses only" plateau, output that is not blank, is only ever a warning and keeps its own explanation.)
        bool blank = last.BlankRatio > r.Options.BlankCollapseRatio || last.EmptyRate >= r.Options.EmptyRateCollapse;
        var waiting = blank ? TrainingProgress.StillLearning(r) : null;
        if (waiting is not null) severity = Severity.Warning;

        string title = Symptoms(last) + (windowStart == last.Epoch ? $" at epoch {last.Epoch}" : $" since epoch {windowStart}")
            + (waiting is { } p ? $", but {TrainingProgress.Describe(p)}: still leaving the blank plateau"
               : severity == Severity.Critical ? ", no validation progress" : "");
        var evidence = EvidenceFor(r.History, last, windowStart);
        if (waiting is { } w) evidence.AddRange([new(w.Metric, w.Then, w.ThenEpoch), new(w.Metric, w.Now, w.NowEpoch)]);
        return new Finding
        {
            Rule = RuleIds.BlankCollapse,
            Severity = severity,
            Epoch = last.Epoch,
            Title = title,
            Evidence = evidence,
            Explanation = waiting is { } p2 ? ExplainWaiting(r, windowStart, p2) : Explain(r, windowStart),
            Actions = waiting is { } p3 ? WaitActions(r, p3) : Actions(r),
        };
    }

    /// <summary>The severity and the first epoch of the collapse window, or null when the history shows no collapse past the grace.</summary>
    static (Severity Severity, int WindowStart)? Judge(RuleInput r)
    {
        var o = r.Options;
        var h = r.History;
        var last = r.Last;
        bool Hard(EpochMetrics m) => m.BlankRatio > o.BlankCollapseRatio || m.EmptyRate >= o.EmptyRateCollapse;
        bool Pure(EpochMetrics m) => m.BlankRatio >= o.PureBlankRatio || m.EmptyRate >= 0.9;
        bool Short(EpochMetrics m) => m.LengthRatio < o.LengthRatioCollapse && !(m.ValWer <= o.GoodWer);

        // Epochs counted only past the grace: stage 1/2 before it is normal.
        int firstCounted = o.GraceEpochs + 1;
        int Span(int startIndex) => startIndex < 0 ? 0 : last.Epoch - Math.Max(h[startIndex].Epoch, firstCounted) + 1;

        int hardStart = TrailingStart(h, Hard);
        int pureStart = TrailingStart(h, Pure);
        int shortStart = TrailingStart(h, m => Hard(m) || Short(m));
        int hardSpan = Span(hardStart), pureSpan = Span(pureStart), shortSpan = Span(shortStart);

        bool late = hardStart >= 0 && last.Epoch >= o.CollapseLateEpoch;
        if (hardSpan >= o.CollapseWarnEpochs || late)
        {
            int windowStart = h[hardStart].Epoch;
            // Judged against the run's own pace: a run whose validation still improves is in a slow
            // stage 1, not collapsed (a tiny GRU at a low rate stays pure blank ~50 steps while its loss falls fast).
            bool progress = ValidationProgress(h, Math.Max(windowStart, firstCounted) - 1, o);
            if (progress && hardSpan < o.CollapseCriticalEpochs)
                return null;
            // Nor is one whose WER still falls now, over the last CollapseCriticalEpochs epochs, before the late mark: a new
            // user's signer-independent run (stride 4, 2-3 output frames a gloss) was 92% blank at epoch 8 with its dev WER
            // at 100, 96, 87, 88, 80, 78 since epoch 3 and was told to stop and lower the rate; it reached 44% at epoch 30.
            if (progress && !late && WerProgress(h, last.Epoch - o.CollapseCriticalEpochs, o))
                return null;
            bool critical = !progress && (hardSpan >= o.CollapseCriticalEpochs || pureSpan >= o.PureBlankCriticalEpochs || late);
            return (critical ? Severity.Critical : Severity.Warning, windowStart);
        }
        if (shortSpan >= o.CollapseCriticalEpochs)
        {
            // Hypotheses far too short for many epochs, but the blank share is not extreme: the
            // "frequent glosses only" plateau. A warning: large models can sit there ~7 epochs.
            int windowStart = h[shortStart].Epoch;
            // Progress is judged on the WER over the last few epochs: the loss keeps falling on this plateau.
            if (WerProgress(h, Math.Max(Math.Max(windowStart, firstCounted) - 1, last.Epoch - o.CollapseCriticalEpochs), o))
                return null;
            return (Severity.Warning, windowStart);
        }
        return null;
    }

    static List<Evidence> EvidenceFor(IReadOnlyList<EpochMetrics> h, EpochMetrics last, int windowStart)
    {
        var ev = new List<Evidence>();
        if (Finite(last.BlankRatio)) ev.Add(new("blank_ratio", last.BlankRatio!.Value, last.Epoch));
        if (Finite(last.EmptyRate)) ev.Add(new("empty_rate", last.EmptyRate!.Value, last.Epoch));
        if (Finite(last.LengthRatio)) ev.Add(new("length_ratio", last.LengthRatio!.Value, last.Epoch));
        if (Finite(last.ValWer)) ev.Add(new("val_wer", last.ValWer!.Value, last.Epoch));
        ev.Add(new("collapsed_since_epoch", windowStart));
        if (AtOrBefore(h, windowStart, m => m.ValWer) is { } w0 && w0.M.Epoch != last.Epoch)
            ev.Add(new("val_wer", w0.V, w0.M.Epoch));
        return ev;
    }

    static string Symptoms(EpochMetrics m)
    {
        var parts = new List<string>();
        if (Finite(m.BlankRatio)) parts.Add($"{Pct(m.BlankRatio!.Value)} of frames blank");
        if (Finite(m.EmptyRate)) parts.Add($"{Pct(m.EmptyRate!.Value)} empty hypotheses");
        if (Finite(m.LengthRatio) && !(m.EmptyRate >= 0.9)) // all empty already says it
            parts.Add($"hypotheses {F(m.LengthRatio!.Value)}x the reference length");
        return parts.Count == 0 ? "collapsed output" : string.Join(", ", parts);
    }

    static string Explain(RuleInput r, int since)
    {
        var causes = new List<string>();
        // Causes with evidence come first; the generic ones only when nothing here explains the collapse.
        double? suspect = Advice.SuspectDropout(r);
        bool dropoutSuspect = suspect is not null;
        if (suspect is { } d)
            causes.Add($"dropout {F(d)} zeroes {Pct(d)} of the features in training, so the classifier mostly sees noise and learns the label prior, which under CTC is blank " +
                       $"(a keep probability passed as a drop rate does this: keep {F(d)} is --dropout {F(Math.Round(1 - d, 2))})");
        double? lr = r.LearningRate;
        if (lr > r.Options.HighLearningRate)
            causes.Add($"the learning rate {F(lr!.Value)} is high for CTC (above {F(r.Options.HighLearningRate)}); a step too large throws the model into the all-blank minimum and it stays there");
        else if (!dropoutSuspect && TrainingProgress.OnTraining(r) is null)
            causes.Add("a learning rate too high or without warm-up can throw the model into the all-blank minimum");
        if (r.Context.InfeasibleClips is > 0)
            causes.Add($"{r.Context.InfeasibleClips} training clips are too short for their labels after the temporal stride, so CTC can only learn blanks from them");
        else if (!dropoutSuspect)
            causes.Add("a temporal stride too large leaves too few output frames per gloss (CTC needs label length + repeats)");
        var gap = GapTrend(r.History);
        if (gap is { } g && g.Now > g.Then + 0.5)
            causes.Add($"training loss keeps falling while validation does not (train/val gap {F(g.Then)} -> {F(g.Now)}): the model memorises the training clips, which is the overfitting part");
        if (gap is { } g2 && g2.Now > g2.Then + 0.5 && r.Context.ParamsPerSample is { } pps && pps > r.Options.ParamsPerSampleInfo)
            causes.Add($"the model has {F(pps)} parameters per training sample, much capacity for little data");
        causes.Add("label problems (vocabulary mismatch, a few glosses dominating) make blank the cheapest guess");
        var m = r.Last;
        bool blanks = m.BlankRatio > r.Options.BlankCollapseRatio || m.EmptyRate >= r.Options.EmptyRateCollapse;
        string what = blanks
            ? $"Since epoch {since} the model outputs blank almost everywhere, so its hypotheses are empty or much shorter than the references. "
            : $"Since epoch {since} the model outputs only a few frequent glosses (hypotheses {F(m.LengthRatio ?? 0)}x the reference length) and the WER does not move: the \"frequent glosses only\" plateau, the non-blank form of collapse. ";
        return what +
               "A healthy CTC run leaves pure blank within tens of steps and the \"frequent glosses only\" stage within a few epochs; this one has not. " +
               "Blank collapse is not only overfitting. Likely causes here: " + string.Join("; ", causes) + ".";
    }

    static string ExplainWaiting(RuleInput r, int since, TrainingProgress.Progress p) =>
        $"Since epoch {since} the model outputs blank almost everywhere, but {TrainingProgress.Describe(p)} at a modest learning rate{RateText(r)}: " +
        "blank-dominated output while the training loss falls is how CTC training starts, and a slow learner (few output frames per gloss, several glosses per clip, a small corpus) " +
        "can stay there for 10-20 epochs before its first glosses appear. This is not a collapse yet. It is one when the training loss stops falling, the blank share rises again, " +
        "or the validation loss keeps getting worse for many epochs; the doctor will say so then.";

    /// <summary>" (0.001)", the run's peak learning rate when known.</summary>
    static string RateText(RuleInput r) => (r.PeakLearningRate ?? r.LearningRate) is { } lr ? $" ({F(lr)})" : "";

    /// <summary>What to do for a run still leaving the blank plateau: let it train; never a lower rate (its loss falls at this one).</summary>
    static List<FindingAction> WaitActions(RuleInput r, TrainingProgress.Progress p)
    {
        var list = new List<FindingAction>
        {
            new($"Keep this run going: {TrainingProgress.Describe(p)}, so it is still learning; do not lower the learning rate, which would only slow the start down. Look again in a few epochs."),
        };
        if (r.Run.Epochs is { } e && e - r.Last.Epoch < r.Options.CollapseCriticalEpochs)
            list.Add(Advice.Command(r, $"Its {e} epochs end soon: if the output is still blank then, train longer at the same rate ({Advice.MoreEpochs(r)} epochs)", ("epochs", Advice.MoreEpochs(r))));
        list.Add(Advice.CheckFeasibility(r, r.Context.TemporalStride));
        return list;
    }

    internal static (double Then, double Now)? GapTrend(IReadOnlyList<EpochMetrics> h)
    {
        var both = h.Where(m => Finite(m.ValLoss) && Finite(m.TrainLoss)).ToList();
        if (both.Count < 2) return null;
        var best = both.MinBy(m => m.ValLoss!.Value)!;
        var last = both[^1];
        return (best.ValLoss!.Value - best.TrainLoss, last.ValLoss!.Value - last.TrainLoss);
    }

    static List<FindingAction> Actions(RuleInput r)
    {
        var o = r.Options;
        // A run whose training loss still falls at a modest rate is not thrown about by its steps: a lower rate would only
        // slow it (each restart of the trial's run lowered it again). The rate stays; the other causes get the changes.
        bool keepRate = TrainingProgress.ModestRate(r) && TrainingProgress.OnTraining(r) is not null;
        double? lr = keepRate ? null : Advice.LowerLearningRate(r);
        var changes = new List<(string, object?)>();
        if (lr is { } lower) changes.AddRange([("learning-rate", lower), ("warmup-epochs", 2)]);
        var gap = GapTrend(r.History);
        bool overfit = gap is { } g && g.Now > g.Then + 0.5;
        if (overfit)
        {
            changes.Add(("dropout", Advice.MoreDropout(r)));
            changes.Add(("weight-decay", Advice.MoreWeightDecay(r)));
        }
        if (changes.Count == 0) changes.Add(("warmup-epochs", 2));
        int? stride = r.Context.TemporalStride;
        bool strideSuspect = r.Context.InfeasibleClips is > 0 && stride is > 1;
        var list = new List<FindingAction>();
        if (Advice.SuspectDropout(r) is { } d)
        {
            // The dropout alone explains the blanks: change it first and leave a sane learning rate alone.
            var fix = new List<(string, object?)> { ("dropout", Advice.SaneDropout(d)) };
            if (r.LearningRate > o.HighLearningRate) fix.AddRange(changes.Where(c => c.Item1 != "dropout"));
            // The text names every option the command changes (a new user's trial: a command changed options its text did not say).
            string alsoRate = fix.Count > 1 ? $"; the rate {F(r.LearningRate!.Value)} is high too: {Advice.Changes(fix.Skip(1))}" : "";
            list.Add(Advice.Command(r, $"Stop this run and restart with dropout {F(Advice.SaneDropout(d))} instead of {F(d)}{alsoRate}", fix.ToArray()));
        }
        string restart = list.Count > 0 ? "Or restart" : "Stop this run and restart";
        list.Add(Advice.Command(r, (lr is not null
            ? restart + " with a lower learning rate and a warm-up" + (overfit ? ", plus stronger regularisation for the train/val gap" : "")
            : restart + (overfit ? " with stronger regularisation for the train/val gap" : " with a warm-up") +
              $" at the same learning rate{RateText(r)} (the training loss still falls at it, so it is not too high)") + ": " + Advice.Changes(changes), changes.ToArray()));
        // Blank output with a training loss that falls while the validation loss has been getting worse for many epochs is
        // also what labels that do not belong to their clips give (a new user's shuffled-label run): the data check comes next.
        if (TrainingProgress.Memorising(r))
            list.Add(new("The training loss falls while the validation loss has got worse for many epochs and the output stays blank: that is also what training labels that do not belong to their clips give. Check them before another run.",
                $"{o.Program} corpus check {Advice.CorpusToCheck(r)}"));
        if (strideSuspect) list.AddRange(Advice.SmallerStride(r, stride!.Value));
        else list.Add(Advice.CheckFeasibility(r, stride));
        // A smaller model only when the train/val gap says the model memorises (parameters per clip alone predicts nothing).
        if (overfit && r.Context.ParamsPerSample is { } pps && pps > o.ParamsPerSampleInfo)
        {
            list.Add(Advice.Command(r, $"Use a smaller model ({F(pps)} parameters per sample now): halve the hidden size", ("hidden-dim", Advice.SmallerHidden(r))));
            if (Advice.StudentIsSmaller(r))
                list.Add(Advice.TrainStudent(r, "Or train the smaller MobileNetV3 student (~8M parameters) first"));
        }
        list.Add(new FindingAction("Look at the predictions: mostly empty hypotheses confirm a collapse rather than a decoding problem; check that the labels and the vocabulary match the corpus."));
        list.Add(lr is { } l2
            ? Advice.Command(r, "If the collapse persists at a sane learning rate, smooth the labels so the blank cannot become overconfident", ("learning-rate", l2), ("label-smoothing", 0.1))
            : Advice.Command(r, "If the collapse persists, smooth the labels so the blank cannot become overconfident", ("label-smoothing", 0.1)));
        return list;
    }
}
