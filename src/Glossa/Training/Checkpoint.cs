using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Glossa.Common;
using Glossa.Corpora;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// A checkpoint is a directory holding everything that rebuilds and continues a model:
/// <c>model.bin</c> (TorchSharp state dict), <c>model.json</c> (the model configuration),
/// <c>vocab.txt</c>, <c>training.json</c> (the run's options: frame size, ...),
/// <c>optimizer.bin</c> and <c>state.json</c> (<see cref="CheckpointState"/>).
/// <para>
/// In a run folder, <c>best</c> and <c>last</c> are symbolic links to versioned directories under
/// <c>checkpoints/</c>. A new checkpoint is written completely into a fresh directory, then the
/// link is swapped with one <c>rename(2)</c>, which is atomic: a kill -9 at any moment leaves
/// either the old or the new checkpoint, never a half-written one. Unreferenced directories are
/// removed afterwards (and at the next start if a kill interrupted that).
/// </para>
/// </summary>
public static class Checkpoint
{
    public const string ModelFile = "model.bin";
    public const string ModelConfigFile = "model.json";
    public const string VocabularyFile = "vocab.txt";
    public const string OptionsFile = "training.json";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";
    const string VersionsFolder = "checkpoints";

    /// <summary>JSON settings of checkpoint and run-folder files: snake_case, indented, enums in kebab-case, NaN allowed.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>
    /// Writes a checkpoint into a new versioned directory of <paramref name="runDir"/> and points
    /// each of <paramref name="links"/> ("best", "last") at it atomically. Returns the directory.
    /// </summary>
    public static string Save(string runDir, IReadOnlyList<string> links, nn.Module model, string modelConfigJson,
        Vocabulary vocabulary, TrainingOptions options, optim.Optimizer? optimizer, CheckpointState state)
    {
        string versions = Path.Combine(runDir, VersionsFolder);
        Directory.CreateDirectory(versions);
        string name = $"epoch{state.Epoch:D4}-{DateTime.UtcNow:HHmmssfff}-{Guid.NewGuid().ToString("N")[..6]}";
        string building = Path.Combine(versions, name + ".partial");
        Directory.CreateDirectory(building);

        WriteDurably(Path.Combine(building, ModelFile), s => { using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true); model.save(w); });
        if (optimizer is not null)
            WriteDurably(Path.Combine(building, OptimizerFile), s => { using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true); SaveOptimizer(optimizer, w); });
        WriteText(Path.Combine(building, ModelConfigFile), modelConfigJson);
        WriteText(Path.Combine(building, VocabularyFile), string.Join('\n', vocabulary.Tokens) + "\n");
        WriteText(Path.Combine(building, OptionsFile), JsonSerializer.Serialize(options, Json));
        WriteText(Path.Combine(building, StateFile), JsonSerializer.Serialize(state, Json));

        string final = Path.Combine(versions, name);
        Directory.Move(building, final);
        foreach (string link in links)
            PointLink(Path.Combine(runDir, link), Path.Combine(VersionsFolder, name));
        CollectGarbage(runDir);
        return final;
    }

    /// <summary>Removes versioned directories that neither <c>best</c> nor <c>last</c> points at, and interrupted partial writes.</summary>
    public static void CollectGarbage(string runDir)
    {
        string versions = Path.Combine(runDir, VersionsFolder);
        if (!Directory.Exists(versions)) return;
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (string link in new[] { "best", "last" })
        {
            var info = new FileInfo(Path.Combine(runDir, link));
            if (info.LinkTarget is string target)
                keep.Add(Path.GetFileName(target.TrimEnd('/')));
        }
        foreach (string dir in Directory.GetDirectories(versions))
            if (!keep.Contains(Path.GetFileName(dir)))
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        foreach (string tmp in Directory.GetFileSystemEntries(runDir, ".*.link-tmp"))
            File.Delete(tmp);
    }

    /// <summary>True when <paramref name="path"/> looks like a checkpoint directory (or a link to one).</summary>
    public static bool Exists(string path) => File.Exists(Path.Combine(path, StateFile)) && File.Exists(Path.Combine(path, ModelFile));

    /// <summary>Reads the loop state of a checkpoint.</summary>
    public static CheckpointState ReadState(string path)
    {
        Require(path);
        return ReadJson<CheckpointState>(Path.Combine(path, StateFile));
    }

    /// <summary>The model configuration JSON a checkpoint was written with.</summary>
    public static string ReadModelConfigJson(string path)
    {
        Require(path);
        string file = Path.Combine(path, ModelConfigFile);
        if (!File.Exists(file))
            throw new GlossaException($"{file}: missing; this checkpoint cannot rebuild its model (copy the whole checkpoint folder, or use the run's other checkpoint)");
        return File.ReadAllText(file);
    }

    /// <summary>The options of the run that wrote the checkpoint.</summary>
    public static TrainingOptions ReadOptions(string path)
    {
        Require(path);
        return ReadJson<TrainingOptions>(Path.Combine(path, OptionsFile));
    }

    /// <summary>The vocabulary stored with the checkpoint.</summary>
    public static Vocabulary ReadVocabulary(string path)
    {
        Require(path);
        return Vocabulary.Load(Path.Combine(path, VocabularyFile));
    }

    /// <summary>Loads the weights into a model built from the checkpoint's configuration (strict: every key must match).</summary>
    public static void LoadWeights(string path, nn.Module model)
    {
        Require(path);
        string file = Path.Combine(path, ModelFile);
        try
        {
            model.load(file, strict: true);
        }
        catch (Exception e) when (e is not GlossaException)
        {
            throw new GlossaException($"{file}: cannot load the weights into the model built from {ModelConfigFile} ({e.Message})", e);
        }
    }

    /// <summary>Restores the optimizer's moments and step counts.</summary>
    public static void LoadOptimizer(string path, optim.Optimizer optimizer)
    {
        string file = Path.Combine(path, OptimizerFile);
        if (!File.Exists(file))
            throw new GlossaException($"{file}: missing; this checkpoint cannot be resumed (it holds weights only)");
        try
        {
            using var reader = new BinaryReader(File.OpenRead(file));
            LoadOptimizerState(optimizer, reader);
            if (reader.BaseStream.Position != reader.BaseStream.Length)
                throw new InvalidDataException("trailing bytes");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or FormatException)
        {
            throw new GlossaException($"{file}: truncated or damaged ({new FileInfo(file).Length} bytes); 'last' cannot be resumed: start again with --overwrite, or resume from a copy of another checkpoint", e);
        }
    }

    static void SaveOptimizer(optim.Optimizer optimizer, BinaryWriter writer)
    {
        if (optimizer is TorchSharp.Modules.OptimizerHelper helper)
            helper.save_state_dict(writer);
        else
            throw new InvalidOperationException($"optimizer {optimizer.GetType().Name} cannot save its state");
    }

    static void LoadOptimizerState(optim.Optimizer optimizer, BinaryReader reader)
    {
        if (optimizer is TorchSharp.Modules.OptimizerHelper helper)
            helper.load_state_dict(reader);
        else
            throw new InvalidOperationException($"optimizer {optimizer.GetType().Name} cannot load its state");
    }

    /// <summary>Reads one of the checkpoint's JSON files; a damaged file is named with its line.</summary>
    static T ReadJson<T>(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(file), Json)
                   ?? throw new GlossaException($"{file}: empty; the checkpoint is damaged (use the run's other checkpoint, or start again with --overwrite)");
        }
        catch (JsonException e)
        {
            throw new GlossaException($"{file}: damaged JSON (line {(e.LineNumber ?? 0) + 1}); the checkpoint cannot be read: use the run's other checkpoint, or start again with --overwrite", e);
        }
    }

    static void Require(string path)
    {
        if (!Directory.Exists(path))
            throw new GlossaException($"{path}: checkpoint directory not found (a run folder holds 'best' and 'last')");
        if (!Exists(path))
            throw new GlossaException($"{path}: not a Glossa checkpoint (needs {ModelFile} and {StateFile})");
    }

    static void WriteText(string path, string text) =>
        WriteDurably(path, s => { var bytes = new UTF8Encoding(false).GetBytes(text); s.Write(bytes); });

    static void WriteDurably(string path, Action<Stream> write)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Makes <paramref name="linkPath"/> a symbolic link to <paramref name="relativeTarget"/> in one atomic rename.</summary>
    static void PointLink(string linkPath, string relativeTarget)
    {
        string dir = Path.GetDirectoryName(linkPath)!;
        string tmp = Path.Combine(dir, $".{Path.GetFileName(linkPath)}.{Environment.ProcessId}.link-tmp");
        if (File.Exists(tmp) || new FileInfo(tmp).LinkTarget is not null) File.Delete(tmp);
        File.CreateSymbolicLink(tmp, relativeTarget);
        if (rename(tmp, linkPath) != 0)
            throw new IOException($"cannot replace {linkPath}: rename failed with errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    static extern int rename(string oldpath, string newpath);
}
