using System.Globalization;
using System.Text.Json;
using Glossa.Tests.Training;
using Glossa.Tests.Recognition;

namespace Glossa.Tests.Cli;

/// <summary><c>glossa recognize</c> as a child process: output formats, errors, and peak memory on long videos.</summary>
public sealed class RecognizeCliTests
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public void Text_json_ctm_and_nbest_outputs()
    {
        string ckpt = RecognitionFixture.Checkpoint(), folder = RecognitionFixture.FrameFolder(0), video = RecognitionFixture.Video(0);
        var (code, stdout, stderr) = CliProcess.Run(Limit, "recognize", "--checkpoint", ckpt, folder, video, "--ctm", "--threads", "2");
        Assert.True(code == 0, stderr);
        // stdout is a CTM file; the readable lines go to stderr.
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.True(l.Split(' ').Length == 5, $"not a CTM line: {l}"));
        // The frame folder clip0/1 and the video clip0.mp4 are both 'clip0': the second input's lines get their own id (until
        // 2026-12-07 they merged into one utterance of the CTM), and stderr says so.
        var folderCtm = lines.Where(l => l.StartsWith("clip0 1 ", StringComparison.Ordinal)).Select(l => l[8..]).ToList();
        var videoCtm = lines.Where(l => l.StartsWith("clip0-2 1 ", StringComparison.Ordinal)).Select(l => l[10..]).ToList();
        Assert.Equal(lines.Length, folderCtm.Count + videoCtm.Count);
        Assert.NotEmpty(folderCtm);
        Assert.Equal(folderCtm.Select(l => l.Split(' ')[^1]), videoCtm.Select(l => l.Split(' ')[^1]));
        Assert.Contains($"{video}: {folder} has the CTM id 'clip0', so this input's CTM lines use 'clip0-2'", stderr);
        var text = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string folderLine = text.Single(l => l.StartsWith(folder + ": ", StringComparison.Ordinal));
        string videoLine = text.Single(l => l.StartsWith(video + ": ", StringComparison.Ordinal));
        Assert.Equal(folderLine[(folder.Length + 2)..], videoLine[(video.Length + 2)..]);

        (code, stdout, stderr) = CliProcess.Run(Limit, "recognize", "-c", ckpt, video, "--json", "--ctm", "--nbest", "3", "--threads", "2");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement[0];
        Assert.Equal(video, r.GetProperty("input").GetString());
        Assert.InRange(r.GetProperty("nbest").GetArrayLength(), 1, 3);
        Assert.True(r.GetProperty("nbest")[0].GetProperty("score").GetDouble() < 0);
        Assert.Equal(r.GetProperty("glosses").GetArrayLength(), r.GetProperty("ctm").GetArrayLength());
        Assert.Equal("beam-3", r.GetProperty("decoder").GetString());
        Assert.Equal("clip0", r.GetProperty("ctm_id").GetString());
        Assert.False(r.TryGetProperty("warning", out _));
    }

    [Fact]
    public void A_stride_3_model_recognises_with_the_default_chunking()
    {
        // --overlap 32 and --chunk 256 fit strides 1, 2, 4 and 8; a K5-P3-K5 model had refused every input given no option.
        string ckpt = RecognitionFixture.Checkpoint(1, "K5-P3-K5");
        var (code, stdout, stderr) = CliProcess.Run(Limit, "recognize", "-c", ckpt, RecognitionFixture.FrameFolder(0), "--json", "--threads", "2");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(3, doc.RootElement[0].GetProperty("stride").GetInt32());
        // A broken GLOSSA_FFPROBE is named as the tool's fault, once, not as the video's.
        var env = new Dictionary<string, string> { ["GLOSSA_FFPROBE"] = "/bin/true" };
        (code, _, stderr) = CliProcess.Run(Limit, env, "recognize", "-c", ckpt, RecognitionFixture.Video(0));
        Assert.Equal(2, code);
        Assert.Contains("/bin/true does not run as ffprobe", stderr);
        Assert.Contains("fix GLOSSA_FFPROBE or unset it", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Missing_and_corrupt_files_are_one_line_errors_with_exit_code_2()
    {
        string ckpt = RecognitionFixture.Checkpoint();
        string missing = Path.Combine(RecognitionFixture.Root, "missing.mp4");
        var (code, _, err) = CliProcess.Run(Limit, "recognize", "-c", ckpt, missing);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("missing.mp4", err);

        string corrupt = Path.Combine(RecognitionFixture.Root, "corrupt.mp4");
        var bytes = new byte[50_000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(corrupt, bytes);
        (code, _, err) = CliProcess.Run(Limit, "recognize", "-c", ckpt, corrupt);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("corrupt.mp4", err);
        Assert.DoesNotContain("   at ", err);
        // A good input before the bad one: the bad one is named before any result is printed (the text output had printed
        // the good one's, and --json printed nothing of it).
        (code, var stdout, err) = CliProcess.Run(Limit, "recognize", "-c", ckpt, RecognitionFixture.FrameFolder(0), corrupt);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("corrupt.mp4", err);

        (code, _, err) = CliProcess.Run(Limit, "recognize", "-c", Path.Combine(RecognitionFixture.Root, "no-run", "best"), RecognitionFixture.FrameFolder(0));
        Assert.Equal(2, code);
        Assert.Contains("checkpoint", err);
    }

    [Fact]
    public void Stream_prints_stable_glosses_with_the_lag_then_the_result()
    {
        var (code, stdout, stderr) = CliProcess.Run(Limit, "recognize", "-c", RecognitionFixture.Checkpoint(), RecognitionFixture.Video(1),
            "--stream", "--json", "--chunk", "48", "--overlap", "8", "--threads", "2");
        Assert.True(code == 0, stderr);
        var events = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var stable = events.Where(e => e.TryGetProperty("event", out _)).ToList();
        Assert.True(stable.Count >= 3);
        Assert.All(stable.SkipLast(2), e => Assert.InRange(e.GetProperty("lag_frames").GetInt32(), 8, 40));
        var streamed = stable.SelectMany(e => e.GetProperty("glosses").EnumerateArray().Select(g => g.GetProperty("gloss").GetString())).ToList();
        var final = events[^1].GetProperty("glosses").EnumerateArray().Select(g => g.GetString()).ToList();
        Assert.Equal(final, streamed);
        Assert.Contains("lags the decoded frames", stderr);
    }

    [Fact]
    public void Peak_memory_does_not_grow_with_video_length()
    {
        // A 2-minute video here (3,000 frames) against a 20-second one; the 10-minute case runs in `glossa bench --only recognize-memory`.
        string shortVideo = Path.Combine(RecognitionFixture.Root, "short.mp4"), longVideo = Path.Combine(RecognitionFixture.Root, "long.mp4");
        RecognitionFixture.Run("-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x80:rate=25", "-t", "20", "-c:v", "libx264", "-preset", "ultrafast", shortVideo);
        RecognitionFixture.Run("-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x80:rate=25", "-t", "120", "-c:v", "libx264", "-preset", "ultrafast", longVideo);
        var (peakShort, framesShort) = PeakRss(shortVideo);
        var (peakLong, framesLong) = PeakRss(longVideo);
        Assert.Equal(500, framesShort);
        Assert.Equal(3000, framesLong);
        Assert.True(peakLong < 1536L << 20, $"peak RSS {peakLong >> 20} MB on the 2-minute video");
        Assert.True(peakLong - peakShort < 100L << 20, $"peak RSS grew from {peakShort >> 20} MB (20 s) to {peakLong >> 20} MB (2 min)");
    }

    static (long PeakBytes, int Frames) PeakRss(string video)
    {
        using var p = new CliProcess("recognize", "-c", RecognitionFixture.Checkpoint(), video, "--json", "--threads", "2");
        long peak = 0;
        var deadline = DateTime.UtcNow + Limit;
        while (!p.HasExited && DateTime.UtcNow < deadline)
        {
            peak = Math.Max(peak, ReadHwm(p.Id));
            Thread.Sleep(50);
        }
        int code = p.Wait(Limit);
        Assert.True(code == 0, p.Stderr);
        Assert.True(peak > 0, "could not sample /proc/PID/status");
        using var doc = JsonDocument.Parse(p.Stdout);
        return (peak, doc.RootElement[0].GetProperty("frames").GetInt32());
    }

    /// <summary>VmHWM (peak resident set) of a process in bytes, 0 if it has gone.</summary>
    internal static long ReadHwm(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return 0;
    }
}
