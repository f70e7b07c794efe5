using Glossa.Corpora;
using System.Runtime.CompilerServices;
using Glossa.Common;
using SkiaSharp;

namespace Glossa.Frames;

/// <summary>
/// PNG and JPEG decoding through SkiaSharp, straight into 8-bit RGB. Decoding reuses per-thread
/// pixel buffers, so a frame costs no managed allocation beyond its output; JPEGs are decoded at
/// the smallest DCT scale (1/2, 1/4, 1/8) that still covers the target size.
/// </summary>
public static class ImageDecoder
{
    [ThreadStatic] static byte[]? decodeBuffer;
    [ThreadStatic] static byte[]? scaleBuffer;

    /// <summary>Decodes an image at its own size.</summary>
    public static RgbImage Decode(string path)
    {
        using var codec = Open(path);
        var size = codec.Info.Size;
        var rgb = new byte[size.Width * size.Height * 3];
        DecodeInto(codec, path, size.Width, size.Height, rgb);
        return new RgbImage(size.Width, size.Height, rgb);
    }

    /// <summary>Decodes an image resized (bilinear) to exactly width x height into <paramref name="rgb"/> (width*height*3 bytes).</summary>
    public static void DecodeResized(string path, int width, int height, Span<byte> rgb)
    {
        if (rgb.Length < width * height * 3)
            throw new ArgumentException($"output of {rgb.Length} bytes is too small for {width}x{height} RGB", nameof(rgb));
        using var codec = Open(path);
        DecodeInto(codec, path, width, height, rgb);
    }

    /// <summary>The size of an image, read from its header only.</summary>
    public static (int Width, int Height) Size(string path)
    {
        using var codec = Open(path);
        return (codec.Info.Width, codec.Info.Height);
    }

    static SKCodec Open(string path)
    {
        if (FrameHeader.MissingProblem(path) is { } missing)
            throw new GlossaException($"{path}: {missing}");
        var codec = SKCodec.Create(path, out var result);
        if (codec is null)
            throw new GlossaException($"{path}: cannot decode the image ({Describe(result)}); the file is corrupt or not a PNG/JPEG, re-extract it");
        if (FrameHeader.SizeProblem(codec.Info.Width, codec.Info.Height) is { } problem)
        {
            codec.Dispose();
            throw new GlossaException($"{path}: {problem}");
        }
        return codec;
    }

    static unsafe void DecodeInto(SKCodec codec, string path, int width, int height, Span<byte> rgb)
    {
        var full = codec.Info.Size;
        // JPEG can decode at 1/2, 1/4, 1/8 scale for free; other codecs return their full size here.
        var decoded = full;
        if (width < full.Width && height < full.Height)
        {
            float scale = Math.Max((float)width / full.Width, (float)height / full.Height);
            var scaled = codec.GetScaledDimensions(scale);
            if (scaled.Width >= width && scaled.Height >= height) decoded = scaled;
        }
        var alpha = codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul;
        var info = new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, alpha);
        byte[] src = Rent(ref decodeBuffer, info.BytesSize);
        fixed (byte* ps = src)
        {
            var result = codec.GetPixels(info, (IntPtr)ps);
            if (result != SKCodecResult.Success)
                throw new GlossaException($"{path}: cannot decode the image ({Describe(result)}); the file is corrupt or truncated, re-extract it");
            if (decoded.Width == width && decoded.Height == height)
            {
                RgbaToRgb(ps, rgb, width * height);
                return;
            }
            bool shrinkMuch = decoded.Width > 2 * width || decoded.Height > 2 * height;
            if (!shrinkMuch)
            {
                // Our fused resize writes RGB directly: no RGBA intermediate at the target size.
                fixed (byte* pd = rgb)
                    BilinearResizer.RgbaToRgb(ps, decoded.Width, decoded.Height, pd, width, height);
                return;
            }
            // Shrinking below half size: Skia's mipmapped sampling avoids the aliasing of plain bilinear.
            var target = new SKImageInfo(width, height, SKColorType.Rgba8888, alpha);
            byte[] dst = Rent(ref scaleBuffer, target.BytesSize);
            fixed (byte* pd = dst)
            {
                using var from = new SKPixmap(info, (IntPtr)ps);
                using var to = new SKPixmap(target, (IntPtr)pd);
                var sampling = new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
                if (!from.ScalePixels(to, sampling))
                    throw new GlossaException($"{path}: resizing {decoded.Width}x{decoded.Height} to {width}x{height} failed");
                RgbaToRgb(pd, rgb, width * height);
            }
        }
    }

    static byte[] Rent(ref byte[]? buffer, int size)
    {
        if (buffer is null || buffer.Length < size) buffer = new byte[size];
        return buffer;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void RgbaToRgb(byte* rgba, Span<byte> rgb, int pixels)
    {
        fixed (byte* pd = rgb)
        {
            byte* s = rgba, d = pd;
            for (int i = 0; i < pixels; i++, s += 4, d += 3)
            {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        }
    }

    static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput => "truncated or damaged data",
        SKCodecResult.Unimplemented => "unsupported format",
        SKCodecResult.InvalidInput => "not an image",
        _ => result.ToString(),
    };
}
