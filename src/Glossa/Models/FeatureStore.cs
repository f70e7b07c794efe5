using System.Text.Json;
using Glossa.Common;
using Glossa.Corpora;

namespace Glossa.Models;

/// <summary>
/// The feature-store format <c>glossa features</c> writes: one folder per split holding ID.npy, a (T', C)
/// float32 matrix per video (<see cref="NpyFile"/>), and <see cref="IndexFile"/> (<see cref="FeatureStoreIndex"/>).
/// A file already present is kept unless asked to overwrite; each new file appears whole (written aside, then moved).
/// </summary>
public static class FeatureStore
{
    /// <summary>The index file inside a split folder.</summary>
    public const string IndexFile = "index.json";

    /// <summary>The settings of the run filling a split folder (<see cref="FeatureStoreIndex"/> without videos), written before the first file.</summary>
    public const string SettingsFile = "settings.json";

    /// <summary>
    /// Extracts every sample into <paramref name="folder"/> (created if missing), writes the index and returns
    /// it with the counts of files written and kept; <paramref name="done"/> is called with each sample id.
    /// </summary>
    public static (FeatureStoreIndex Index, int Written, int Skipped) Fill(string folder, FeatureExtractor extractor, IReadOnlyList<Sample> samples,
        FeatureStoreIndex header, bool overwrite, Action<string>? done = null, CancellationToken ct = default)
    {
        Directory.CreateDirectory(folder);
        string indexPath = Path.Combine(folder, IndexFile);
        if (!overwrite) RequireSameSettings(folder, header);
        // The settings first, apart from the index (which only a complete store has), so an interrupted run's files
        // are described too: its rerun with the same settings goes on, with others it is refused.
        File.WriteAllText(Path.Combine(folder, SettingsFile), JsonSerializer.Serialize(header, GlossaJson.Files));
        var entries = new List<FeatureStoreEntry>(samples.Count);
        int written = 0;
        foreach (var sample in samples)
        {
            ct.ThrowIfCancellationRequested();
            string file = FileName(sample.Id);
            string path = Path.Combine(folder, file);
            if (!overwrite && File.Exists(path))
            {
                var (_, rows, cols) = NpyFile.Read(path);
                entries.Add(new(sample.Id, file, null, rows, cols));
            }
            else
            {
                var (values, rows, cols, frames) = extractor.Extract(sample, ct);
                string tmp = path + ".tmp";
                NpyFile.Write(tmp, values, rows, cols);
                File.Move(tmp, path, overwrite: true);
                entries.Add(new(sample.Id, file, frames, rows, cols));
                written++;
            }
            done?.Invoke(sample.Id);
        }
        var index = header with { Videos = entries };
        File.WriteAllText(indexPath, JsonSerializer.Serialize(index, GlossaJson.Files));
        return (index, written, samples.Count - written);
    }

    /// <summary>
    /// Refuses to add to a folder whose files were made with other settings (backbone, weights, size, normalisation):
    /// a rerun kept them and described them with the new settings. Files without an index are refused too.
    /// </summary>
    static void RequireSameSettings(string folder, FeatureStoreIndex header)
    {
        string indexPath = Path.Combine(folder, SettingsFile);
        if (!File.Exists(indexPath)) indexPath = Path.Combine(folder, IndexFile); // a store of older versions
        if (!File.Exists(indexPath))
        {
            if (Directory.EnumerateFiles(folder, "*.npy").Any())
                throw new GlossaException($"{folder}: holds .npy files but no {IndexFile} or {SettingsFile}, so what made them is unknown; pass --overwrite to recompute them, or choose another --out");
            return;
        }
        FeatureStoreIndex? stored;
        try { stored = JsonSerializer.Deserialize<FeatureStoreIndex>(File.ReadAllText(indexPath), GlossaJson.Files); }
        catch (JsonException) { stored = null; }
        if (stored is null)
            throw new GlossaException($"{indexPath}: damaged; pass --overwrite to recompute the features, or choose another --out");
        var differences = stored.Differences(header);
        if (differences.Count > 0)
            throw new GlossaException($"{folder}: holds features made with other settings ({string.Join("; ", differences)}, stored vs now); pass --overwrite to recompute them, or choose another --out");
    }

    /// <summary>The .npy name of a sample: ids may contain path separators (PHOENIX folder names), file names stay flat and safe.</summary>
    public static string FileName(string id)
    {
        var chars = id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        string name = new(chars);
        if (name.Length == 0 || name.All(c => c == '.'))
            throw new GlossaException($"sample id '{id}' cannot be used as a file name");
        return name + ".npy";
    }
}
