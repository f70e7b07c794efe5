using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Common;
using Glossa.Training;

namespace Glossa.Doctor;

/// <summary>
/// A training run folder as the doctor reads it (the trainer writes it with Glossa.Training.RunFolder): <c>metrics.jsonl</c> (required, one
/// <see cref="EpochMetrics"/> per line), <c>config.json</c> (the resolved training options, read
/// leniently) and <c>run_context.json</c> (optional, a serialised <see cref="RunContext"/>).
/// </summary>
public sealed record RunRecord(string Directory, IReadOnlyList<EpochMetrics> History, RunContext Context)
{
    /// <summary>The doctor's own file inside a run folder (the trainer's names are <see cref="RunFolder"/>'s).</summary>
    public const string ContextFile = RunFolder.DoctorContextFile;

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Loads a run folder; a missing metrics file is an error that says what to do.</summary>
    public static RunRecord Load(string dir)
    {
        if (!System.IO.Directory.Exists(dir))
            throw new GlossaException($"{dir}: run folder not found");
        string metrics = Path.Combine(dir, RunFolder.MetricsFile);
        bool failed = RunFailure.Read(dir) is not null; // a run that died in its first epoch still has a diagnosis
        if (!File.Exists(metrics) && !failed && File.Exists(Path.Combine(dir, RunFolder.ConfigFile)))
            throw new GlossaException($"{dir}: the run has no finished epoch yet (no {RunFolder.MetricsFile}); diagnose it once its first epoch is done, or continue it with --resume");
        if (!File.Exists(metrics) && !failed)
        {
            // A demo's --output-dir holds its run one level down (OUT/run): name the folder that has the metrics.
            var inside = System.IO.Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, RunFolder.MetricsFile))).Order(StringComparer.Ordinal).ToList();
            string hint = inside.Count > 0 ? $"; the run is in {string.Join(" or ", inside.Take(3))}" : "; point at a glossa run folder, or use --history FILE for a CSV/JSON history from another toolkit";
            throw new GlossaException($"{dir}: no {RunFolder.MetricsFile}{hint}");
        }
        var history = File.Exists(metrics) ? HistoryReader.ReadJsonLines(metrics, File.ReadAllText(metrics)) : [];
        if (history.Count == 0 && !failed)
            throw new GlossaException($"{metrics}: empty; the run has not finished an epoch yet");

        RunContext context = new();
        string ctxPath = Path.Combine(dir, ContextFile);
        // An empty file is what a full disk left before it was written atomically: the context is optional, so it is read as absent.
        if (File.Exists(ctxPath) && new FileInfo(ctxPath).Length > 0)
        {
            try { context = JsonSerializer.Deserialize<RunContext>(File.ReadAllText(ctxPath), Json) ?? new RunContext(); }
            catch (JsonException e) { throw new GlossaException($"{ctxPath}: not a valid run context ({e.Message.Split('.')[0]}); delete it or fix it"); }
        }
        JsonObject? config = null;
        // A resumed run's latest options (epochs, rate, ...) are in config.resume.json.
        string cfgPath = Path.Combine(dir, RunFolder.ResumeConfigFile);
        if (!File.Exists(cfgPath))
            cfgPath = Path.Combine(dir, RunFolder.ConfigFile);
        if (File.Exists(cfgPath))
        {
            try { config = JsonNode.Parse(File.ReadAllText(cfgPath)) as JsonObject; }
            catch (JsonException) { config = null; } // lenient: the config only improves the advice
        }
        var unresolved = new List<string>();
        context = context with
        {
            Config = context.Config ?? Relocated(config, dir, context.WorkingDirectory, unresolved),
            ModelName = context.ModelName ?? Scalar(config, "model") ?? Scalar(config?["training"] as JsonObject, "model") ?? Scalar(config, "model_name"),
            TemporalStride = context.TemporalStride ?? (int.TryParse(Scalar(config, "temporal_stride"), out int s) ? s : null),
        };
        if (unresolved.Count > 0) context = context with { UnresolvedPaths = unresolved };
        return new RunRecord(dir, history, context);
    }

    /// <summary>
    /// The options of a run folder moved or copied since it was written (they name another output folder) with
    /// <paramref name="dir"/> as its output folder, so the advice's commands write their new runs beside the folder as
    /// it is now (and as the user named it), not where it once was.
    /// </summary>
    static JsonObject? Relocated(JsonObject? config, string dir, string? workingDirectory = null, List<string>? unresolved = null)
    {
        var holder = config?["training"] as JsonObject ?? config;
        if (holder is null) return config;
        string? recorded = holder["output_dir"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        bool moved = recorded is not null && Training.Evaluator.Resolved(recorded) != Training.Evaluator.Resolved(dir);
        if (moved) holder["output_dir"] = dir.TrimEnd('/');
        // The relative paths (corpus, cache, weights, teacher) were relative to the folder the run was started in: the one the
        // run context records, else the one the recorded output folder gives away (a new user's trial: the commands kept
        // --corpus c1 beside --output-dir ../a_v2, and stopped on "c1: corpus not found"; a copied folder kept them too).
        string? trainedIn = workingDirectory is { Length: > 0 } w && System.IO.Directory.Exists(w) ? w
            : moved ? TrainedIn(Path.GetFullPath(dir), recorded!) : null;
        foreach (string key in new[] { "corpus", "cache_dir", "pretrained" }) Rebased(holder, key, trainedIn, unresolved);
        if (config?["distillation"] is JsonObject kd) Rebased(kd, "teacher", trainedIn, unresolved);
        return config;
    }

    /// <summary>The folder a run was trained in: <paramref name="fullDir"/> less the relative output folder it recorded (null when it does not end so: a moved run).</summary>
    static string? TrainedIn(string fullDir, string recorded)
    {
        if (Path.IsPathRooted(recorded)) return null;
        string tail = Path.GetRelativePath("/", Path.GetFullPath(recorded, "/")); // runs/./a/ -> runs/a
        string full = Path.TrimEndingDirectorySeparator(fullDir);
        return tail != "." && full.EndsWith(Path.DirectorySeparatorChar + tail, StringComparison.Ordinal) ? full[..^(tail.Length + 1)] is { Length: > 0 } p ? p : "/" : null;
    }

    /// <summary>
    /// A relative path option rebased from the folder the run trained in to the current one, when it exists there and not here;
    /// one that exists in neither place is added to <paramref name="unresolved"/> ("--corpus c1").
    /// </summary>
    static void Rebased(JsonObject holder, string key, string? trainedIn, List<string>? unresolved)
    {
        if (holder[key] is not JsonValue v || !v.TryGetValue<string>(out var path) || path.Length == 0 || Path.IsPathRooted(path)) return;
        if (File.Exists(path) || System.IO.Directory.Exists(path)) return;
        string? there = trainedIn is null ? null : Path.GetFullPath(path, trainedIn);
        if (there is not null && (File.Exists(there) || System.IO.Directory.Exists(there)))
            holder[key] = Path.GetRelativePath(Environment.CurrentDirectory, there);
        else if (key != "cache_dir") // a cache folder is made again where it is missing
            unresolved?.Add($"--{(key == "cache_dir" ? "cache-dir" : key)} {path}");
    }

    /// <summary>
    /// How the run in <paramref name="dir"/> ended, from its summary.json (the trainer's closing
    /// message, e.g. "time budget: ..."), or null while it runs, when it was interrupted (it can be
    /// resumed) or when the summary cannot be read.
    /// </summary>
    public static string? Ended(string dir)
    {
        try
        {
            // An interrupted run can be resumed: "keep training" is still the advice there.
            if (RunFailure.Summary(dir) is not ({ } status, var message) || status == "interrupted") return null;
            string how = status.Replace('_', ' ');
            return message is { Length: > 0 } ? $"{how}: {message}" : how;
        }
        catch (GlossaException)
        {
            return null; // a damaged summary.json: RunFailure.Read names it where it matters
        }
    }

    /// <summary>
    /// The summary's message when the run in <paramref name="dir"/> was interrupted (it can be resumed; e.g. "stopped by
    /// Ctrl+C after epoch 6"), "" for an interrupted run without one, else null.
    /// </summary>
    public static string? Interrupted(string dir)
    {
        try { return RunFailure.Summary(dir) is ("interrupted", var message) ? message ?? "" : null; }
        catch (GlossaException) { return null; }
    }

    /// <summary>
    /// The doctor's diagnosis of the run folder <paramref name="dir"/>: its history and context, and a
    /// failure the folder records (<see cref="RunFailure"/>), which the last complete epochs may not show.
    /// </summary>
    public static HealthMonitor Diagnose(string dir)
    {
        var run = Load(dir);
        var monitor = HealthMonitor.Diagnose(run.History, run.Context);
        RunFailure.Read(dir)?.ApplyTo(monitor);
        return monitor;
    }

    /// <summary>Reads a context for a history from another toolkit: an optional <c>run_context.json</c> and an
    /// optional <c>config.json</c>-style options file (used to build the ready-to-run commands).</summary>
    public static RunContext LoadContext(string? contextFile, string? configFile)
    {
        RunContext context = new();
        if (contextFile is not null)
        {
            if (!File.Exists(contextFile)) throw new GlossaException($"{contextFile}: run context file not found");
            try { context = JsonSerializer.Deserialize<RunContext>(File.ReadAllText(contextFile), Json) ?? new RunContext(); }
            catch (JsonException e) { throw new GlossaException($"{contextFile}: not a valid run context ({e.Message.Split('.')[0]})"); }
        }
        if (configFile is not null)
        {
            if (!File.Exists(configFile)) throw new GlossaException($"{configFile}: config file not found");
            JsonObject? config;
            try { config = JsonNode.Parse(File.ReadAllText(configFile)) as JsonObject; }
            catch (JsonException e) { throw new GlossaException($"{configFile}: not valid JSON (line {e.LineNumber + 1}); expected an object of training options"); }
            if (config is null) throw new GlossaException($"{configFile}: expected a JSON object of training options");
            context = context with { Config = config, ModelName = context.ModelName ?? Scalar(config, "model") ?? Scalar(config["training"] as JsonObject, "model") };
        }
        return context;
    }

    /// <summary>
    /// The context for a history file (<c>diagnose --history FILE</c>): the <paramref name="contextFile"/> and
    /// <paramref name="configFile"/> given, else the <c>run_context.json</c> and <c>config.json</c> (or <c>config.resume.json</c>)
    /// in the history's own folder, which <paramref name="beside"/> then names. A new user's <c>--history RUN/metrics.jsonl</c>
    /// got commands without the run's options although its config.json lay next to it.
    /// </summary>
    public static RunContext LoadContextFor(string historyFile, string? contextFile, string? configFile, out IReadOnlyList<string> beside)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(historyFile))!;
        var found = new List<string>();
        if (contextFile is null && File.Exists(Path.Combine(folder, ContextFile)) && new FileInfo(Path.Combine(folder, ContextFile)).Length > 0)
        {
            contextFile = Path.Combine(folder, ContextFile);
            found.Add(contextFile);
        }
        bool configBeside = false;
        if (configFile is null)
            foreach (string name in new[] { RunFolder.ResumeConfigFile, RunFolder.ConfigFile })
                if (File.Exists(Path.Combine(folder, name)))
                {
                    configFile = Path.Combine(folder, name);
                    found.Add(configFile);
                    configBeside = true;
                    break;
                }
        beside = found;
        var context = LoadContext(contextFile, configFile);
        // A run folder's own config: its relative paths and output folder are read as RunRecord.Load reads them.
        if (configBeside && context.Config is { } config)
            context = context with { Config = Relocated(config, Path.GetDirectoryName(historyFile) is { Length: > 0 } d ? d : ".") };
        return context;
    }

    /// <summary>
    /// The one-line advice for a file given where a run folder was expected: the run folder it sits in, or <c>--history</c>
    /// for a history file (with <c>--config</c> when a config lies beside it), or what a training log is not.
    /// </summary>
    public static string FileInsteadOfFolder(string file)
    {
        string folder = Path.GetDirectoryName(file) is { Length: > 0 } d ? d : ".";
        bool runFolder = File.Exists(Path.Combine(folder, RunFolder.MetricsFile));
        string name = Path.GetFileName(file);
        if (runFolder)
            return $"{file} is a file of the run folder {folder}: run 'glossa diagnose {folder}', which reads {RunFolder.MetricsFile} with the run's {RunFolder.ConfigFile} and {ContextFile} (ready-to-run commands, label counts, clips too short for CTC)";
        string ext = Path.GetExtension(file).ToLowerInvariant();
        if (ext is ".log" or ".out")
            return $"{file} is a log, not a history: give the doctor the run folder (RUN_DIR with {RunFolder.MetricsFile}) or a history file (--history FILE: CSV or JSON with epoch and train_loss columns)";
        return $"{file} is a file, not a run folder: for a history from any toolkit run 'glossa diagnose --history {file}'" +
               (File.Exists(Path.Combine(folder, RunFolder.ConfigFile)) ? $" (it reads the {RunFolder.ConfigFile} beside it for ready-to-run commands)" : " (add --config OPTIONS.json for ready-to-run commands)");
    }

    /// <summary>Writes a run context for later diagnosis (the trainer calls this once at start).</summary>
    /// <remarks>Through a temporary file: a full disk left a 0-byte run_context.json, which diagnose then refused.</remarks>
    public static void SaveContext(string dir, RunContext context) =>
        SafeWrite.Text(Path.Combine(dir, ContextFile), JsonSerializer.Serialize(context with { Config = null }, new JsonSerializerOptions(Json) { WriteIndented = true }));

    static string? Scalar(JsonObject? o, string key) =>
        o?[key] is JsonValue v ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()) : null;
}
