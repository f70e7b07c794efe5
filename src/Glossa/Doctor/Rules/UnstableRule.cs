using Glossa.Training;
using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>unstable: loss spikes and jumps, exploding gradient norms, a learning rate out of range.</summary>
internal static class UnstableRule
{
    /// <summary>What the checks found: evidence, one phrase per problem, the worst severity so far.</summary>
    sealed class Findings
    {
        public readonly List<Evidence> Evidence = [];
        public readonly List<string> Problems = [];
        public Severity Severity = Severity.Info;
        /// <summary>The validation WER has stopped improving at a high rate.</summary>
        public bool Stalled;
    }

    public static Finding? Evaluate(RuleInput r)
    {
        var found = new Findings();
        Spikes(r, found);
        Divergence(r, found);
        ExplodingGradients(r, found);
        LearningRate(r, found);
        if (found.Problems.Count == 0) return null;
        var (o, lr, severity) = (r.Options, r.LearningRate, found.Severity);
        return new Finding
        {
            Rule = RuleIds.Unstable,
            Severity = severity,
            Epoch = r.Last.Epoch,
            Title = string.Join("; ", found.Problems),
            Evidence = found.Evidence,
            Explanation =
                "Training is numerically unstable or mis-paced. Spikes, jumps and exploding gradients mean steps too large for the loss surface (learning rate, no warm-up, no gradient clipping, a bad batch); " +
                "a rate far too low barely moves the weights. A CTC model knocked off course by a large step often falls back to predicting only blanks" +
                (found.Stalled
                    ? ", or, as here, keeps jumping between a few frequent glosses: each step overshoots, so the validation WER cannot settle" + (severity == Severity.Critical ? " and this run will not improve at this rate." : ".")
                    : "."),
            Actions =
            [
                Advice.Command(r, "Lower the learning rate, warm it up and clip gradients", ("learning-rate", lr is { } cur && cur < o.LowLearningRate ? 3e-4 : Advice.LowerLearningRate(r)), ("warmup-epochs", 2), ("clip-grad-norm", 1.0)),
                new("If spikes come from particular batches, look for clips with broken frames or labels (the non_finite dump names them when the loss becomes NaN)."),
            ],
        };
    }

    /// <summary>
    /// One step's loss far above its epoch mean in recent epochs, and high on the run's own scale:
    /// at least <see cref="DoctorOptions.SpikeLevel"/> of its largest epoch mean after epoch 1 (the
    /// plateau's level). Late in a healthy run, at a mean of 0.2, a small batch of hard clips at 1.2 is
    /// 6x the mean but no step back; a step that undoes half of what the run learnt is one.
    /// </summary>
    static void Spikes(RuleInput r, Findings f)
    {
        var o = r.Options;
        var h = r.History;
        var last = r.Last;
        double level = o.SpikeLevel * Scale(h, m => m.TrainLoss);
        // Epoch 1 starts from random outputs: skip it.
        var spikes = h.Where(m => m.Epoch > 1 && m.Epoch > last.Epoch - o.PlateauEpochs && Finite(m.TrainLossMax) && m.TrainLoss > 0
            && m.TrainLossMax > o.SpikeFactor * m.TrainLoss && m.TrainLossMax >= level).ToList();
        if (spikes.Count >= o.SpikeEpochs)
        {
            var worst = spikes.MaxBy(m => m.TrainLossMax!.Value / m.TrainLoss)!;
            f.Evidence.Add(new("train_loss_max", worst.TrainLossMax!.Value, worst.Epoch));
            f.Evidence.Add(new("train_loss", worst.TrainLoss, worst.Epoch));
            f.Problems.Add($"loss spikes in {spikes.Count} of the last {o.PlateauEpochs} epochs (up to {F(worst.TrainLossMax!.Value / worst.TrainLoss)}x the epoch mean)");
            f.Severity = Severity.Warning;
        }
    }

    /// <summary>
    /// The epoch mean loss jumps well above the best level so far. The level is the lowest median of three
    /// neighbouring epochs, so a single epoch's dip (one lucky epoch of a dozen small batches) does not set it: a new
    /// user's 48-clip run dipped to 0.26 once between epochs at 0.40-0.43 and was told it was unstable at 0.42.
    /// </summary>
    static void Divergence(RuleInput r, Findings f)
    {
        var o = r.Options;
        var h = r.History;
        var last = r.Last;
        var prior = h.Take(h.Count - 1).Where(m => m.Epoch >= 2 && Finite(m.TrainLoss)).ToList();
        if (last.Epoch >= 3 && prior.Count > 0)
        {
            var (bestEpoch, best) = prior.Count < 3
                ? prior.Select(m => (m.Epoch, m.TrainLoss)).MinBy(p => p.TrainLoss)
                : Enumerable.Range(1, prior.Count - 2)
                    .Select(i => (prior[i].Epoch, Median(new[] { prior[i - 1].TrainLoss, prior[i].TrainLoss, prior[i + 1].TrainLoss })))
                    .MinBy(p => p.Item2);
            double floor = o.LossNoiseFloor * Scale(h, m => m.TrainLoss);
            if (best > 0 && last.TrainLoss > o.JumpFactor * best && last.TrainLoss - best > floor)
            {
                bool twice = h.Count >= 2 && h[^2].TrainLoss > o.JumpFactor * best && h[^2].TrainLoss - best > floor && h[^2].Epoch >= 3;
                // One epoch above the level at a rate already cut below a fifth of its peak is the batches' noise, not a step
                // too large: a new user's run (colour shuffle, 50 batches of 4) was told at epoch 65 to lower a rate of 6e-5.
                if (!twice && r.RateDecayed) return;
                f.Evidence.Add(new("best_train_loss", best, bestEpoch));
                f.Evidence.Add(new("train_loss", last.TrainLoss, last.Epoch));
                f.Problems.Add($"training loss {F(last.TrainLoss)} is {F(last.TrainLoss / best)}x its best ({F(best)})" + (twice ? " for two epochs in a row: diverging" : ""));
                f.Severity = twice ? Severity.Critical : Severity.Warning;
            }
        }
    }

    /// <summary>The largest gradient norm far above the run's median or an absolute limit.</summary>
    static void ExplodingGradients(RuleInput r, Findings f)
    {
        var o = r.Options;
        var h = r.History;
        var last = r.Last;
        var norms = h.Where(m => Finite(m.GradNormMean)).Select(m => m.GradNormMean!.Value).ToList();
        if (Finite(last.GradNormMax))
        {
            double median = norms.Count > 0 ? Median(norms) : double.NaN;
            double max = last.GradNormMax!.Value;
            if (max > o.GradExplosionAbsolute || median > 0 && max > o.GradExplosionFactor * median)
            {
                f.Evidence.Add(new("grad_norm_max", max, last.Epoch));
                if (!double.IsNaN(median)) f.Evidence.Add(new("grad_norm_median", median));
                f.Problems.Add($"gradient norm reached {F(max)}" + (double.IsNaN(median) ? "" : $" ({F(max / median)}x the run's median)"));
                f.Severity = Max(f.Severity, Severity.Warning);
            }
        }
    }

    /// <summary>A learning rate far above, above or below the usual range.</summary>
    static void LearningRate(RuleInput r, Findings f)
    {
        var o = r.Options;
        var h = r.History;
        var last = r.Last;
        double? lr = r.LearningRate;
        if (lr is { } v && v > o.ExtremeLearningRate)
        {
            // Far outside the usual range: a warning from the first epoch, whatever the symptoms so far;
            // critical once the validation WER has stopped improving (the run will not settle at this rate).
            f.Evidence.Add(new("learning_rate", v, last.Epoch));
            f.Problems.Add($"learning rate {F(v)} is far above the 1e-4..1e-3 that Adam-style CTC training uses");
            f.Severity = Max(f.Severity, Severity.Warning);
            if (StalledWer(h, o, o.ExtremeRateNoProgressEpochs) is { } best)
            {
                f.Evidence.Add(new("best_val_wer", best.V, best.M.Epoch));
                f.Evidence.Add(new("val_wer", last.ValWer!.Value, last.Epoch));
                f.Stalled = true;
                f.Problems.Add($"no validation progress in the last {o.ExtremeRateNoProgressEpochs} epochs (best val WER {F(best.V)}% at epoch {best.M.Epoch}, now {F(last.ValWer!.Value)}%)");
                f.Severity = Severity.Critical;
            }
        }
        else if (lr is { } high && high > o.HighLearningRate)
        {
            // A high rate alone is no finding (a healthy run may use one); it explains the other problems, and a validation WER
            // that has stopped improving far from good (a new user's run at 0.05: ~60% for many epochs, no blanks, called
            // healthy). Critical once it has not improved for twice the plateau window: the steps overshoot, it will not settle.
            // Stalled over the plateau window, or gaining less than MinWerGain per window over two of them (the trial's run at
            // 0.05 gained 2.2 points in 10 epochs, 66% -> 63.8%, swinging 64-77% between epochs).
            var longStall = StalledWer(h, o, 2 * o.PlateauEpochs, 2 * o.MinWerGain);
            if ((StalledWer(h, o, o.PlateauEpochs) ?? longStall) is { } best)
            {
                f.Evidence.Add(new("learning_rate", high, last.Epoch));
                f.Evidence.Add(new("best_val_wer", best.V, best.M.Epoch));
                f.Evidence.Add(new("val_wer", last.ValWer!.Value, last.Epoch));
                var since = Series(h, m => m.ValWer).Where(p => p.M.Epoch > best.M.Epoch).Select(p => p.V).ToList();
                f.Problems.Add($"val WER stuck at {F(since.Min())}-{F(since.Max())}% for {last.Epoch - best.M.Epoch} epochs ({F(best.V)}% at epoch {best.M.Epoch}, {F(last.ValWer!.Value)}% now) " +
                               $"at a learning rate of {F(high)}, above {F(o.HighLearningRate)}: the steps overshoot");
                f.Stalled = true;
                f.Severity = Max(f.Severity, longStall is not null ? Severity.Critical : Severity.Warning);
            }
            else if (f.Problems.Count > 0)
            {
                f.Evidence.Add(new("learning_rate", high, last.Epoch));
                f.Problems.Add($"learning rate {F(high)} is above {F(o.HighLearningRate)}, high for Adam-style CTC training");
            }
        }
        else if (lr is { } low && low < o.LowLearningRate && last.Epoch > o.GraceEpochs && !(last.ValWer <= o.GoodWer))
        {
            bool decayed = h.Any(m => m.LearningRate > low * 10);
            f.Evidence.Add(new("learning_rate", low, last.Epoch));
            f.Problems.Add($"learning rate {F(low)} is below {F(o.LowLearningRate)}" + (decayed ? " (the schedule has decayed it)" : ""));
            f.Severity = Max(f.Severity, decayed ? Severity.Info : Severity.Warning);
        }
    }

    static Severity Max(Severity a, Severity b) => a > b ? a : b;
}
