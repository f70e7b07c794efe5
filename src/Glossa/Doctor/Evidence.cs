namespace Glossa.Doctor;

/// <summary>
/// One measured number behind a finding, e.g. <c>val_wer = 90.83 at epoch 60</c>.
/// </summary>
/// <param name="Name">Metric name (snake_case, as in metrics.jsonl), e.g. <c>blank_ratio</c>.</param>
/// <param name="Value">The measured value.</param>
/// <param name="Epoch">The epoch it was measured in, when it belongs to one.</param>
public sealed record Evidence(string Name, double Value, int? Epoch = null)
{
    /// <summary>Human form: <c>blank_ratio = 0.93 (epoch 60)</c>.</summary>
    public override string ToString() =>
        Epoch is { } e ? $"{Name} = {Format(Value)} (epoch {e})" : $"{Name} = {Format(Value)}";

    /// <summary>Formats a number with a precision suited to its size (ratios 3 digits, losses 2 decimals).</summary>
    public static string Format(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        double a = Math.Abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e6)) return v.ToString("0.###e+0", System.Globalization.CultureInfo.InvariantCulture);
        if (a >= 1000) return v.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture);
        if (a >= 100) return v.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
        if (a == Math.Round(a) && a >= 10) return v.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
        if (a < 1) return v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        return v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
    }
}
