using System.Text;
using System.Text.Json;
using Glossa.Common;
using SkiaSharp;

namespace Glossa.Corpora;

/// <summary>
/// What both synthetic worlds (<see cref="SyntheticCorpus"/>, <see cref="SignWorld"/>) write and how:
/// PHOENIX-2014's frame folders, annotation files and the marker file, staged in a sibling folder
/// that is renamed to the target at the end, so a failure leaves nothing half-written.
/// </summary>
internal static class SynthOutput
{
    /// <summary>The splits, in the order their sentences are planned.</summary>
    public static readonly string[] SplitNames = ["train", "dev", "test"];

    /// <summary>Draws frames of one video on a canvas and saves each as PHOENIX names it: ID/1/ID.avi_pid0_fnNNNNNN-0.png.</summary>
    public sealed class FrameWriter : IDisposable
    {
        static readonly SKPngEncoderOptions Png = new(SKPngEncoderFilterFlags.Sub, 4);
        readonly SKBitmap bitmap;
        readonly string folder, id;

        /// <summary>The canvas the next frame is drawn on.</summary>
        public SKCanvas Canvas { get; }

        public FrameWriter(string root, string split, string id, int width, int height)
        {
            folder = Path.Combine(root, "features", "fullFrame-210x260px", split, id, "1");
            Directory.CreateDirectory(folder);
            this.id = id;
            bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            Canvas = new SKCanvas(bitmap);
        }

        /// <summary>Encodes what the canvas holds as frame <paramref name="index"/>.</summary>
        public void Save(int index)
        {
            Canvas.Flush();
            using var pixmap = bitmap.PeekPixels();
            using var data = pixmap.Encode(Png) ?? throw new InvalidOperationException("SkiaSharp failed to encode a PNG frame");
            using var file = File.Create(Path.Combine(folder, $"{id}.avi_pid0_fn{index:D6}-0.png"));
            data.SaveTo(file);
        }

        public void Dispose()
        {
            Canvas.Dispose();
            bitmap.Dispose();
        }
    }

    /// <summary>One annotations/manual/FILE per split (<paramref name="fileName"/> of the split name), rows in the given order.</summary>
    public static void WriteAnnotations(string root, Func<string, string> fileName, IEnumerable<(string Split, string Id, string Signer, string Annotation)> rows)
    {
        string manual = Path.Combine(root, "annotations", "manual");
        Directory.CreateDirectory(manual);
        var all = rows.ToList();
        foreach (var split in SplitNames)
        {
            var sb = new StringBuilder("id|folder|signer|annotation\n");
            foreach (var r in all.Where(r => r.Split == split))
                sb.Append($"{r.Id}|{r.Id}/1/*.png|{r.Signer}|{r.Annotation}\n");
            File.WriteAllText(Path.Combine(manual, fileName(split)), sb.ToString(), new UTF8Encoding(false));
        }
    }

    /// <summary>Writes the marker file that lets a later run replace this folder.</summary>
    public static void WriteMarker(string temp, object marker)
    {
        var json = JsonSerializer.Serialize(marker, Marker);
        File.WriteAllText(Path.Combine(temp, SyntheticCorpus.MarkerFile), json + "\n", new UTF8Encoding(false));
    }

    static readonly JsonSerializerOptions Marker = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Checks the target, removes stale staging folders of killed generators and returns the
    /// parent folder and this process's staging folder, which is renamed to the target at the end.
    /// </summary>
    internal static (string Parent, string Temp) Stage(string target, bool overwrite)
    {
        CheckTarget(target, overwrite);
        string parent = Path.GetDirectoryName(target.TrimEnd(Path.DirectorySeparatorChar))
            ?? throw new GlossaException($"{target}: cannot write a corpus at the file-system root; choose a folder");
        SafeWrite.Folder(parent, "synth:");
        RemoveStalePartials(parent, Path.GetFileName(target));
        string temp = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Environment.ProcessId}");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        return (parent, temp);
    }

    /// <summary>Removes the staging folder after a failure; an output failure (disk full) becomes a one-line error naming the folder and the bytes written.</summary>
    internal static Exception Abandon(Exception e, string parent, string temp)
    {
        // Frames are rendered in parallel: a full disk arrives wrapped in an AggregateException.
        if (e is AggregateException { InnerException: { } inner } && SafeWrite.IsOutputFailure(inner)) e = inner;
        long written = SafeWrite.IsOutputFailure(e) ? FolderBytes(temp) : 0;
        RemoveQuietly(temp);
        return SafeWrite.IsOutputFailure(e) ? SafeWrite.Describe(e, parent, written) : e;
    }

    static void RemoveQuietly(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static long FolderBytes(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    /// <summary>
    /// Removes <c>.NAME.partial-PID</c> folders left by a generator that was killed (kill -9,
    /// power loss): only those whose process is gone, so a concurrent writer is never disturbed.
    /// </summary>
    static void RemoveStalePartials(string parent, string name)
    {
        string prefix = $".{name}.partial-";
        foreach (string dir in Directory.EnumerateDirectories(parent, prefix + "*"))
            if (int.TryParse(Path.GetFileName(dir).AsSpan(prefix.Length), out int pid) && !ProcessAlive(pid))
                RemoveQuietly(dir);
    }

    static bool ProcessAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>The absolute path of the output folder; an empty one is refused in one line.</summary>
    internal static string FullTarget(string outDir) =>
        string.IsNullOrWhiteSpace(outDir)
            ? throw new GlossaException("synth: the output folder (OUT) is empty; give the folder to write the corpus to, e.g. 'glossa synth data/synth'")
            : Path.GetFullPath(outDir);

    internal static void CheckTarget(string target, bool overwrite)
    {
        if (File.Exists(target))
            throw new OutputException($"{target}: is a file; choose a folder for the synthetic corpus");
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any()) return;
        if (!overwrite)
            throw new GlossaException($"{target}: already exists; pass --overwrite to replace it or choose another folder");
        if (!File.Exists(Path.Combine(target, SyntheticCorpus.MarkerFile)))
            throw new GlossaException($"{target}: refusing to replace it because it was not written by 'glossa synth' (no {SyntheticCorpus.MarkerFile}); delete it yourself or choose another folder");
    }

    internal static void Replace(string target, string temp)
    {
        if (Directory.Exists(target))
        {
            string old = temp + ".old";
            Directory.Move(target, old);
            Directory.Move(temp, target);
            Directory.Delete(old, recursive: true);
        }
        else
            Directory.Move(temp, target);
    }
}
