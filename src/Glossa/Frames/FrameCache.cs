using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Glossa.Frames;

/// <summary>
/// On-disk cache of decoded, resized clips (before the random crop, flip and jitter): one raw
/// file per (source, resize size) holding a 24-byte header and the uint8 RGB frames. Files are
/// written to a temporary name and renamed, so a crash never leaves a half file under the real
/// name; a file whose header or size does not match is treated as missing and rebuilt. The key
/// holds each source file's path, size and modification time, so changed frames or videos are
/// decoded again.
/// </summary>
public sealed class FrameCache
{
    static readonly byte[] Magic = "GLFRAME1"u8.ToArray();
    const int HeaderBytes = 24;
    long hits, misses, rebuilds;

    /// <summary>A cache in <paramref name="directory"/> (created if needed).</summary>
    public FrameCache(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>Clips read from the cache.</summary>
    public long Hits => Interlocked.Read(ref hits);

    /// <summary>Clips decoded because no cache file existed.</summary>
    public long Misses => Interlocked.Read(ref misses);

    /// <summary>Clips decoded again because their cache file was damaged.</summary>
    public long Rebuilds => Interlocked.Read(ref rebuilds);

    /// <summary>The cache file of a source at a resize size.</summary>
    public string PathFor(FrameSource source, int width, int height)
    {
        string identity = source switch
        {
            // Size and modification time of every frame: frames replaced in place under the same
            // names get a new key and are decoded again instead of training on stale pixels.
            FrameFileSource f => string.Join('\n', f.Paths.Select(p => p + "\t" + Stamp(p))),
            // "passthrough": videos decoded frame for frame since 2026-12-07 (a VFR clip cached before, with repeated frames, is decoded again).
            VideoFrameSource v => v.Path + "\n" + Stamp(v.Path) + "\npassthrough",
            _ => source.Describe(),
        };
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{identity}\n{width}x{height}"));
        return Path.Combine(Directory, $"{Convert.ToHexStringLower(hash)[..24]}-{width}x{height}.u8");
    }

    /// <summary>The clip from the cache, or decoded (all frames) and stored.</summary>
    public DecodedClip GetOrDecode(FrameSource source, int width, int height, CancellationToken ct = default)
    {
        string path = PathFor(source, width, height);
        if (File.Exists(path))
        {
            var cached = TryRead(path, width, height);
            if (cached is not null)
            {
                Interlocked.Increment(ref hits);
                string errorsFile = path + ErrorsSuffix;
                return File.Exists(errorsFile)
                    ? new DecodedClip(cached.Length, cached.Width, cached.Height, cached.Pixels) { DecodeErrors = File.ReadAllText(errorsFile).Trim() }
                    : cached;
            }
            Interlocked.Increment(ref rebuilds);
        }
        else Interlocked.Increment(ref misses);
        var clip = source.Decode(width, height, null, ct);
        Write(path, clip);
        // A video that decoded with errors says so from the cache too (beside the clip: the cache format is unchanged).
        if (clip.DecodeErrors is { } errors)
            try { File.WriteAllText(path + ErrorsSuffix, errors); } catch (IOException) { }
        return clip;
    }

    /// <summary>Suffix of the text file beside a cached clip holding its decoder's errors (<see cref="DecodedClip.DecodeErrors"/>).</summary>
    const string ErrorsSuffix = ".errors";

    /// <summary>Reads a cache file, or null if it is damaged (wrong magic, size or shape).</summary>
    public static DecodedClip? TryRead(string path, int width, int height)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> header = stackalloc byte[HeaderBytes];
            if (fs.Length < HeaderBytes || fs.Read(header) != HeaderBytes || !header[..8].SequenceEqual(Magic)) return null;
            int t = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            int w = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            int h = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
            long payload = (long)t * w * h * 3;
            if (t <= 0 || w != width || h != height || fs.Length != HeaderBytes + payload || payload > Array.MaxLength) return null;
            var pixels = new byte[payload];
            fs.ReadExactly(pixels);
            return new DecodedClip(t, w, h, pixels);
        }
        catch (IOException)
        {
            return null;
        }
    }

    static void Write(string path, DecodedClip clip)
    {
        string tmp = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], clip.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], clip.Width);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], clip.Height);
            fs.Write(header);
            fs.Write(clip.Pixels, 0, clip.Length * clip.FrameBytes);
        }
        File.Move(tmp, path, overwrite: true);
    }

    static string Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "missing";
    }
}
