using Glossa.Training;
using ScottPlot;

namespace Glossa.Doctor;

/// <summary>
/// PNG plots of a history (ScottPlot 5): loss curves and WER curves with the best epoch marked,
/// the blank ratio per epoch with the collapse threshold, and a histogram of predicted/reference
/// length ratios (per clip from the last prediction samples, else per epoch).
/// </summary>
public static class DiagnosisPlots
{
    const int Width = 900, Height = 520;

    /// <summary>The font file plots use, or null if no TrueType font was found (then <see cref="WriteAll"/> writes nothing).</summary>
    public static string? FontFile => PlotFonts.Ensure();

    /// <summary>Writes every plot that the history has data for; returns the paths. Writes none when no font is
    /// available (see <see cref="FontFile"/>): a plot without axis labels would mislead.</summary>
    public static IReadOnlyList<string> WriteAll(IReadOnlyList<EpochMetrics> history, string dir, DoctorOptions? options = null)
    {
        options ??= new DoctorOptions();
        var files = new List<string>();
        if (PlotFonts.Ensure() is null) return files;
        void Save(Plot? p, string name)
        {
            if (p is null) return;
            string path = Path.Combine(dir, name);
            p.SavePng(path, Width, Height);
            files.Add(path);
        }
        Save(Loss(history), "loss.png");
        Save(Wer(history), "wer.png");
        Save(Blank(history, options), "blank_ratio.png");
        Save(LengthRatios(history), "length_ratio.png");
        return files;
    }

    /// <summary>
    /// Train and validation loss per epoch, the best validation epoch marked, and the weighted
    /// auxiliary training terms (e.g. VAC's <c>conv_ctc</c> and <c>align</c>) dashed when the run has them.
    /// </summary>
    public static Plot? Loss(IReadOnlyList<EpochMetrics> h)
    {
        var train = Points(h, m => m.TrainLoss);
        var val = Points(h, m => m.ValLoss);
        if (train.X.Length == 0 && val.X.Length == 0) return null;
        var plot = new Plot();
        AddLine(plot, train, "train loss", Colors.C0);
        AddLine(plot, val, "val loss", Colors.C1);
        MarkBest(plot, val, "best val loss");
        Color[] termColors = [Colors.C2, Colors.C3, Colors.C4, Colors.C5];
        foreach (var (term, i) in AuxiliaryTerms(h).Select((t, i) => (t, i)))
        {
            var line = AddLine(plot, Points(h, m => m.LossTerms is { } t && t.TryGetValue(term, out double v) ? v : null),
                $"train {term} (weighted)", termColors[i % termColors.Length]);
            if (line is not null) line.LinePattern = LinePattern.Dashed;
        }
        string title = "Loss per epoch";
        // The first epochs of CTC start from huge losses (the reference run: 44.6 at epoch 1 vs ~5 later);
        // keep them from flattening the part that matters.
        var later = train.Y.Skip(1).Concat(val.Y.Skip(1)).ToArray();
        double first = train.Y.Concat(val.Y).Max();
        if (later.Length > 0 && first > 3 * later.Max())
        {
            plot.Axes.SetLimitsY(Math.Min(0, later.Min()), later.Max() * 1.25);
            title += $" (epoch {h[0].Epoch} off scale: {Evidence.Format(first)})";
        }
        Decorate(plot, title, "loss");
        return plot;
    }

    /// <summary>Train and validation WER per epoch; the best validation epoch marked.</summary>
    public static Plot? Wer(IReadOnlyList<EpochMetrics> h)
    {
        var train = Points(h, m => m.TrainWer);
        var val = Points(h, m => m.ValWer);
        if (train.X.Length == 0 && val.X.Length == 0) return null;
        var plot = new Plot();
        AddLine(plot, train, "train WER", Colors.C0);
        AddLine(plot, val, "val WER", Colors.C1);
        MarkBest(plot, val, "best val WER");
        Decorate(plot, "WER per epoch (%)", "WER %");
        return plot;
    }

    /// <summary>Blank share and empty-hypothesis rate per epoch with the collapse threshold.</summary>
    public static Plot? Blank(IReadOnlyList<EpochMetrics> h, DoctorOptions o)
    {
        var blank = Points(h, m => m.BlankRatio);
        var empty = Points(h, m => m.EmptyRate);
        if (blank.X.Length == 0 && empty.X.Length == 0) return null;
        var plot = new Plot();
        AddLine(plot, blank, "blank share of frames", Colors.C0);
        var e = AddLine(plot, empty, "empty hypotheses", Colors.C3);
        if (e is not null) e.LinePattern = LinePattern.Dashed; // often equal to the blank share in a collapse: keep both visible
        var line = plot.Add.HorizontalLine(o.BlankCollapseRatio);
        line.LinePattern = LinePattern.Dashed;
        line.Color = Colors.Red;
        line.LegendText = $"collapse threshold {o.BlankCollapseRatio:0.##}";
        plot.Axes.SetLimitsY(0, 1.05);
        Decorate(plot, "Blank share per epoch", "share");
        plot.ShowLegend(Alignment.LowerLeft); // the shares that matter sit near the top
        return plot;
    }

    /// <summary>Histogram of predicted/reference length ratios.</summary>
    public static Plot? LengthRatios(IReadOnlyList<EpochMetrics> h)
    {
        var last = h.LastOrDefault(m => m.Samples is { Count: > 0 });
        double[] values;
        string what;
        if (last is not null)
        {
            values = last.Samples!.Select(s => (DiagnosisReport.Words(s.Target), DiagnosisReport.Words(s.Pred)))
                .Where(p => p.Item1 > 0).Select(p => (double)p.Item2 / p.Item1).ToArray();
            what = $"per clip, epoch {last.Epoch} ({values.Length} clips)";
        }
        else
        {
            values = h.Where(m => m.LengthRatio is { } v && double.IsFinite(v)).Select(m => m.LengthRatio!.Value).ToArray();
            what = $"per epoch ({values.Length} epochs)";
        }
        if (values.Length == 0) return null;
        double max = Math.Max(1.5, Math.Ceiling(values.Max() * 4) / 4);
        const int bins = 15;
        double width = max / bins;
        var counts = new double[bins];
        foreach (double v in values)
            counts[Math.Min(bins - 1, (int)(v / width))]++;
        var plot = new Plot();
        var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(i => (i + 0.5) * width).ToArray(), counts);
        foreach (var b in bars.Bars) b.Size = width * 0.95;
        bars.Color = Colors.C0;
        var one = plot.Add.VerticalLine(1.0);
        one.LinePattern = LinePattern.Dashed;
        one.Color = Colors.Green;
        one.LegendText = "ideal (1.0)";
        plot.Axes.Margins(bottom: 0);
        plot.Title($"Predicted / reference length, {what}");
        plot.XLabel("length ratio");
        plot.YLabel("count");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>The loss terms besides the main CTC (<c>ctc</c> is the train loss itself), in a fixed order.</summary>
    internal static IReadOnlyList<string> AuxiliaryTerms(IReadOnlyList<EpochMetrics> h) =>
        [.. h.Where(m => m.LossTerms is not null).SelectMany(m => m.LossTerms!.Keys).Distinct().Where(k => k != "ctc").Order(StringComparer.Ordinal)];

    static (double[] X, double[] Y) Points(IReadOnlyList<EpochMetrics> h, Func<EpochMetrics, double?> pick)
    {
        var pts = h.Where(m => pick(m) is { } v && double.IsFinite(v)).Select(m => ((double)m.Epoch, pick(m)!.Value)).ToArray();
        return (pts.Select(p => p.Item1).ToArray(), pts.Select(p => p.Item2).ToArray());
    }

    static ScottPlot.Plottables.Scatter? AddLine(Plot plot, (double[] X, double[] Y) s, string label, Color color)
    {
        if (s.X.Length == 0) return null;
        var sc = plot.Add.Scatter(s.X, s.Y);
        sc.LegendText = label;
        sc.Color = color;
        sc.LineWidth = 2;
        sc.MarkerSize = s.X.Length <= 30 ? 6 : 0;
        return sc;
    }

    static void MarkBest(Plot plot, (double[] X, double[] Y) s, string label)
    {
        if (s.X.Length == 0) return;
        int i = Array.IndexOf(s.Y, s.Y.Min());
        var line = plot.Add.VerticalLine(s.X[i]);
        line.LinePattern = LinePattern.Dotted;
        line.Color = Colors.Black;
        line.LegendText = $"{label}: epoch {s.X[i]:0} ({Evidence.Format(s.Y[i])})";
    }

    static void Decorate(Plot plot, string title, string y)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(y);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.UpperRight);
    }
}
