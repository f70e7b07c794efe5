using System.Diagnostics;
using Glossa.Corpora;

namespace Glossa.Tests.Corpora;

/// <summary>Video samples of a manifest, measured with the real ffprobe.</summary>
public class VideoCheckTests
{
    static void MakeVideo(string path, int frames)
    {
        var psi = new ProcessStartInfo("/usr/bin/ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=32x32:rate=25", "-frames:v", frames.ToString(), "-pix_fmt", "yuv420p", path })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
    }

    [Fact]
    public void Video_lengths_are_probed_for_the_ctc_check_and_broken_videos_are_errors()
    {
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        MakeVideo(fx.Path("v", "ok.mp4"), 20);
        MakeVideo(fx.Path("v", "short.mp4"), 7);
        File.WriteAllText(fx.Path("v", "broken.mkv"), "not a video");
        fx.WriteText("v/glossa-manifest.csv",
            "id|split|path|signer|glosses\n" +
            "ok|train|ok.mp4|a|A B C\n" +
            "short|train|short.mp4|a|A B\n" +
            "broken|dev|broken.mkv|b|A\n");
        var problems = new CorpusProblems();
        var corpus = CorpusLoader.Load(fx.Path("v"), null, problems);
        var report = CorpusChecker.Check(corpus, problems, new CorpusCheckOptions { Stride = 4 });

        Assert.Equal(27, report.Splits["train"].Frames);
        Assert.Equal(20, report.Splits["train"].MaxFrames);
        Assert.Equal(1, report.Splits["dev"].VideosWithoutLength);
        Assert.Equal(2, report.Errors.Count);
        var ctc = Assert.Single(report.Errors, e => e.Kind == CorpusProblemKind.CtcInfeasible);
        Assert.Equal("short", ctc.Sample);
        Assert.Equal(3, ctc.Line);
        var broken = Assert.Single(report.Errors, e => e.Kind == CorpusProblemKind.UnreadableVideo);
        Assert.Equal(fx.Path("v", "broken.mkv"), broken.File);
    }
}
