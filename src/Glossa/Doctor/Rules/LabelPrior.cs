using Glossa.Training;
using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>
/// What a model that never looks at the frames can reach, from the training label counts alone: the label-prior WER
/// (output only the glosses every sentence has, e.g. __ON__ __OFF__: the "frequent glosses only" plateau) and the
/// frame-blind loss floor (per label, the entropy of the other glosses' distribution; glosses of every sentence cost
/// nothing). Training labels shuffled across clips carry no signal, so a run on them settles at both; a run with signal
/// goes below the floor (on the run library while its WER is still on the plateau) or is still falling fast through it.
/// Both are estimates (counts, not per-sentence presence; CTC's sum over alignments), so the floor is used with a band.
/// </summary>
internal static class LabelPrior
{
    public sealed record Estimate(double PriorWer, double LossFloor);

    /// <summary>The estimate for the run's training labels, or null without label counts (e.g. another toolkit's history).</summary>
    public static Estimate? Of(RunContext c)
    {
        if (c.LabelCounts is not { Count: > 1 } counts || c.TrainingSamples is not { } n || n <= 0) return null;
        double total = counts.Values.Sum(v => (double)v);
        var rest = counts.Values.Where(v => v < n).Select(v => (double)v).ToList();
        double restTotal = rest.Sum();
        if (total <= 0 || restTotal <= 0) return null;
        double entropy = -rest.Sum(v => v / restTotal * Math.Log(v / restTotal));
        double everySentence = counts.Values.Count(v => v >= n);
        return new Estimate(100 * (1 - n * everySentence / total), restTotal * entropy / total);
    }

    public sealed record NoSignal(Estimate Prior, double TrainLoss, double TrainWer, double LossThen, int EpochThen);

    /// <summary>
    /// The no-signal pattern at the last epoch: training WER no better than the label prior, training loss settled in the
    /// band around the frame-blind floor (fell less than <c>NoSignalFlatFall</c> over 2 epochs), past the grace.
    /// </summary>
    public static NoSignal? Holds(RuleInput r)
    {
        var o = r.Options;
        var last = r.Last;
        if (last.Epoch <= o.GraceEpochs || !Finite(last.TrainWer) || !double.IsFinite(last.TrainLoss) || Of(r.Context) is not { } p) return null;
        if (last.TrainWer < p.PriorWer - o.NoSignalWerMargin) return null;
        double ratio = last.TrainLoss / p.LossFloor;
        if (ratio < o.NoSignalFloorLow || ratio > o.NoSignalFloorHigh) return null;
        if (AtOrBefore(r.History, last.Epoch - 2, m => m.TrainLoss) is not { } then || then.V <= 0 || then.M.Epoch == last.Epoch) return null;
        if ((then.V - last.TrainLoss) / then.V >= o.NoSignalFlatFall) return null;
        return new NoSignal(p, last.TrainLoss, last.TrainWer!.Value, then.V, then.M.Epoch);
    }
}
