using Glossa.Training;
using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>
/// Whether a run whose output is still blank (or whose WER is still high) is making progress on its training clips: the
/// normal slow CTC start, told apart from a collapse. A new user's sign-world run at lr 1e-3 was 100% blank for 9 epochs
/// while its training loss fell 2.51 -> 1.90 and its training WER began to fall; the doctor called blank_collapse critical
/// at epoch 6, `--auto-stop` ended it, and the advice lowered the rate. The same run, left alone, left the blank at epoch 10
/// and reached a training WER of 1.5%.
/// </summary>
internal static class TrainingProgress
{
    /// <summary>The training-side progress found: the training loss (or WER) at the window's start and now.</summary>
    public sealed record Progress(string Metric, double Then, int ThenEpoch, double Now, int NowEpoch);

    /// <summary>
    /// The training loss fell at least <see cref="DoctorOptions.MinLossGain"/> below its best up to the start of the last
    /// <see cref="DoctorOptions.CollapseCriticalEpochs"/> epochs (epoch 1, random output, left out unless it is all there
    /// is), or (unless <paramref name="lossOnly"/>) the training WER fell <see cref="DoctorOptions.MinWerGain"/> points over that
    /// window; null otherwise.
    /// </summary>
    public static Progress? OnTraining(RuleInput r, bool lossOnly = false)
    {
        var o = r.Options;
        var h = r.History;
        var last = r.Last;
        // From the window's start, but never from epoch 1 (random output) while a later epoch is there to compare with.
        int from = Math.Max(last.Epoch - o.CollapseCriticalEpochs, 2);
        var earlier = h.Where(m => m.Epoch <= from && m.Epoch < last.Epoch && double.IsFinite(m.TrainLoss)).ToList();
        if (earlier.Any(m => m.Epoch > 1)) earlier = earlier.Where(m => m.Epoch > 1).ToList();
        if (earlier.Count > 0 && double.IsFinite(last.TrainLoss) && !ReferenceEquals(earlier[^1], last))
        {
            var best = earlier.MinBy(m => m.TrainLoss)!;
            if (best.TrainLoss > 0 && (best.TrainLoss - last.TrainLoss) / best.TrainLoss >= o.MinLossGain)
                return new("train_loss", best.TrainLoss, best.Epoch, last.TrainLoss, last.Epoch);
        }
        if (!lossOnly && Finite(last.TrainWer) && AtOrBefore(h, from, m => m.TrainWer) is { } w0 && w0.M.Epoch != last.Epoch && w0.V - last.TrainWer!.Value >= o.MinWerGain)
            return new("train_wer", w0.V, w0.M.Epoch, last.TrainWer!.Value, last.Epoch);
        return null;
    }

    /// <summary>
    /// The validation loss has been past its best for <see cref="DoctorOptions.OverfitPatience"/> x
    /// <see cref="DoctorOptions.OverfitCriticalFactor"/> epochs and is more than <see cref="DoctorOptions.OverfitMinRise"/>
    /// above it: a falling training loss is then memorising, not progress (the reference run: best at epoch 25, 8% worse at 60).
    /// </summary>
    public static bool Memorising(RuleInput r)
    {
        var o = r.Options;
        var vl = Series(r.History, m => m.ValLoss);
        if (vl.Count < 2 || !ReferenceEquals(vl[^1].M, r.Last)) return false;
        var (best, value) = vl.MinBy(p => p.V);
        return r.Last.Epoch - best.Epoch >= o.OverfitPatience * o.OverfitCriticalFactor && vl[^1].V > value * (1 + o.OverfitMinRise);
    }

    /// <summary>The blank share of the last epoch is 5 points above its value at the start of the window: the output is going
    /// back to blank, which is collapse whatever the loss does.</summary>
    public static bool BlankRising(RuleInput r)
    {
        var last = r.Last;
        return Finite(last.BlankRatio) && AtOrBefore(r.History, last.Epoch - r.Options.CollapseCriticalEpochs, m => m.BlankRatio) is { } b0
            && b0.M.Epoch != last.Epoch && last.BlankRatio > b0.V + 0.05;
    }

    /// <summary>The learning rate is not high for CTC (the configured peak, else the last epoch's, at most <see cref="DoctorOptions.HighLearningRate"/>).</summary>
    public static bool ModestRate(RuleInput r) => !((r.PeakLearningRate ?? r.LearningRate) > r.Options.HighLearningRate);

    /// <summary>
    /// The run is still learning from its training clips at a modest rate and a sane dropout, its blank share is not rising and its
    /// validation loss is not steadily getting worse: early blank output (or a WER still high) is then the normal CTC start, and the advice is to wait.
    /// </summary>
    public static Progress? StillLearning(RuleInput r) =>
        ModestRate(r) && Advice.SuspectDropout(r) is null && !Memorising(r) && !BlankRising(r) && OnTraining(r) is { } p ? p : null;

    /// <summary>"the training loss still falls (2.51 at epoch 2 -> 1.9 at epoch 9)", for titles and advice.</summary>
    public static string Describe(Progress p) =>
        $"the {(p.Metric == "train_wer" ? "training WER" : "training loss")} still falls ({F(p.Then)}{(p.Metric == "train_wer" ? "%" : "")} at epoch {p.ThenEpoch} -> {F(p.Now)}{(p.Metric == "train_wer" ? "%" : "")} at epoch {p.NowEpoch})";
}
