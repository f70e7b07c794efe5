namespace Glossa.Frames;

/// <summary>
/// The frames of one clip after decoding and resizing, before any random augmentation: one
/// contiguous buffer of Length x Height x Width x 3 bytes (interleaved RGB). This is also the
/// unit stored by <see cref="FrameCache"/>.
/// </summary>
public sealed class DecodedClip
{
    /// <summary>Wraps an existing buffer; its size must be exactly length * height * width * 3.</summary>
    public DecodedClip(int length, int width, int height, byte[] pixels)
    {
        if (length < 0 || width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(length), $"invalid clip shape {length}x{height}x{width}");
        if (pixels.LongLength < (long)length * width * height * 3)
            throw new ArgumentException($"buffer of {pixels.LongLength} bytes is too small for {length} frames of {width}x{height}", nameof(pixels));
        Length = length;
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>
    /// The decoder's first error line when a video decoded to the end with errors (damaged frames, which ffmpeg conceals
    /// or drops: the clip may be shorter than its container says), else null. The frame cache keeps it beside the clip.
    /// </summary>
    public string? DecodeErrors { get; init; }

    /// <summary>Number of frames.</summary>
    public int Length { get; }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>All frames, frame-major, then rows, then pixels, then R G B.</summary>
    public byte[] Pixels { get; }

    /// <summary>Bytes per frame.</summary>
    public int FrameBytes => Width * Height * 3;

    /// <summary>The pixels of frame <paramref name="t"/>.</summary>
    public Span<byte> Frame(int t)
    {
        if ((uint)t >= (uint)Length) throw new ArgumentOutOfRangeException(nameof(t), $"frame {t} of a {Length}-frame clip");
        return Pixels.AsSpan(t * FrameBytes, FrameBytes);
    }

    /// <summary>A copy of frame <paramref name="t"/> as an image.</summary>
    public RgbImage ToImage(int t) => new(Width, Height, Frame(t).ToArray());
}
