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
    /// Whether validation improved between <paramref name="fromEpoch"/> and the last entry: WER fell by
    /// at least <c>MinWerGain</c> points, or validation loss (else training loss) fell by <c>MinLossGain</c>.
    /// </summary>
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

    public static bool ValidationProgress(IReadOnlyList<EpochMetrics> h, int fromEpoch, DoctorOptions o)
    {
        var last = h[^1];
        if (Finite(last.ValWer) && AtOrBefore(h, fromEpoch, m => m.ValWer) is { } w0 && w0.V - last.ValWer!.Value >= o.MinWerGain)
            return true;
        Func<EpochMetrics, double?> loss = Finite(last.ValLoss) ? m => m.ValLoss : m => m.TrainLoss;
        if (AtOrBefore(h, fromEpoch, loss) is { } l0 && Finite(loss(last)) && l0.V > 0)
            return (l0.V - loss(last)!.Value) / l0.V >= o.MinLossGain;
        return false;
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
}
