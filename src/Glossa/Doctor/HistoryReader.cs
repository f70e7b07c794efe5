using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Common;
using Glossa.Training;

namespace Glossa.Doctor;

/// <summary>
/// Reads a training history from any toolkit: a CSV with a header, a JSON array of objects, or
/// JSON lines (Glossa's <c>metrics.jsonl</c>). Columns (snake_case, a few common aliases
/// accepted): <c>epoch</c> and <c>train_loss</c> are required; <c>val_loss</c>, <c>train_wer</c>,
/// <c>val_wer</c> (percent), <c>blank_ratio</c>, <c>empty_rate</c>, <c>length_ratio</c>,
/// <c>learning_rate</c>, <c>grad_norm_mean</c>, <c>grad_norm_max</c>, <c>train_loss_max</c>,
/// <c>steps</c>, <c>seconds</c>, <c>data_wait_share</c>, <c>distill_loss</c> are optional, and JSON
/// histories may carry <c>samples</c> and <c>loss_terms</c> (an object of numbers); others are
/// ignored. NaN and infinities are kept (the non_finite rule needs them); a malformed value is an
/// error naming the file, line and column.
/// </summary>
public static class HistoryReader
{
    static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["epoch"] = "epoch",
        ["train_loss"] = "train_loss", ["loss"] = "train_loss", ["training_loss"] = "train_loss",
        ["val_loss"] = "val_loss", ["valid_loss"] = "val_loss", ["dev_loss"] = "val_loss", ["validation_loss"] = "val_loss", ["eval_loss"] = "val_loss",
        ["train_wer"] = "train_wer",
        ["val_wer"] = "val_wer", ["valid_wer"] = "val_wer", ["dev_wer"] = "val_wer", ["validation_wer"] = "val_wer", ["wer"] = "val_wer", ["eval_wer"] = "val_wer",
        ["blank_ratio"] = "blank_ratio", ["blank_share"] = "blank_ratio",
        ["empty_rate"] = "empty_rate", ["empty_ratio"] = "empty_rate",
        ["length_ratio"] = "length_ratio", ["len_ratio"] = "length_ratio",
        ["learning_rate"] = "learning_rate", ["lr"] = "learning_rate",
        ["grad_norm_mean"] = "grad_norm_mean", ["grad_norm"] = "grad_norm_mean",
        ["grad_norm_max"] = "grad_norm_max",
        ["train_loss_max"] = "train_loss_max",
        ["steps"] = "steps", ["step"] = "steps",
        ["seconds"] = "seconds",
        ["data_wait_share"] = "data_wait_share",
        ["distill_loss"] = "distill_loss",
    };

    /// <summary>Reads the file, choosing the format from its extension or, failing that, its first character.</summary>
    public static List<EpochMetrics> Read(string path)
    {
        if (!File.Exists(path))
            throw new GlossaException($"{path}: history file not found");
        string text = File.ReadAllText(path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        char first = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n').FirstOrDefault();
        List<EpochMetrics> list = ext switch
        {
            ".csv" or ".tsv" => ReadCsv(path, text),
            ".jsonl" or ".ndjson" => ReadJsonLines(path, text),
            _ when first == '[' => ReadJsonArray(path, text),
            _ when first == '{' => ReadJsonLines(path, text),
            _ => ReadCsv(path, text),
        };
        if (list.Count == 0)
            throw new GlossaException($"{path}: no epochs in the history; expected a header and one line per epoch with at least epoch and train_loss");
        return list;
    }

    /// <summary>Parses CSV (comma, semicolon or tab separated) with a header line.</summary>
    public static List<EpochMetrics> ReadCsv(string path, string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        int headerLine = Array.FindIndex(lines, l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
        if (headerLine < 0) return [];
        string header = lines[headerLine].TrimStart('\uFEFF');
        char sep = header.Contains('\t') ? '\t' : header.Contains(',') ? ',' : header.Contains(';') ? ';' : ',';
        var names = header.Split(sep).Select(h => h.Trim().Trim('"')).ToArray();
        var columns = names.Select(n => Aliases.TryGetValue(n, out var c) ? c : null).ToArray();
        Require(path, columns, "epoch");
        Require(path, columns, "train_loss");
        var list = new List<EpochMetrics>();
        for (int i = headerLine + 1; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var cells = line.Split(sep);
            if (cells.Length != names.Length)
                throw new GlossaException($"{path} line {i + 1}: {cells.Length} fields but the header has {names.Length}; fix or delete the line");
            var values = new Dictionary<string, double?>();
            for (int c = 0; c < cells.Length; c++)
            {
                if (columns[c] is not { } col) continue;
                values[col] = ParseNumber(cells[c].Trim().Trim('"'), () => $"{path} line {i + 1}, column '{names[c]}'");
            }
            list.Add(Build(values, null, $"{path} line {i + 1}"));
        }
        return list;
    }

    /// <summary>Parses one JSON object per line (blank lines allowed).</summary>
    public static List<EpochMetrics> ReadJsonLines(string path, string text)
    {
        var list = new List<EpochMetrics>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(lines[i]); }
            catch (JsonException e) { throw new GlossaException($"{path} line {i + 1}: not valid JSON ({e.Message.Split('.')[0]}); each line must be one JSON object"); }
            if (node is not JsonObject obj)
                throw new GlossaException($"{path} line {i + 1}: expected a JSON object per line");
            list.Add(FromJson(obj, $"{path} line {i + 1}"));
        }
        return list;
    }

    /// <summary>Parses a JSON array of objects.</summary>
    public static List<EpochMetrics> ReadJsonArray(string path, string text)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(text); }
        catch (JsonException e) { throw new GlossaException($"{path}: not valid JSON (line {e.LineNumber + 1}); expected an array of objects with epoch and train_loss"); }
        if (node is not JsonArray arr)
            throw new GlossaException($"{path}: expected a JSON array of epoch objects");
        var list = new List<EpochMetrics>();
        for (int i = 0; i < arr.Count; i++)
        {
            if (arr[i] is not JsonObject obj)
                throw new GlossaException($"{path}: element {i} of the array is not an object");
            list.Add(FromJson(obj, $"{path} element {i} (epoch object #{i + 1})"));
        }
        return list;
    }

    static EpochMetrics FromJson(JsonObject obj, string where)
    {
        var values = new Dictionary<string, double?>();
        foreach (var (key, value) in obj)
        {
            if (!Aliases.TryGetValue(key, out var col)) continue;
            values[col] = value switch
            {
                null => null,
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
                JsonValue v when v.GetValueKind() == JsonValueKind.String => ParseNumber(v.GetValue<string>(), () => $"{where}, field '{key}'"),
                JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
                _ => throw new GlossaException($"{where}: field '{key}' must be a number"),
            };
        }
        List<PredictionSample>? samples = null;
        if (obj["samples"] is JsonArray sa)
        {
            samples = [];
            foreach (var s in sa.OfType<JsonObject>())
                samples.Add(new PredictionSample(Str(s["id"]), Str(s["target"] ?? s["ref"]), Str(s["pred"] ?? s["hyp"])));
        }
        return Build(values, samples, where) with { LossTerms = LossTerms(obj["loss_terms"], where) };
    }

    /// <summary>The <c>loss_terms</c> object of a metrics.jsonl line (runs with auxiliary objectives), or null.</summary>
    static Dictionary<string, double>? LossTerms(JsonNode? node, string where)
    {
        if (node is null) return null;
        if (node is not JsonObject terms)
            throw new GlossaException($"{where}: field 'loss_terms' must be an object of numbers, e.g. {{\"ctc\": 2.1, \"align\": 0.4}}");
        var result = new Dictionary<string, double>();
        foreach (var (name, value) in terms)
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
                throw new GlossaException($"{where}: loss_terms.{name} must be a number");
            result[name] = v.GetValue<double>();
        }
        return result;
    }

    static string Str(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : n?.ToJsonString() ?? "";

    static EpochMetrics Build(Dictionary<string, double?> v, IReadOnlyList<PredictionSample>? samples, string where)
    {
        double? Get(string k) => v.TryGetValue(k, out var x) ? x : null;
        if (Get("epoch") is not { } epoch || !double.IsFinite(epoch) || epoch != Math.Floor(epoch) || epoch < 0)
            throw new GlossaException($"{where}: missing or invalid 'epoch' (a whole number is required)");
        if (!v.TryGetValue("train_loss", out var train) || train is null)
            throw new GlossaException($"{where}: missing 'train_loss'");
        return new EpochMetrics
        {
            Epoch = (int)epoch,
            TrainLoss = train.Value,
            ValLoss = Get("val_loss"),
            TrainWer = Get("train_wer"),
            ValWer = Get("val_wer"),
            BlankRatio = Get("blank_ratio"),
            EmptyRate = Get("empty_rate"),
            LengthRatio = Get("length_ratio"),
            LearningRate = Get("learning_rate"),
            GradNormMean = Get("grad_norm_mean"),
            GradNormMax = Get("grad_norm_max"),
            TrainLossMax = Get("train_loss_max"),
            Steps = Get("steps") is { } st && double.IsFinite(st) ? (long)st : null,
            Seconds = Get("seconds"),
            DataWaitShare = Get("data_wait_share"),
            DistillLoss = Get("distill_loss"),
            Samples = samples,
        };
    }

    static void Require(string path, string?[] columns, string name)
    {
        if (!columns.Contains(name))
            throw new GlossaException($"{path}: the header has no '{name}' column; columns needed: epoch, train_loss (optional: val_loss, train_wer, val_wer, blank_ratio, empty_rate, ...)");
    }

    static double? ParseNumber(string s, Func<string> where)
    {
        if (s.Length == 0 || s.Equals("null", StringComparison.OrdinalIgnoreCase) || s == "-") return null;
        string t = s.TrimEnd('%');
        if (t.Equals("nan", StringComparison.OrdinalIgnoreCase)) return double.NaN;
        if (t.Equals("inf", StringComparison.OrdinalIgnoreCase) || t.Equals("infinity", StringComparison.OrdinalIgnoreCase) || t == "+inf") return double.PositiveInfinity;
        if (t.Equals("-inf", StringComparison.OrdinalIgnoreCase) || t.Equals("-infinity", StringComparison.OrdinalIgnoreCase)) return double.NegativeInfinity;
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        throw new GlossaException($"{where()}: '{s}' is not a number");
    }
}
