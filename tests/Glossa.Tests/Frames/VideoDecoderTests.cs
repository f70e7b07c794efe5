using Glossa.Common;
using Glossa.Frames;

namespace Glossa.Tests.Frames;

public sealed class VideoDecoderTests : IDisposable
{
    readonly FrameTestData data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Mp4_made_by_ffmpeg_gives_every_frame_with_its_pixels()
    {
        var frames = data.Clip("v", 12, 32, 24);
        string video = data.Video("v", frames);

        var clip = VideoDecoder.Default.ReadClip(video, 32, 24);

        Assert.Equal(12, clip.Length);
        for (int t = 0; t < 12; t++)
        {
            var expected = FrameTestData.Rgb(t, 32, 24);
            double err = clip.Frame(t).ToArray().Zip(expected, (a, b) => Math.Abs(a - b)).Average();
            Assert.True(err < 2, $"frame {t}: mean abs error {err}");
        }
    }

    [Theory]
    [InlineData(".avi", new[] { "ffv1", "-pix_fmt", "bgr0" })]
    [InlineData(".mkv", new[] { "ffv1", "-pix_fmt", "bgr0" })]
    [InlineData(".webm", new[] { "libvpx-vp9", "-lossless", "1", "-pix_fmt", "yuv444p" })]
    public void Other_containers_decode_too(string extension, string[] codec)
    {
        var frames = data.Clip("o", 5, 32, 24);
        string video = data.Video("o", frames, extension, codec);

        var clip = FrameSource.ForPath(video).Decode(32, 24);

        Assert.Equal(5, clip.Length);
        var expected = FrameTestData.Rgb(4, 32, 24);
        double err = clip.Frame(4).ToArray().Zip(expected, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(err < 4, $"{extension}: mean abs error {err}");
    }

    [Fact]
    public void Streaming_yields_frames_lazily_at_native_or_scaled_size()
    {
        string video = data.Video("s", data.Clip("s", 7, 32, 24));

        var native = VideoDecoder.Default.ReadFrames(video).ToList();
        Assert.Equal(7, native.Count);
        Assert.All(native, f => Assert.Equal((32, 24), (f.Width, f.Height)));
        Assert.Equal((32, 24), VideoDecoder.Default.Probe(video));

        // Taking two frames and stopping must not hang (ffmpeg is killed).
        var firstTwo = VideoDecoder.Default.ReadFrames(video, 16, 12).Take(2).ToList();
        Assert.Equal(2, firstTwo.Count);
        Assert.Equal(16 * 12 * 3, firstTwo[1].Pixels.Length);

        var source = FrameSource.ForPath(video);
        Assert.Equal(7, source.Stream(8, 8).Count());
    }

    [Fact]
    public void Corrupt_video_names_the_file_and_ffmpegs_message()
    {
        string path = Path.Combine(data.Root, "bad.mp4");
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 31)).ToArray());

        var e = Assert.Throws<GlossaException>(() => VideoDecoder.Default.ReadClip(path, 16, 16));

        Assert.Contains(path, e.Message);
        Assert.Contains("ffmpeg", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Missing_ffmpeg_says_how_to_install_it()
    {
        string video = data.Video("m", data.Clip("m", 2, 16, 16));
        var decoder = new VideoDecoder("/nonexistent/ffmpeg", "/nonexistent/ffprobe");

        var e = Assert.Throws<GlossaException>(() => decoder.ReadClip(video, 16, 16));

        Assert.StartsWith("ffmpeg not found: install it with `apt-get install ffmpeg`", e.Message);
    }

    [Fact]
    public void Video_sample_goes_through_the_batch_loader()
    {
        var frames = data.Clip("vs", 9, 40, 30);
        string video = data.Video("vs", frames);
        var sample = new Glossa.Corpora.Sample("vs", "test", "s", ["A"], [], video, "t.csv:1");
        var fileSample = sample with { Id = "fs", FramePaths = frames, VideoPath = null };
        var options = new LoaderOptions { Mode = FrameMode.Eval, BatchSize = 2, Workers = 0, Frames = FrameOptions.Square(32, 24) };
        var loader = new BatchLoader([sample, fileSample], FrameTestData.Vocab("A"), options);

        using var batch = loader.Epoch(0).Single();

        Assert.Equal([9L, 9L], batch.Lengths.data<long>().ToArray());
        // Video (scaled by ffmpeg) and frames (scaled by Skia) agree closely; both bilinear.
        var v = batch.Frames[0].data<float>().ToArray();
        var f = batch.Frames[1].data<float>().ToArray();
        double err = v.Zip(f, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(err < 0.06, $"mean abs difference {err} (in [-1,1] units)");
    }
}
