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

    /// <summary>
    /// Extracts every sample into <paramref name="folder"/> (created if missing), writes the index and returns
    /// it with the counts of files written and kept; <paramref name="done"/> is called with each sample id.
    /// </summary>
    public static (FeatureStoreIndex Index, int Written, int Skipped) Fill(string folder, FeatureExtractor extractor, IReadOnlyList<Sample> samples,
        FeatureStoreIndex header, bool overwrite, Action<string>? done = null, CancellationToken ct = default)
    {
        Directory.CreateDirectory(folder);
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
        File.WriteAllText(Path.Combine(folder, IndexFile), JsonSerializer.Serialize(index, GlossaJson.Files));
        return (index, written, samples.Count - written);
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
