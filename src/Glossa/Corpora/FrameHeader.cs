namespace Glossa.Corpora;

/// <summary>
/// Sanity of a frame's image header, shared by <c>corpus check</c> (header only) and the frame
/// decoder (before it allocates): a damaged header must not turn into a huge allocation.
/// </summary>
public static class FrameHeader
{
    /// <summary>
    /// The most pixels a frame may have (8192 x 8192). A header claiming more is damaged or not a
    /// video frame; decoding it would need gigabytes and overflow the buffer arithmetic.
    /// </summary>
    public const long MaxPixels = 8192L * 8192;

    /// <summary>Why a header of <paramref name="width"/> x <paramref name="height"/> cannot be a frame, or null when it can.</summary>
    public static string? SizeProblem(int width, int height) =>
        width <= 0 || height <= 0 ? $"the image header says {width}x{height} pixels"
        : (long)width * height > MaxPixels ? $"the image header claims {width}x{height} pixels, more than any frame ({MaxPixels / 1_000_000} megapixels at most); the file is damaged or not a video frame, re-extract it"
        : null;

    /// <summary>
    /// Why the file at <paramref name="path"/> is not there to be read, or null when it is: a
    /// missing file, or a symbolic link whose target is gone or loops (File.Exists is true for a
    /// dangling link on Linux, and the decoder would then report a corrupt image).
    /// </summary>
    public static string? MissingProblem(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target)
        {
            try
            {
                if (info.ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true })
                    return $"the frame is a link to {target}, which does not exist; re-extract the frames or fix the link";
            }
            catch (IOException)
            {
                return $"the frame is a link to {target} that loops back on itself; re-extract the frames or fix the link";
            }
            return null;
        }
        return info.Exists ? null : "the frame file is missing; re-extract the frames of this sample";
    }

    /// <summary>
    /// Why an encoded PNG or JPEG ends too early, or null: a PNG must end with its IEND chunk, a
    /// JPEG with the end-of-image marker (FF D9, allowing a little padding). Cheap (reads the last
    /// bytes only), and catches the truncation a header check alone lets through.
    /// </summary>
    public static string? TruncationProblem(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        Span<byte> head = stackalloc byte[8];
        if (file.Length < 16 || file.Read(head) < head.Length) return "the file is too short to be an image; re-extract this frame";
        Span<byte> tail = stackalloc byte[64];
        int n = (int)Math.Min(tail.Length, file.Length);
        file.Seek(-n, SeekOrigin.End);
        file.ReadExactly(tail[..n]);
        tail = tail[..n];
        bool png = head.SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), jpeg = head[0] == 0xFF && head[1] == 0xD8;
        if (png && !tail[^12..].StartsWith("\0\0\0\0IEND"u8))
            return $"the PNG is truncated (no IEND chunk at its end, {file.Length} bytes); re-extract this frame";
        if (jpeg && tail.LastIndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0)
            return $"the JPEG is truncated (no end-of-image marker, {file.Length} bytes); re-extract this frame";
        return null;
    }
}
