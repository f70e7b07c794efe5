using System.Text;
using System.Text.Json;
using Glossa.Common;
using Glossa.Corpora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// A training run's folder: <c>config.json</c> (resolved options, model configuration, version),
/// <c>vocab.txt</c>, <c>training.log</c>, <c>metrics.jsonl</c> (one <see cref="EpochMetrics"/>
/// per line, snake_case), <c>tensorboard/</c> event files, <c>best</c> and <c>last</c>
/// checkpoints (see <see cref="Checkpoint"/>) and <c>summary.json</c> at the end.
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string ConfigFile = "config.json";

    /// <summary>The options of the latest <c>--resume</c> (config.json keeps the first start's).</summary>
    public const string ResumeConfigFile = "config.resume.json";
    public const string LogFile = "training.log";
    public const string MetricsFile = "metrics.jsonl";
    public const string SummaryFile = "summary.json";
    public const string FailureFile = "failure.json";
    public const string TensorBoardFolder = "tensorboard";

    /// <summary>
    /// Space held back while the run is open (<see cref="ReserveBytes"/> of zeros), given back when the folder is closed:
    /// a run stopped by a full disk can then still write summary.json, cut metrics.jsonl back and log why (a full disk
    /// had left no summary at all).
    /// </summary>
    public const string ReserveFile = ".glossa-reserve";

    /// <summary>Size of <see cref="ReserveFile"/>: room for the summary, the log's last lines and a rewritten metrics.jsonl.</summary>
    public const int ReserveBytes = 256 * 1024;

    /// <summary>The training doctor's record of the run (Glossa.Doctor.RunRecord writes it); replaced with the run it describes.</summary>
    public const string DoctorContextFile = "run_context.json";

    static readonly JsonSerializerOptions LineJson = new(Checkpoint.Json) { WriteIndented = false };

    readonly StreamWriter log;
    SummaryWriter? board;

    /// <summary>Absolute path of the folder.</summary>
    public string Dir { get; }

    RunFolder(string dir)
    {
        Dir = dir;
        log = new StreamWriter(new FileStream(Path.Combine(dir, LogFile), FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        Reserve();
    }

    /// <summary>Writes <see cref="ReserveFile"/>; a disk already too full for it runs without (the run fails soon, as it would have).</summary>
    void Reserve()
    {
        string path = PathOf(ReserveFile);
        try
        {
            using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
            f.Write(new byte[ReserveBytes]); // written, not SetLength: a sparse file would hold no space
            f.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            SafeWrite.TryDelete(path);
        }
    }

    /// <summary>
    /// Opens the run folder: creates it for a fresh run (refusing to mix two runs unless
    /// <paramref name="overwrite"/>), or requires its <c>last</c> checkpoint for <paramref name="resume"/>.
    /// </summary>
    public static RunFolder Open(string dir, bool resume, bool overwrite)
    {
        dir = Path.GetFullPath(dir);
        Check(dir, resume, overwrite);
        if (resume)
        {
            Checkpoint.RelinkCopiedCheckpoints(dir);
        }
        else if (HoldsRun(dir))
        {
            // run_context.json too: until the new run's first epoch rewrites it, diagnose would read the old run's model and command.
            foreach (string name in new[] { "best", "last", ConfigFile, ResumeConfigFile, LogFile, MetricsFile, SummaryFile, FailureFile, DoctorContextFile, "vocab.txt" })
            {
                string p = Path.Combine(dir, name);
                if (File.Exists(p) || new FileInfo(p).LinkTarget is not null) File.Delete(p);
                else if (Directory.Exists(p)) Directory.Delete(p, recursive: true); // best/last as plain folders (a run copied with cp -rL)
            }
            foreach (string name in new[] { "checkpoints", TensorBoardFolder })
                if (Directory.Exists(Path.Combine(dir, name))) Directory.Delete(Path.Combine(dir, name), recursive: true);
        }
        SafeWrite.Folder(dir, "--output-dir");
        Checkpoint.CollectGarbage(dir);
        return new RunFolder(dir);
    }

    /// <summary>
    /// The refusals of <see cref="Open"/>, without touching the folder (also what <c>--dry-run</c>
    /// checks): <paramref name="resume"/> needs a <c>last</c> checkpoint; a folder that holds a run
    /// needs <paramref name="resume"/> or <paramref name="overwrite"/>.
    /// </summary>
    public static void Check(string dir, bool resume, bool overwrite)
    {
        dir = Path.GetFullPath(dir);
        if (resume)
        {
            string last = Path.Combine(dir, "last");
            if (new FileInfo(last).LinkTarget is { } target && !Directory.Exists(last))
                throw new GlossaException($"{last}: links to {target}, which is missing (was the run copied without its checkpoints/ folder?); copy the whole run folder with 'cp -a', or drop --resume to start a new run");
            if (!Checkpoint.Exists(last))
                throw new GlossaException($"{dir}: nothing to resume (no 'last' checkpoint); drop --resume to start a new run");
        }
        else if (HoldsRun(dir) && !overwrite)
        {
            throw new GlossaException($"{dir}: already holds a training run; pass --resume to continue it or --overwrite to replace it");
        }
    }

    /// <summary>
    /// True when <paramref name="dir"/> holds work worth protecting: a checkpoint, a link to one or
    /// a finished epoch. A start that failed before its first epoch (a corrupt frame found while
    /// decoding) leaves only config.json, vocab.txt and the log; a new start replaces those, so
    /// fixing the data and rerunning the same command works without --overwrite.
    /// </summary>
    static bool HoldsRun(string dir)
    {
        string last = Path.Combine(dir, "last"), best = Path.Combine(dir, "best"), metrics = Path.Combine(dir, MetricsFile);
        return Directory.Exists(last) || Directory.Exists(best)
            || new FileInfo(last).LinkTarget is not null || new FileInfo(best).LinkTarget is not null
            || (File.Exists(metrics) && new FileInfo(metrics).Length > 0)
            || File.Exists(Path.Combine(dir, SummaryFile));
    }

    /// <summary>
    /// The latest configuration of the run in <paramref name="dir"/>: config.resume.json when it was resumed, config.json
    /// otherwise; null when there is neither. Throws a one-line <see cref="GlossaException"/> naming a damaged file.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject? ReadLatestConfig(string dir)
    {
        string path = Path.Combine(dir, ResumeConfigFile);
        if (!File.Exists(path)) path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path)) return null;
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path)) as System.Text.Json.Nodes.JsonObject
                ?? throw new GlossaException($"{path}: not a JSON object; restore it from a copy of the run, or start a new run in another --output-dir");
        }
        catch (JsonException e)
        {
            throw new GlossaException($"{path}: not valid JSON ({e.Message.Split('.')[0]}); restore it from a copy of the run, or start a new run in another --output-dir");
        }
    }

    /// <summary>Path of a file or link inside the folder.</summary>
    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Writes config.json and vocab.txt (a resumed run keeps its originals and records the resume in the log).</summary>
    public void WriteConfig(TrainingOptions options, string modelConfigJson, Vocabulary vocabulary, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var config = ConfigContent(options, modelConfigJson, vocabulary);
        if (extra is not null)
            foreach (var (k, v) in extra) config[k] = v;
        string name = options.Resume ? ResumeConfigFile : ConfigFile;
        WriteAtomically(PathOf(name), JsonSerializer.Serialize(config, Checkpoint.Json));
        if (!options.Resume)
            vocabulary.Save(PathOf("vocab.txt"));
    }

    /// <summary>The content of <c>config.json</c> as a JSON object (what the doctor reads to build commands).</summary>
    public static System.Text.Json.Nodes.JsonObject ConfigObject(TrainingOptions options, string modelConfigJson, Vocabulary vocabulary) =>
        System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(ConfigContent(options, modelConfigJson, vocabulary), Checkpoint.Json))!.AsObject();

    static Dictionary<string, object?> ConfigContent(TrainingOptions options, string modelConfigJson, Vocabulary vocabulary)
    {
        return new Dictionary<string, object?>
        {
            ["glossa_version"] = typeof(RunFolder).Assembly.GetName().Version?.ToString(),
            ["written_utc"] = DateTime.UtcNow,
            ["training"] = options,
            ["model"] = JsonDocument.Parse(modelConfigJson).RootElement,
            ["vocabulary_size"] = vocabulary.Count,
        };
    }

    /// <summary>Appends a line to training.log (with a UTC time stamp at the start of each block).</summary>
    public void Log(string line) => log.WriteLine(line);

    /// <summary>Appends one epoch to metrics.jsonl.</summary>
    public void AppendMetrics(EpochMetrics metrics) =>
        File.AppendAllText(PathOf(MetricsFile), JsonSerializer.Serialize(metrics, LineJson) + "\n");

    /// <summary>Drops metrics lines after <paramref name="epoch"/> (a resumed run rewrites them).</summary>
    public void TruncateMetricsAfter(int epoch)
    {
        string path = PathOf(MetricsFile);
        if (!File.Exists(path)) return;
        var keep = File.ReadAllLines(path).Where(l => l.Length > 0 && ReadEpoch(l) <= epoch).ToList();
        WriteAtomically(path, keep.Count > 0 ? string.Join('\n', keep) + "\n" : "");
    }

    /// <summary>Every epoch recorded in metrics.jsonl.</summary>
    public static IReadOnlyList<EpochMetrics> ReadMetrics(string runDir)
    {
        string path = Path.Combine(runDir, MetricsFile);
        if (!File.Exists(path)) return [];
        return File.ReadAllLines(path).Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<EpochMetrics>(l, LineJson)!).ToList();
    }

    static int ReadEpoch(string line)
    {
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.GetProperty("epoch").GetInt32();
    }

    /// <summary>TensorBoard writer for tensorboard/ (created on first use).</summary>
    public SummaryWriter Board => board ??= utils.tensorboard.SummaryWriter(PathOf(TensorBoardFolder));

    /// <summary>Writes summary.json.</summary>
    public void WriteSummary(TrainingOutcome outcome) => WriteAtomically(PathOf(SummaryFile), JsonSerializer.Serialize(outcome, Checkpoint.Json));

    /// <summary>Writes failure.json: what stopped the run and which samples were in the batch.</summary>
    public void WriteFailure(object dump) => WriteAtomically(PathOf(FailureFile), JsonSerializer.Serialize(dump, Checkpoint.Json));

    // Through a temporary file that a failed write removes; the OutputException names the file.
    static void WriteAtomically(string path, string text) => SafeWrite.Text(path, text);

    /// <summary>Closes training.log and gives back <see cref="ReserveFile"/>'s space; never throws (it runs while a write failure unwinds).</summary>
    public void Dispose()
    {
        try { log.Dispose(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a line the full disk refused: the failure itself is reported
        SafeWrite.TryDelete(PathOf(ReserveFile));
    }
}
