using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// A run's checkpoints in the format of <see cref="ModelCheckpoint"/>, with the loop's typed state
/// (<see cref="CheckpointState"/>, the run's <see cref="TrainingOptions"/>, the optimizer).
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
    public const string ModelFile = ModelCheckpoint.ModelFile;
    public const string ModelConfigFile = ModelCheckpoint.ModelConfigFile;
    public const string VocabularyFile = ModelCheckpoint.VocabularyFile;
    public const string OptionsFile = ModelCheckpoint.OptionsFile;
    public const string OptimizerFile = ModelCheckpoint.OptimizerFile;
    public const string StateFile = ModelCheckpoint.StateFile;
    const string VersionsFolder = "checkpoints";

    /// <summary>The run folder of a checkpoint: its parent, or the run for a versioned checkpoint under RUN/checkpoints/NAME.</summary>
    public static string RunFolderOf(string checkpoint)
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(checkpoint.TrimEnd('/')))!;
        return Path.GetFileName(parent) == VersionsFolder && File.Exists(Path.Combine(Path.GetDirectoryName(parent)!, RunFolder.ConfigFile))
            ? Path.GetDirectoryName(parent)! : parent;
    }

    /// <summary>JSON settings of checkpoint and run-folder files (<see cref="GlossaJson.Files"/>).</summary>
    public static JsonSerializerOptions Json => GlossaJson.Files;

    /// <summary>
    /// Writes a checkpoint into a new versioned directory of <paramref name="runDir"/> and points
    /// each of <paramref name="links"/> ("best", "last") at it atomically. Returns the directory.
    /// With <paramref name="average"/>, the model file holds the averaged weights (what was
    /// validated, and what evaluation and recognition read) and <see cref="ModelCheckpoint.TrainingWeightsFile"/>
    /// the model's own, which --resume trains on from.
    /// </summary>
    public static string Save(string runDir, IReadOnlyList<string> links, nn.Module model, string modelConfigJson,
        Vocabulary vocabulary, TrainingOptions options, optim.Optimizer? optimizer, CheckpointState state, WeightAverage? average = null)
    {
        string versions = Path.Combine(runDir, VersionsFolder);
        Directory.CreateDirectory(versions);
        string name = $"epoch{state.Epoch:D4}-{DateTime.UtcNow:HHmmssfff}-{Guid.NewGuid().ToString("N")[..6]}";
        string building = Path.Combine(versions, name + ".partial");
        Directory.CreateDirectory(building);

        if (average is not null) ModelCheckpoint.WriteWeights(building, ModelCheckpoint.TrainingWeightsFile, model);
        using (average?.Swap())
            ModelCheckpoint.WriteModel(building, model, modelConfigJson, vocabulary);
        if (optimizer is not null)
            ModelCheckpoint.WriteFile(Path.Combine(building, OptimizerFile), s => { using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true); SaveOptimizer(optimizer, w); });
        ModelCheckpoint.WriteJson(building, OptionsFile, options);
        ModelCheckpoint.WriteJson(building, StateFile, state);

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

    /// <summary>
    /// Turns a <c>best</c> or <c>last</c> that is a plain folder (a run copied with its links
    /// followed: <c>cp -rL</c>, <c>rsync -L</c>, some archivers) back into a link to a versioned
    /// folder, so the next checkpoint can replace it atomically like any other.
    /// </summary>
    public static void RelinkCopiedCheckpoints(string runDir)
    {
        foreach (string link in new[] { "best", "last" })
        {
            string path = Path.Combine(runDir, link);
            if (!Directory.Exists(path) || new DirectoryInfo(path).LinkTarget is not null) continue;
            string name = $"{link}-copied-{Guid.NewGuid().ToString("N")[..6]}";
            Directory.CreateDirectory(Path.Combine(runDir, VersionsFolder));
            Directory.Move(path, Path.Combine(runDir, VersionsFolder, name));
            PointLink(path, Path.Combine(VersionsFolder, name));
        }
    }

    /// <summary>True when <paramref name="path"/> looks like a checkpoint directory (or a link to one).</summary>
    public static bool Exists(string path) => ModelCheckpoint.Exists(path);

    /// <summary>Reads the loop state of a checkpoint.</summary>
    public static CheckpointState ReadState(string path)
    {
        ModelCheckpoint.Require(path);
        return ModelCheckpoint.ReadJson<CheckpointState>(Path.Combine(path, StateFile));
    }

    /// <summary>The epoch a checkpoint was saved after (its state), or null when it has no readable state (imported weights).</summary>
    public static int? SavedEpoch(string path)
    {
        if (!File.Exists(Path.Combine(path, StateFile))) return null;
        try { return ReadState(path).Epoch; }
        catch (GlossaException) { return null; }
    }

    /// <summary>The options of the run that wrote the checkpoint.</summary>
    public static TrainingOptions ReadOptions(string path)
    {
        ModelCheckpoint.Require(path);
        return ModelCheckpoint.ReadJson<TrainingOptions>(Path.Combine(path, OptionsFile));
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
