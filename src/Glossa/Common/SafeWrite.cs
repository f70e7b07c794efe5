using System.Text;

namespace Glossa.Common;

/// <summary>
/// Writing outputs so that a full disk, a read-only folder or a path that is a file gives one
/// clear line naming the folder (and, for a full disk, the bytes needed), and leaves no partial
/// file behind: files are written to a temporary name beside the target and renamed on success.
/// </summary>
public static class SafeWrite
{
    const int ENOSPC = 28, EDQUOT = 122, EROFS = 30, EACCES = 13, EPERM = 1;

    /// <summary>
    /// Creates <paramref name="dir"/> (and its parents) for output named by <paramref name="what"/>
    /// (an option such as "-o", or a description); throws <see cref="OutputException"/> with a
    /// message a user can act on when that is impossible.
    /// </summary>
    public static string Folder(string dir, string what)
    {
        string full = CheckFolderPath(dir, what);
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".glossa-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"{what} {full}: cannot write there ({Reason(e)}); choose a writable folder", e);
        }
        return full;
    }

    /// <summary>
    /// The full path of <paramref name="dir"/> when a folder can stand there: throws the
    /// <see cref="OutputException"/> of <see cref="Folder"/> when it or a parent is a file. Creates nothing.
    /// </summary>
    public static string CheckFolderPath(string dir, string what)
    {
        string full = Path.GetFullPath(dir);
        if (File.Exists(full))
            throw new OutputException($"{what} {full}: is a file, not a folder; choose a folder path");
        for (string? up = Path.GetDirectoryName(full); up is not null; up = Path.GetDirectoryName(up))
            if (File.Exists(up))
                throw new OutputException($"{what} {full}: {up} is a file, so no folder can be made under it; choose another path");
        return full;
    }

    /// <summary>
    /// Throws the <see cref="OutputException"/> of <see cref="Folder"/> when <paramref name="dir"/> could not be written:
    /// a file probe in it, or in its nearest existing parent when it does not exist yet (which is left uncreated), what
    /// <c>--dry-run</c> checks so that it refuses a read-only folder as the run would.
    /// </summary>
    public static void CheckWritable(string dir, string what)
    {
        string full = CheckFolderPath(dir, what);
        string? existing = full;
        while (existing is not null && !Directory.Exists(existing)) existing = Path.GetDirectoryName(existing);
        if (existing is null) return;
        string probe = Path.Combine(existing, $".glossa-write-test-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"{what} {full}: cannot write there ({Reason(e)}); choose a writable folder", e);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/> through a temporary file.</summary>
    public static void Text(string path, string text) => Bytes(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> through a temporary file.</summary>
    public static void Bytes(string path, byte[] bytes) => Stream(path, s => s.Write(bytes), bytes.LongLength);

    /// <summary>
    /// Writes a file through a temporary name beside it; on failure the temporary file is removed
    /// and an <see cref="OutputException"/> names the file (and the bytes needed when the disk is full).
    /// </summary>
    public static void Stream(string path, Action<Stream> write, long? expectedBytes = null)
    {
        string full = CheckFilePath(path);
        string tmp = full + $".tmp-{Environment.ProcessId}";
        long written = 0;
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                written = stream.Length;
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw Describe(e, full, expectedBytes ?? written);
        }
    }

    /// <summary>
    /// The full path of <paramref name="path"/> when a file can be written there: throws an <see cref="OutputException"/>
    /// naming it when it is a folder, or when its folder does not exist or is a file. Creates nothing.
    /// </summary>
    public static string CheckFilePath(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new OutputException($"{full}: is a folder, not a file; give a file path");
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && File.Exists(folder))
            throw new OutputException($"{full}: {folder} is a file, not a folder; choose another path");
        if (folder is not null && !Directory.Exists(folder))
            throw new OutputException($"{full}: the folder {folder} does not exist; create it first or choose another path");
        return full;
    }

    /// <summary>True for the I/O errors that mean "this output cannot be written here".</summary>
    public static bool IsOutputFailure(Exception e) =>
        e is OutputException or UnauthorizedAccessException
        || e is IOException { HResult: ENOSPC or EDQUOT or EROFS or EACCES or EPERM };

    /// <summary>True when <paramref name="e"/> is a full disk (or quota).</summary>
    public static bool IsDiskFull(Exception e) => e is IOException { HResult: ENOSPC or EDQUOT };

    /// <summary>
    /// Turns an I/O failure while writing <paramref name="path"/> into a one-line <see cref="OutputException"/>;
    /// <paramref name="bytesNeeded"/> (when known) is reported for a full disk.
    /// </summary>
    public static OutputException Describe(Exception e, string path, long? bytesNeeded = null)
    {
        if (e is OutputException already) return already;
        string folder = Directory.Exists(path) ? path : Path.GetDirectoryName(path) ?? path;
        // A partial output already removed (a half-written checkpoint folder): the device is named by a folder still there.
        while (!Directory.Exists(folder) && Path.GetDirectoryName(folder) is { } up && Directory.Exists(up)) folder = up;
        if (IsDiskFull(e))
        {
            string need = bytesNeeded is > 0 ? $"{Size(bytesNeeded.Value)} needed, " : "";
            string writing = path == folder ? "" : $" while writing {path}";
            return new OutputException($"no space left on the device holding {folder} ({need}{Size(FreeBytes(folder))} free){writing}; free some space or choose another folder", e);
        }
        return new OutputException($"cannot write {path} ({Reason(e)}); choose a writable folder", e);
    }

    /// <summary>The file an I/O exception names (.NET quotes it in the message), or null.</summary>
    public static string? PathIn(Exception e)
    {
        if (e is FileNotFoundException { FileName: { } f }) return f;
        var m = System.Text.RegularExpressions.Regex.Match(e.Message, "'(/[^']*)'");
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>Free bytes on the file system holding <paramref name="folder"/> (0 when unknown).</summary>
    public static long FreeBytes(string folder)
    {
        try
        {
            string? existing = folder;
            while (existing is not null && !Directory.Exists(existing)) existing = Path.GetDirectoryName(existing);
            return existing is null ? 0 : new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }

    /// <summary>The operating system's reason, without .NET's exception wording.</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied or read-only",
        DirectoryNotFoundException or FileNotFoundException => "no such folder, or a part of the path cannot hold files",
        IOException { HResult: ENOSPC or EDQUOT } => "no space left on the device",
        IOException { HResult: EROFS } => "read-only file system",
        IOException { HResult: EACCES or EPERM } => "permission denied",
        _ => e.Message.TrimEnd('.'),
    };

    /// <summary>Removes a file, ignoring failures (used to drop partial outputs).</summary>
    public static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
