using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glossa.Doctor;

/// <summary>
/// Builds a ready-to-run <c>glossa train</c> command from the run's own options with some of
/// them changed. The source is the run's resolved options (a Glossa <c>config.json</c>: every option
/// that differs from the trainer's defaults, plus model, corpus, epochs, rate and output folder;
/// snake_case keys become kebab-case options: <c>weight_decay</c> -> <c>--weight-decay</c>), else the
/// original command line (<see cref="RunContext.CommandLine"/>), else a flat options object.
/// The output folder always gets a new name (<c>RUN</c> -> <c>RUN_v2</c>, or the next <c>_vN</c> that does not exist yet)
/// so the old run, and a run of earlier advice, are kept.
/// </summary>
public sealed class TrainCommandBuilder
{
    /// <summary>config.json keys that describe the run rather than set an option of <c>glossa train</c>.</summary>
    static readonly HashSet<string> NotOptions = new(StringComparer.Ordinal)
    {
        "version", "glossa_version", "created", "created_at", "git_commit", "vocabulary", "vocab_size",
        "parameter_count", "parameters", "device_name", "command", "command_line", "argv", "resolved",
        "written_utc", "vocabulary_size", "resume", "overwrite", "dry_run", "json",
        "recipe_settings", // what --recipe filled in: the preset's values are options of their own in the config
    };

    /// <summary>Flags that act on the given run folder only; a command for a new run leaves them out.</summary>
    static readonly HashSet<string> OneRunOnly = new(StringComparer.Ordinal) { "overwrite", "resume", "dry-run" };

    /// <summary>Options shown first, in this order, when rebuilding from config.json.</summary>
    static readonly string[] Leading = ["model", "corpus"];

    readonly List<(string Name, string? Value)> options;
    readonly Dictionary<string, string> modelValues = new(StringComparer.Ordinal);
    readonly string program;
    /// <summary>The command the run was: <c>train</c>, or <c>distill</c> for a run with a teacher.</summary>
    readonly string verb = "train";

    /// <summary>Creates a builder from what the run context has.</summary>
    public TrainCommandBuilder(RunContext context, string program = "./glossa")
    {
        this.program = program;
        // The resolved options are what the run used (defaults of that version included); the command line is the
        // fallback for a context without them.
        options = context.Config?["training"] is JsonObject || context.CommandLine is not { Count: > 0 }
            ? FromConfig(context.Config)
            : FromArgs(context.CommandLine);
        if (!options.Any(o => o.Name == "model") && context.ModelName is { } m)
            options.Insert(0, ("model", m));
        // A distillation run restarts as one: the same teacher and distillation options (a new user's trial: the doctor's
        // restart of a distilled student was a plain train command, which drops the teacher).
        if (context.Config?["distillation"] is JsonObject kd && kd["teacher"] is JsonValue teacher && teacher.TryGetValue<string>(out var t))
        {
            verb = "distill";
            var inv = CultureInfo.InvariantCulture;
            var distill = new List<(string, string?)> { ("teacher", t) };
            if (kd["temperature"] is JsonValue temp && temp.TryGetValue<double>(out double temperature)) distill.Add(("kd-temperature", temperature.ToString(inv)));
            if (kd["weight"] is JsonValue wv && wv.TryGetValue<double>(out double weight)) distill.Add(("kd-weight", weight.ToString(inv)));
            if (kd["non_blank_only"] is JsonValue nb && nb.TryGetValue<bool>(out bool nonBlank) && nonBlank) distill.Add(("kd-non-blank", null));
            if (kd["cache"] is JsonValue cache && cache.GetValueKind() == JsonValueKind.String) distill.Add(("cache-teacher", null));
            options.InsertRange(Math.Min(options.Count, options.FindLastIndex(o => o.Name is "model" or "corpus") + 1), distill);
        }
        else if (context.Config?["training"] is not JsonObject && context.CommandLine is [ "distill", .. ])
        {
            verb = "distill";
        }
        // A Glossa config.json also has the resolved model config: its hidden_dim and dropout are the
        // values in use when the training options left them to the model's defaults.
        if (context.Config?["model"] is JsonObject model)
            foreach (var (key, node) in model)
                if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
                    modelValues[Canonical(key)] = v.ToJsonString();
    }

    /// <summary>The current value of option <paramref name="name"/> (kebab-case, no dashes), or null.</summary>
    public string? Get(string name) =>
        options.FirstOrDefault(o => o.Name == Canonical(name)).Value ?? modelValues.GetValueOrDefault(Canonical(name));

    /// <summary>
    /// The command with the given options changed or added (values formatted invariantly; a null value
    /// removes the option) and a fresh output folder.
    /// </summary>
    public string Build(IEnumerable<KeyValuePair<string, object?>> changes)
    {
        var list = options.ToList();
        foreach (var (rawName, value) in changes)
        {
            string name = Canonical(rawName);
            int i = list.FindIndex(o => o.Name == name);
            if (value is null)
            {
                if (i >= 0) list.RemoveAt(i);
                continue;
            }
            string? text = value is true ? null : FormatValue(value); // true: a flag without a value
            if (i >= 0) list[i] = (name, text);
            else list.Add((name, text));
        }
        int outIndex = list.FindIndex(o => o.Name is "output-dir" or "output" or "out");
        if (outIndex >= 0)
        {
            var o = list[outIndex];
            list.RemoveAt(outIndex);
            list.Add((o.Name, FreeRunName(o.Value ?? "runs/run")));
        }
        else
        {
            list.Add(("output-dir", "RUN_v2"));
        }
        var parts = new List<string> { program, verb };
        foreach (var (n, v) in list)
        {
            parts.Add("--" + n);
            if (v is not null) parts.Add(Quote(v));
        }
        return string.Join(' ', parts);
    }

    /// <summary>The command with the options of <paramref name="changes"/> (name, value pairs).</summary>
    public string Build(params (string Name, object? Value)[] changes) =>
        Build(changes.Select(c => new KeyValuePair<string, object?>(c.Name, c.Value)));

    /// <summary><c>runs/a</c> -> <c>runs/a_v2</c>; <c>runs/a_v2</c> -> <c>runs/a_v3</c>.</summary>
    public static string NextRunName(string dir)
    {
        string trimmed = dir.TrimEnd('/');
        int us = trimmed.LastIndexOf("_v", StringComparison.Ordinal);
        if (us > 0 && int.TryParse(trimmed[(us + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out int k))
            return $"{trimmed[..us]}_v{k + 1}";
        return trimmed + "_v2";
    }

    /// <summary>
    /// <see cref="NextRunName"/>, past the folders that already exist (from the current folder, where the command is
    /// run): after the advice's first run wrote <c>runs/a_v2</c>, the next diagnosis proposes <c>runs/a_v3</c>, not a
    /// command that stops on the existing folder.
    /// </summary>
    static string FreeRunName(string dir)
    {
        string name = NextRunName(dir);
        for (int i = 0; i < 1000 && Directory.Exists(name); i++)
            name = NextRunName(name);
        return name;
    }

    /// <summary>
    /// <paramref name="findings"/> with every distinct train command writing a folder of its own: each finding's commands
    /// were built from the run's folder alone (at the epoch that raised it), so two findings could both name <c>RUN_v2</c>
    /// for different runs, and the second would then stop on the first one's folder (a new user's trial). A command whose
    /// folder an earlier, different command names gets the next <c>_vN</c> that no command names and no folder holds; the
    /// same command in two findings keeps one folder. <paramref name="folders"/> (command without its folder -> folder) carries
    /// the numbering across calls: the live log numbers every epoch's new findings against the commands it printed before.
    /// </summary>
    public static IReadOnlyList<Finding> SeparateRunFolders(IReadOnlyList<Finding> findings, Dictionary<string, string>? folders = null)
    {
        folders ??= new Dictionary<string, string>(StringComparer.Ordinal);
        return findings.Select(f => f with { Actions = f.Actions.Select(a => a.Command is { } c ? a with { Command = Separate(c, folders) } : a).ToList() }).ToList();
    }

    /// <summary>The train command with its own output folder (<see cref="Build(IEnumerable{KeyValuePair{string, object?}})"/> writes it last).</summary>
    static string Separate(string command, Dictionary<string, string> folders)
    {
        const string flag = " --output-dir ";
        int at = command.LastIndexOf(flag, StringComparison.Ordinal);
        if (!command.Contains(" train ", StringComparison.Ordinal) && !command.Contains(" distill ", StringComparison.Ordinal) || at < 0) return command;
        string stem = command[..(at + flag.Length)], folder = command[(at + flag.Length)..];
        if (folder.Contains(' ', StringComparison.Ordinal) || folder.StartsWith('\'')) return command; // a quoted folder: left as built
        if (!folders.TryGetValue(stem, out string? name))
        {
            name = folder;
            while (folders.ContainsValue(name)) name = FreeRunName(name);
            folders[stem] = name;
        }
        return stem + name;
    }

    static string Canonical(string name) => name.TrimStart('-').Replace('_', '-').ToLowerInvariant();

    static string FormatValue(object value) => value switch
    {
        double d => Decimal(d),
        float f => Decimal(f),
        bool b => b ? "true" : "false",
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Plain decimals (0.000001, not 1E-06) from 1e-6 up; smaller values, which ten decimals would round away, in exponent form.</summary>
    static string Decimal(double d) =>
        d == 0 || Math.Abs(d) >= 1e-6
            ? d.ToString("0.##########", CultureInfo.InvariantCulture)
            : d.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>A config.json number as a user would type it: 1E-06 (System.Text.Json's form) -> 0.000001, like the changed values.</summary>
    static string NumberText(JsonValue value) =>
        value.TryGetValue(out long l) ? l.ToString(CultureInfo.InvariantCulture)
        // A config built in code holds the .NET type it was given (int, float, decimal), not a parsed JSON number.
        : value.TryGetValue(out int i) ? i.ToString(CultureInfo.InvariantCulture)
        : value.TryGetValue(out double d) ? FormatValue(d)
        : value.TryGetValue(out float f) ? FormatValue(f)
        : value.TryGetValue(out decimal m) ? FormatValue((double)m)
        : value.ToJsonString();

    static string Quote(string v) =>
        v.Length > 0 && v.All(c => char.IsLetterOrDigit(c) || "-_./:=+,@%".Contains(c)) ? v : "'" + v.Replace("'", "'\\''") + "'";

    static List<(string, string?)> FromArgs(IReadOnlyList<string> args)
    {
        var list = new List<(string, string?)>();
        int start = args.Count > 0 && args[0] is "train" or "distill" ? 1 : 0;
        for (int i = start; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
                continue; // a stray positional argument; the train command takes none
            if (OneRunOnly.Contains(Canonical(a.Split('=')[0])))
                continue; // the advice starts a new run in a new folder: never overwrite or resume one
            int eq = a.IndexOf('=');
            if (eq > 0)
            {
                list.Add((Canonical(a[..eq]), a[(eq + 1)..]));
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                list.Add((Canonical(a), args[i + 1]));
                i++;
            }
            else
            {
                list.Add((Canonical(a), null));
            }
        }
        return list;
    }

    static List<(string, string?)> FromConfig(JsonObject? config)
    {
        var list = new List<(string, string?)>();
        if (config is null) return list;
        // A Glossa run's config.json keeps the options under "training" (and the model config under "model").
        bool glossa = config["training"] is JsonObject;
        var source = glossa ? (JsonObject)config["training"]! : config;
        var defaults = glossa ? Flattened(DefaultTrainingOptions()) : null;
        foreach (var (key, node) in Flattened(source))
        {
            if (NotOptions.Contains(key) || node is null) continue;
            if (node is JsonArray array) // e.g. step_milestones: [20, 35] -> --step-milestones 20,35
            {
                if (defaults is not null && defaults[key] is JsonNode da && JsonNode.DeepEquals(da, node)) continue;
                if (array.Count > 0 && array.All(x => x is JsonValue))
                    list.Add((OptionOf(key), string.Join(',', array.Select(x => x is JsonValue v0 && v0.GetValueKind() == JsonValueKind.String ? v0.GetValue<string>() : x!.ToJsonString()))));
                continue;
            }
            if (node is not JsonValue value) continue;
            // Unchanged defaults are left out so the command shows what this run chose.
            if (defaults is not null && !AlwaysShown.Contains(key) && defaults[key] is JsonNode d && JsonNode.DeepEquals(d, node)) continue;
            var kind = value.GetValueKind();
            if (Training.TrainingOptions.NegatedOptions.TryGetValue(key, out var negated)) // e.g. augment: false -> --no-augment (there is no --augment)
            {
                if (kind == JsonValueKind.False) list.Add((negated, null));
                continue;
            }
            string name = OptionOf(key);
            switch (kind)
            {
                case System.Text.Json.JsonValueKind.String: list.Add((name, value.GetValue<string>())); break;
                case System.Text.Json.JsonValueKind.Number: list.Add((name, NumberText(value))); break;
                case System.Text.Json.JsonValueKind.True: list.Add((name, null)); break;
                default: break; // false or null: the option is off or unset, leave it out
            }
        }
        return list.OrderBy(o => Rank(o.Item1)).ToList(); // stable: model and corpus first, the rest in config order
    }

    /// <summary>The command-line option (without dashes) of a config key: <see cref="Training.TrainingOptions.RenamedOptions"/>, and the schedule as <c>--lr-schedule</c>.</summary>
    static string OptionOf(string key) =>
        key == "schedule" ? "lr-schedule" : Training.TrainingOptions.RenamedOptions.TryGetValue(key, out var renamed) ? renamed : Canonical(key);

    /// <summary>
    /// A copy of a training-options object with its nested option groups (the auxiliary objectives)
    /// lifted to the top level: on the command line they are options of their own.
    /// </summary>
    static JsonObject Flattened(JsonObject source)
    {
        var flat = new JsonObject();
        foreach (var (key, node) in source)
        {
            if (key == "objectives" && node is JsonObject group)
                foreach (var (innerKey, inner) in group)
                    flat[innerKey] = inner?.DeepClone();
            else
                flat[key] = node?.DeepClone();
        }
        return flat;
    }

    /// <summary>True when the command has option <paramref name="name"/> (kebab-case), flag or not.</summary>
    public bool Has(string name) => options.Any(o => o.Name == Canonical(name));

    /// <summary>Options shown even at their default value.</summary>
    static readonly HashSet<string> AlwaysShown = new(StringComparer.Ordinal) { "model", "corpus", "output_dir", "epochs", "learning_rate" };

    /// <summary>The trainer's defaults, serialised the way config.json is.</summary>
    static JsonObject DefaultTrainingOptions() =>
        (JsonObject)JsonSerializer.SerializeToNode(new Glossa.Training.TrainingOptions(), Glossa.Training.Checkpoint.Json)!;

    static int Rank(string name)
    {
        int i = Array.IndexOf(Leading, name);
        return i < 0 ? Leading.Length : i;
    }
}
