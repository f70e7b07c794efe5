using System.Diagnostics;
using System.Runtime.InteropServices;
using Glossa.Corpora;
using SkiaSharp;

namespace Glossa.Tests.Frames;

/// <summary>Synthetic frames, clips and samples written to a temporary folder for the frame tests.</summary>
internal sealed class FrameTestData : IDisposable
{
    public FrameTestData()
    {
        Root = Path.Combine(Path.GetTempPath(), "glossa-frames-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>The synthetic pixel of frame t at (x, y): varied content, exactly reproducible.</summary>
    public static (byte R, byte G, byte B) Pixel(int t, int x, int y) =>
        ((byte)(x * 7 + t * 13), (byte)(y * 11 + t), (byte)((x + y) * 5 + t * 3));

    public static byte[] Rgb(int t, int w, int h)
    {
        var rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var (r, g, b) = Pixel(t, x, y);
                int o = (y * w + x) * 3;
                rgb[o] = r; rgb[o + 1] = g; rgb[o + 2] = b;
            }
        return rgb;
    }

    /// <summary>Writes an RGB buffer as PNG or JPEG (quality 100).</summary>
    public static void WriteImage(string path, int w, int h, byte[] rgb, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++)
        {
            rgba[i * 4] = rgb[i * 3];
            rgba[i * 4 + 1] = rgb[i * 3 + 1];
            rgba[i * 4 + 2] = rgb[i * 3 + 2];
            rgba[i * 4 + 3] = 255;
        }
        Marshal.Copy(rgba, 0, bmp.GetPixels(), rgba.Length);
        using var data = bmp.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>A folder of <paramref name="frames"/> PNGs, sorted names; frame t has the pattern of <see cref="Pixel"/>.</summary>
    public IReadOnlyList<string> Clip(string name, int frames, int w, int h)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        var paths = new List<string>();
        for (int t = 0; t < frames; t++)
        {
            string p = Path.Combine(dir, $"images{t + 1:D4}.png");
            WriteImage(p, w, h, Rgb(t, w, h));
            paths.Add(p);
        }
        return paths;
    }

    public Sample Sample(string id, int frames, int w, int h, params string[] glosses) =>
        new(id, "train", "Signer01", glosses, Clip(id, frames, w, h), null, $"test.csv:{id}");

    /// <summary>Encodes the PNG frames of a clip into a lossless RGB H.264 mp4 with the real ffmpeg.</summary>
    public string Video(string name, IReadOnlyList<string> frames) => Video(name, frames, ".mp4", "libx264rgb", "-qp", "0", "-pix_fmt", "rgb24");

    /// <summary>Encodes the PNG frames with the given container extension and codec arguments.</summary>
    public string Video(string name, IReadOnlyList<string> frames, string extension, params string[] codec)
    {
        string dir = Path.GetDirectoryName(frames[0])!;
        string output = Path.Combine(Root, name + extension);
        var psi = new ProcessStartInfo("/usr/bin/ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y", "-framerate", "25", "-i", Path.Combine(dir, "images%04d.png"), "-c:v" }
                     .Concat(codec).Append(output))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("ffmpeg failed: " + err);
        return output;
    }

    public static Vocabulary Vocab(params string[] glosses) => Vocabulary.FromGlosses(glosses);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
