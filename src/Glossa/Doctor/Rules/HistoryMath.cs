using Glossa.Training;

namespace Glossa.Doctor.Rules;

/// <summary>Small statistics over an epoch history (sparse histories allowed: epochs need not be consecutive).</summary>
internal static class HistoryMath
{
    public static bool Finite(double? v) => v is { } x && double.IsFinite(x);

    /// <summary>The entries whose selected value is present and finite.</summary>
    public static List<(EpochMetrics M, double V)> Series(IReadOnlyList<EpochMetrics> h, Func<EpochMetrics, double?> pick) =>
        h.Where(m => Finite(pick(m))).Select(m => (m, pick(m)!.Value)).ToList();

    /// <summary>Index of the first entry of the trailing run of entries satisfying <paramref name="pred"/>, or -1 if the last does not.</summary>
    public static int TrailingStart(IReadOnlyList<EpochMetrics> h, Func<EpochMetrics, bool> pred)
    {
        int i = h.Count;
        while (i > 0 && pred(h[i - 1])) i--;
        return i == h.Count ? -1 : i;
    }

    /// <summary>The last entry at or before <paramref name="epoch"/> whose value is present, for window comparisons.</summary>
    public static (EpochMetrics M, double V)? AtOrBefore(IReadOnlyList<EpochMetrics> h, int epoch, Func<EpochMetrics, double?> pick)
    {
        for (int i = h.Count - 1; i >= 0; i--)
            if (h[i].Epoch <= epoch && Finite(pick(h[i])))
                return (h[i], pick(h[i])!.Value);
        return null;
    }

    /// <summary>
    /// WER-only progress since <paramref name="fromEpoch"/> (falls back to <see cref="ValidationProgress"/> without WER).
    /// On the "frequent glosses only" plateau the loss keeps falling as the model grows surer of those
    /// few glosses, so only the WER tells whether the run is leaving it.
    /// </summary>
    public static bool WerProgress(IReadOnlyList<EpochMetrics> h, int fromEpoch, DoctorOptions o)
    {
        var last = h[^1];
        if (!Finite(last.ValWer)) return ValidationProgress(h, fromEpoch, o);
        return AtOrBefore(h, fromEpoch, m => m.ValWer) is { } w0 && w0.V - last.ValWer!.Value >= o.MinWerGain;
    }

    /// <summary>
    /// Whether validation improved between <paramref name="fromEpoch"/> and the last entry: WER fell by
    /// at least <c>MinWerGain</c> points, or validation loss (else training loss) fell by <c>MinLossGain</c>.
    /// </summary>
    public static bool ValidationProgress(IReadOnlyList<EpochMetrics> h, int fromEpoch, DoctorOptions o)
    {
        var last = h[^1];
        if (Finite(last.ValWer) && AtOrBefore(h, fromEpoch, m => m.ValWer) is { } w0 && w0.V - last.ValWer!.Value >= o.MinWerGain)
            return true;
        Func<EpochMetrics, double?> loss = Finite(last.ValLoss) ? m => m.ValLoss : m => m.TrainLoss;
        // Against the best loss up to then, not the value then: a loss that spiked at the window's start and fell back to
        // where it was is no progress (a new user's run, 100% blank with the rate at 0.05: 2.68 at epoch 1, 4.81 at 3, 2.78 at
        // 7, and the doctor had called it healthy).
        if (BestAtOrBefore(h, fromEpoch, loss) is { } l0 && Finite(loss(last)) && l0 > 0)
            return (l0 - loss(last)!.Value) / l0 >= o.MinLossGain;
        return false;
    }

    /// <summary>The smallest present value at or before <paramref name="epoch"/>, or null.</summary>
    static double? BestAtOrBefore(IReadOnlyList<EpochMetrics> h, int epoch, Func<EpochMetrics, double?> pick)
    {
        double? best = null;
        foreach (var m in h)
            if (m.Epoch <= epoch && Finite(pick(m)) && !(pick(m) >= best))
                best = pick(m);
        return best;
    }

    /// <summary>
    /// Largest validation set, in words, whose one-word step <see cref="WordStep"/> looks for: 200 words, half a point of WER,
    /// below which a step is smaller than the doctor's own WER noise floor (half of <see cref="DoctorOptions.MinWerGain"/>).
    /// </summary>
    public const int MaxWordsForStep = 200;

    /// <summary>
    /// One word's share of the validation WER, in points, read from the values themselves: a WER is 100 x errors / N for the
    /// N words of the validation set, so every value is a multiple of 100 / N. The smallest N (up to
    /// <see cref="MaxWordsForStep"/>) that makes every distinct value other than 0 and 100 a whole number of words gives the
    /// step (within the rounding of a log printed to two decimals, when every value is so printed); null with fewer than two
    /// such values or none found. A dev set of 22 words moves its WER by 4.55 points per word, and a run whose WER swings by
    /// that one word is not getting worse (a new user's run was called critical overfitting on 18.18% -> 22.73% with a
    /// flat validation loss).
    /// </summary>
    public static double? WordStep(IReadOnlyList<EpochMetrics> h)
    {
        var values = Series(h, m => m.ValWer).Select(p => p.V)
            .Where(v => v > 1e-9 && Math.Abs(v - 100) > 1e-9).Distinct().ToList();
        if (values.Count < 2) return null;
        bool printed = values.All(v => Math.Abs(v * 100 - Math.Round(v * 100)) < 1e-6); // two decimals, as a log prints them
        for (int n = 1; n <= MaxWordsForStep; n++)
        {
            double tolerance = printed ? 0.0051 * n / 100 : 1e-6; // a value rounded to 0.01 points is off by at most 0.005 of one
            if (values.All(v => Math.Abs(v * n / 100 - Math.Round(v * n / 100)) <= tolerance))
                return 100.0 / n;
        }
        return null;
    }

    /// <summary>The run's own loss scale: the largest finite value of <paramref name="pick"/> after epoch 1 (epoch 1 starts from random outputs).</summary>
    public static double Scale(IReadOnlyList<EpochMetrics> h, Func<EpochMetrics, double?> pick)
    {
        var later = h.Where(m => m.Epoch > 1 && Finite(pick(m))).Select(m => pick(m)!.Value).ToList();
        if (later.Count == 0) later = h.Where(m => Finite(pick(m))).Select(m => pick(m)!.Value).ToList();
        return later.Count == 0 ? 0 : later.Max();
    }

    public static double Median(IEnumerable<double> xs) => Common.Statistics.Median(xs);

    public static string Pct(double share) => (share * 100).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%";

    public static string F(double v) => Evidence.Format(v);

    /// <summary>
    /// Past the grace, with output that is not blank (blank_collapse's to judge), the last <paramref name="epochs"/> epochs' best
    /// val WER is not <paramref name="minGain"/> (default <see cref="DoctorOptions.MinWerGain"/>) better than the best before them
    /// (from epoch <paramref name="firstEpoch"/> on), over at least <paramref name="minWindow"/> validated epochs, and not good:
    /// returns that earlier best. unstable (high rates) and not_learning (modest ones) both judge a WER that has stopped improving.
    /// </summary>
    public static (EpochMetrics M, double V)? StalledWer(IReadOnlyList<EpochMetrics> h, DoctorOptions o, int epochs, double? minGain = null,
        int firstEpoch = 1, int minWindow = 1)
    {
        var last = h[^1];
        if (last.Epoch <= o.GraceEpochs || !Finite(last.ValWer) || last.ValWer <= o.GoodWer) return null;
        if (last.BlankRatio > o.BlankCollapseRatio || last.EmptyRate >= o.EmptyRateCollapse) return null;
        var wer = Series(h, m => m.ValWer);
        int windowStart = last.Epoch - epochs + 1;
        var before = wer.Where(p => p.M.Epoch < windowStart && p.M.Epoch >= firstEpoch).ToList();
        var window = wer.Where(p => p.M.Epoch >= windowStart).ToList();
        if (before.Count == 0 || window.Count < minWindow) return null;
        var best = before.MinBy(p => p.V);
        return window.Min(p => p.V) > best.V - (minGain ?? o.MinWerGain) ? best : null;
    }
}
