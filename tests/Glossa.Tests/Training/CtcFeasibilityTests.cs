using Glossa.Corpora;
using Glossa.Frames;
using Glossa.Training;

namespace Glossa.Tests.Training;

public sealed class CtcFeasibilityTests
{
    static Sample Clip(string id, int frames, params string[] glosses) =>
        new(id, "train", "s1", glosses, Enumerable.Range(0, frames).Select(i => $"/f{i}.png").ToArray(), null, $"train.csv:{id}");

    [Fact]
    public void Clips_too_short_after_downsampling_are_left_out_by_name_with_counts()
    {
        var vocab = Vocabulary.FromGlosses(["A", "B", "C"]);
        var samples = new[]
        {
            Clip("ok", 40, "A", "B", "C"),          // 40/4 = 10 output frames >= 3
            Clip("short", 8, "A", "B", "C"),        // 2 < 3
            Clip("repeats", 16, "A", "A", "A", "B"), // 4 < 4 + 2 repeats
            Clip("video", 0, "A"),                  // no frame list: a video, kept for the per-batch check
        };
        samples[3] = samples[3] with { FramePaths = [], VideoPath = "/v.mp4" };
        var (kept, rejected) = CtcFeasibility.Split(samples, vocab, n => n, n => n / 4);
        Assert.Equal(["ok", "video"], kept.Select(s => s.Id));
        Assert.Equal(["short", "repeats"], rejected.Select(r => r.Sample.Id));
        Assert.Equal(6, rejected[1].RequiredFrames);
        var lines = CtcFeasibility.Describe("train", samples.Length, rejected).ToList();
        Assert.Contains("2 of 4 clips", lines[0]);
        Assert.Contains(lines, l => l.Contains("short") && l.Contains("needs 3"));
    }

    [Fact]
    public void Worst_case_frames_apply_the_cap_and_the_shortest_temporal_rescale()
    {
        var f = new FrameOptions { MaxFrames = 100, TemporalRescale = 0.2, RescaleMinFrames = 32, RescaleMaxFrames = 100 };
        Assert.Equal(100, Glossa.Frames.FramePolicy.WorstCaseFrames(f, 300, training: false));
        Assert.Equal(80, Glossa.Frames.FramePolicy.WorstCaseFrames(f, 300, training: true));
        Assert.Equal(32, Glossa.Frames.FramePolicy.WorstCaseFrames(f, 20, training: true)); // short clips are stretched up to the minimum
        Assert.Equal(20, Glossa.Frames.FramePolicy.WorstCaseFrames(f, 20, training: false));
    }
}
