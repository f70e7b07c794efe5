using Glossa.Frames;

namespace Glossa.Tests.Frames;

public sealed class FrameChunksTests : IDisposable
{
    readonly FrameTestData data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Video_chunks_cover_the_clip_with_overlap_and_match_the_whole_clip()
    {
        var frames = data.Clip("c", 11, 24, 20);
        string video = data.Video("c", frames);
        var options = FrameOptions.Square(20, 16);
        var sample = new Glossa.Corpora.Sample("c", "test", "s", ["A"], [], video, "t:1");
        var loader = new BatchLoader([sample], FrameTestData.Vocab("A"), new LoaderOptions { Frames = options, Mode = FrameMode.Eval, BatchSize = 1, Workers = 0 });
        using var whole = loader.BuildBatch([0]);

        var chunks = FrameChunks.Read(FrameSource.ForPath(video), options, chunkFrames: 4, overlap: 1).ToList();

        Assert.Equal([0, 3, 6, 9], chunks.Select(c => c.Start));
        Assert.Equal([4, 4, 4, 2], chunks.Select(c => c.Length));
        foreach (var c in chunks)
        {
            using var expected = whole.Frames.narrow(1, c.Start, c.Length);
            Assert.True(expected.allclose(c.Frames), $"chunk at {c.Start} differs from the whole clip");
            c.Dispose();
        }
    }

    [Fact]
    public void Exact_multiple_gives_no_empty_tail()
    {
        var frames = data.Clip("e", 6, 16, 16);
        var chunks = FrameChunks.Read(new FrameFileSource(frames), FrameOptions.Square(16, 16), chunkFrames: 3).ToList();
        Assert.Equal([0, 3], chunks.Select(c => c.Start));
        chunks.ForEach(c => c.Dispose());
    }

    [Fact]
    public void A_phoenix_clip_folder_given_for_its_frame_folder_names_the_subfolder()
    {
        // PHOENIX keeps a clip's frames in <id>/1/; a user gives <id>/.
        var frames = data.Clip(Path.Combine("clip-7", "1"), 3, 16, 16);
        string clip = Path.Combine(data.Root, "clip-7");
        var e = Assert.Throws<Glossa.Common.GlossaException>(() => FrameSource.ForPath(clip));
        Assert.Equal($"{clip}: the folder holds no frame images (.png .jpg .jpeg .bmp .webp); its subfolder 1/ does (a PHOENIX clip keeps them in <id>/1/): give {Path.Combine(clip, "1")}", e.Message);
        Assert.Equal(3, ((FrameFileSource)FrameSource.ForPath(Path.Combine(clip, "1"))).Paths.Count);
        // An empty folder says only that.
        Directory.CreateDirectory(Path.Combine(data.Root, "empty"));
        e = Assert.Throws<Glossa.Common.GlossaException>(() => FrameSource.ForPath(Path.Combine(data.Root, "empty")));
        Assert.EndsWith("the folder holds no frame images (.png .jpg .jpeg .bmp .webp)", e.Message);
        Assert.NotEmpty(frames);
        // A folder of videos says to give the videos.
        string videos = Path.Combine(data.Root, "videos");
        Directory.CreateDirectory(videos);
        File.WriteAllBytes(Path.Combine(videos, "a.mp4"), [0]);
        e = Assert.Throws<Glossa.Common.GlossaException>(() => FrameSource.ForPath(videos));
        Assert.EndsWith($"it holds 1 video: give each video as an input (e.g. {Path.Combine(videos, "*")}.mp4)", e.Message);
        // .bmp and .webp frames, which every corpus reader takes, are frames here too.
        string bmp = Path.Combine(data.Root, "bmp");
        Directory.CreateDirectory(bmp);
        File.WriteAllBytes(Path.Combine(bmp, "0.bmp"), Bmp8x8());
        var source = FrameSource.ForPath(bmp);
        Assert.Single(((FrameFileSource)source).Paths);
        Assert.Equal(1, source.Decode(8, 8).Length);
    }

    [Fact]
    public void A_folder_of_unpadded_frame_names_is_read_in_the_order_a_corpus_reads_it()
    {
        // frame0 .. frame11: by plain name frame10 and frame11 came after frame1, and recognize gave the clip other glosses
        // than evaluate, whose corpus reader orders digit runs by value (a new user's trial, 2026-12-07).
        string dir = Path.Combine(data.Root, "unpadded");
        Directory.CreateDirectory(dir);
        foreach (int i in Enumerable.Range(0, 12))
            File.WriteAllBytes(Path.Combine(dir, $"frame{i}.bmp"), Bmp8x8());
        var paths = ((FrameFileSource)FrameSource.ForPath(dir)).Paths.Select(Path.GetFileName).ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"frame{i}.bmp"), paths);
    }

    /// <summary>An 8x8 24-bit BMP (SkiaSharp decodes BMP but does not encode it).</summary>
    static byte[] Bmp8x8()
    {
        const int w = 8, h = 8, row = w * 3, pixels = row * h;
        var b = new byte[54 + pixels];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BitConverter.GetBytes(b.Length).CopyTo(b, 2);
        BitConverter.GetBytes(54).CopyTo(b, 10);
        BitConverter.GetBytes(40).CopyTo(b, 14);
        BitConverter.GetBytes(w).CopyTo(b, 18);
        BitConverter.GetBytes(h).CopyTo(b, 22);
        BitConverter.GetBytes((short)1).CopyTo(b, 26);
        BitConverter.GetBytes((short)24).CopyTo(b, 28);
        BitConverter.GetBytes(pixels).CopyTo(b, 34);
        for (int i = 54; i < b.Length; i++) b[i] = (byte)(i * 7);
        return b;
    }
}
