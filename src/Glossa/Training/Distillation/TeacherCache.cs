using System.Security.Cryptography;
using System.Text;
using Glossa.Common;

namespace Glossa.Training.Distillation;

/// <summary>
/// The teacher's log-posteriors of each clip on disk, so a frozen teacher runs once per clip
/// instead of once per epoch. Valid only when the clip's frames are the same every epoch
/// (training augmentation off); entries are keyed by the teacher checkpoint's identity, the
/// input frame geometry and the sample id, so a retrained teacher or another frame size never
/// reads stale posteriors. One file per clip: "GKD1", int32 frames, int32 classes, float32 values.
/// </summary>
public sealed class TeacherCache
{
    static readonly byte[] Magic = "GKD1"u8.ToArray();
    readonly string scope;

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>Lookups that found an entry, and those that did not, so far.</summary>
    public int Hits { get; private set; }
    public int Misses { get; private set; }

    /// <param name="directory">Folder of the entries (created if missing).</param>
    /// <param name="scope">Everything besides the sample id that determines the posteriors (teacher identity, frame size, frame cap).</param>
    public TeacherCache(string directory, string scope)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        this.scope = scope;
    }

    /// <summary>An identity of a checkpoint's weights: its state.json (epoch, save time) and model.bin size.</summary>
    public static string CheckpointIdentity(string checkpoint)
    {
        string state = File.ReadAllText(Path.Combine(checkpoint, Training.Checkpoint.StateFile));
        long size = new FileInfo(Path.Combine(checkpoint, Training.Checkpoint.ModelFile)).Length;
        return $"{state}|{size}";
    }

    string PathOf(string sampleId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(scope + "\n" + sampleId));
        return Path.Combine(Directory, Convert.ToHexString(hash, 0, 16).ToLowerInvariant() + ".kd");
    }

    /// <summary>Reads a clip's log-posteriors (frames x classes, row-major), or returns false.</summary>
    public bool TryLoad(string sampleId, int classes, out float[] values, out int frames)
    {
        string path = PathOf(sampleId);
        values = [];
        frames = 0;
        if (!File.Exists(path)) { Misses++; return false; }
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic))
                throw new GlossaException($"{path}: not a teacher-cache entry; delete the folder {Directory}");
            frames = reader.ReadInt32();
            int c = reader.ReadInt32();
            if (c != classes || frames < 1)
                throw new GlossaException($"{path}: entry for sample {sampleId} has {frames} frames of {c} classes, expected {classes} classes; delete the folder {Directory}");
            var bytes = reader.ReadBytes(frames * classes * sizeof(float));
            if (bytes.Length != frames * classes * sizeof(float))
                throw new GlossaException($"{path}: entry for sample {sampleId} is truncated; delete it or the folder {Directory}");
            values = new float[frames * classes];
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        }
        catch (IOException e)
        {
            throw new GlossaException($"{path}: cannot read the teacher-cache entry of {sampleId} ({e.Message})", e);
        }
        Hits++;
        return true;
    }

    /// <summary>Writes a clip's log-posteriors atomically (a temporary file renamed into place).</summary>
    public void Store(string sampleId, ReadOnlySpan<float> values, int frames, int classes)
    {
        if (values.Length != frames * classes)
            throw new ArgumentException($"{values.Length} values for {frames} x {classes}");
        string path = PathOf(sampleId);
        string tmp = $"{path}.{Environment.ProcessId}.tmp";
        using (var writer = new BinaryWriter(File.Create(tmp)))
        {
            writer.Write(Magic);
            writer.Write(frames);
            writer.Write(classes);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        }
        File.Move(tmp, path, overwrite: true);
    }
}
