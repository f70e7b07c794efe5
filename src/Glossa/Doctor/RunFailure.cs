using System.Globalization;
using System.Text.Json;
using Glossa.Common;

namespace Glossa.Doctor;

/// <summary>
/// How a run ended when it did not end well, as its folder records it: <c>failure.json</c> (the
/// dump of a non-finite loss or gradient: quantity, value, epoch, step, first module, samples) and
/// the <c>status</c> and <c>message</c> of <c>summary.json</c>. A diagnosis that ignored these
/// would call a dead run healthy when its last complete epochs looked fine.
/// </summary>
public sealed record RunFailure
{
    public const string FailureFile = "failure.json", SummaryFile = "summary.json";

    /// <summary>summary.json status ("failed", "completed", ...; null when there is no summary).</summary>
    public string? Status { get; init; }
    /// <summary>summary.json message: why the run ended.</summary>
    public string? Message { get; init; }
    /// <summary>From failure.json: what was non-finite ("loss", "gradient norm", ...), when a dump exists.</summary>
    public string? Quantity { get; init; }
    public double Value { get; init; } = double.NaN;
    public int Epoch { get; init; }
    public long? Step { get; init; }
    public string? Module { get; init; }
    public IReadOnlyList<string> SampleIds { get; init; } = [];

    /// <summary>True when the folder records a non-finite failure dump.</summary>
    public bool NonFinite => Quantity is not null;

    /// <summary>Reads the failure of the run in <paramref name="dir"/>; null when the run did not fail (or is still running).</summary>
    public static RunFailure? Read(string dir)
    {
        var failure = new RunFailure();
        if (Summary(dir) is var (status, message))
            failure = failure with { Status = status, Message = message };
        string dump = Path.Combine(dir, FailureFile);
        if (File.Exists(dump))
        {
            using var doc = Parse(dump);
            var root = doc.RootElement;
            failure = failure with
            {
                Quantity = Text(root, "quantity") ?? "loss",
                Value = Number(root, "value") ?? double.NaN,
                Epoch = (int)(Number(root, "epoch") ?? 0),
                Step = Number(root, "step") is { } s ? (long)s : null,
                Module = Text(root, "first_non_finite_module"),
                SampleIds = root.TryGetProperty("sample_ids", out var ids) && ids.ValueKind == JsonValueKind.Array
                    ? ids.EnumerateArray().Select(i => i.ToString()).ToList() : [],
            };
        }
        bool failed = failure.NonFinite || string.Equals(failure.Status, "failed", StringComparison.OrdinalIgnoreCase);
        return failed ? failure : null;
    }

    /// <summary>Adds the failure to <paramref name="monitor"/> as a critical finding (non_finite with the dump, else failed).</summary>
    public void ApplyTo(HealthMonitor monitor)
    {
        if (NonFinite)
        {
            string quantity = Quantity!.Replace(' ', '_');
            monitor.ReportNonFinite(Epoch, Step, Module, quantity, Value);
            return;
        }
        monitor.ReportFailure(Message is { Length: > 0 } m ? m : "the run failed (summary.json status 'failed')");
    }

    /// <summary>summary.json's status and message in <paramref name="dir"/>; null while the run has no summary (it runs).</summary>
    internal static (string? Status, string? Message)? Summary(string dir)
    {
        string summary = Path.Combine(dir, SummaryFile);
        if (!File.Exists(summary)) return null;
        using var doc = Parse(summary);
        var root = doc.RootElement;
        return (Text(root, "status"), Text(root, "message"));
    }

    static JsonDocument Parse(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new GlossaException($"{path}: not valid JSON (line {e.LineNumber + 1}); the run folder is damaged, delete or fix this file"); }
    }

    static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static double? Number(JsonElement root, string name)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        // NaN and infinities are written as the strings "NaN", "Infinity", "-Infinity".
        return v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null;
    }
}
