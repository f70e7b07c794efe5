namespace Glossa.Frames;

/// <summary>One decoded frame: interleaved 8-bit RGB, rows top to bottom, no padding between rows.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Pixels">Width * Height * 3 bytes, R G B per pixel.</param>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    /// <summary>The (r, g, b) of pixel (x, y).</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            int o = (y * Width + x) * 3;
            return (Pixels[o], Pixels[o + 1], Pixels[o + 2]);
        }
    }
}
