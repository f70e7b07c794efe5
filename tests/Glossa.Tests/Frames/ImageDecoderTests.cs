using Glossa.Common;
using Glossa.Frames;
using SkiaSharp;

namespace Glossa.Tests.Frames;

public sealed class ImageDecoderTests : IDisposable
{
    readonly FrameTestData data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Png_decodes_to_the_exact_pixels_written()
    {
        string path = Path.Combine(data.Root, "a.png");
        var rgb = FrameTestData.Rgb(3, 21, 26);
        FrameTestData.WriteImage(path, 21, 26, rgb);

        var image = ImageDecoder.Decode(path);

        Assert.Equal((21, 26), (image.Width, image.Height));
        Assert.Equal(rgb, image.Pixels);
        Assert.Equal(FrameTestData.Pixel(3, 20, 25), image[20, 25]);
    }

    [Fact]
    public void Jpeg_decodes_close_to_the_pixels_written()
    {
        // Smooth content: JPEG at quality 100 stays within a few levels.
        int w = 32, h = 24;
        var rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int o = (y * w + x) * 3;
                rgb[o] = (byte)(40 + x * 4); rgb[o + 1] = (byte)(200 - y * 3); rgb[o + 2] = 120;
            }
        string path = Path.Combine(data.Root, "a.jpg");
        FrameTestData.WriteImage(path, w, h, rgb, SKEncodedImageFormat.Jpeg);

        var image = ImageDecoder.Decode(path);

        Assert.Equal((w, h), (image.Width, image.Height));
        double meanError = image.Pixels.Zip(rgb, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanError < 3, $"mean abs error {meanError}");
    }

    [Fact]
    public void Resized_decode_averages_neighbours()
    {
        // 4x2 image: left half black, right half white -> 2x1 keeps a dark left and a bright right pixel.
        var rgb = new byte[4 * 2 * 3];
        for (int y = 0; y < 2; y++)
            for (int x = 2; x < 4; x++)
                for (int c = 0; c < 3; c++) rgb[(y * 4 + x) * 3 + c] = 255;
        string path = Path.Combine(data.Root, "halves.png");
        FrameTestData.WriteImage(path, 4, 2, rgb);

        var small = new byte[2 * 1 * 3];
        ImageDecoder.DecodeResized(path, 2, 1, small);
        Assert.True(small[0] < 64 && small[3] > 191, string.Join(",", small));

        var big = new byte[8 * 4 * 3];
        ImageDecoder.DecodeResized(path, 8, 4, big);
        Assert.Equal(0, big[0]);
        Assert.Equal(255, big[(8 * 4 - 1) * 3]);
    }

    [Fact]
    public void Large_jpeg_uses_scaled_decoding_and_still_hits_the_target_size()
    {
        int w = 512, h = 512;
        var rgb = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) { rgb[i * 3] = 200; rgb[i * 3 + 1] = 100; rgb[i * 3 + 2] = 50; }
        string path = Path.Combine(data.Root, "big.jpg");
        FrameTestData.WriteImage(path, w, h, rgb, SKEncodedImageFormat.Jpeg);

        var out64 = new byte[64 * 64 * 3];
        ImageDecoder.DecodeResized(path, 64, 64, out64);
        Assert.InRange(out64[0], 195, 205);
        Assert.InRange(out64[1], 95, 105);
        Assert.InRange(out64[2], 45, 55);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("missing")]
    public void Bad_image_throws_one_line_error_naming_the_file(string kind)
    {
        string path = Path.Combine(data.Root, kind + ".png");
        if (kind == "garbage") File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        if (kind == "truncated")
        {
            FrameTestData.WriteImage(path, 64, 64, FrameTestData.Rgb(0, 64, 64));
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        }

        var e = Assert.Throws<GlossaException>(() => ImageDecoder.DecodeResized(path, 32, 32, new byte[32 * 32 * 3]));

        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
