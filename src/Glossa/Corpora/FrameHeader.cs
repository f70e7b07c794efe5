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
}
