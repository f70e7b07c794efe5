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
    public void Kept_frames_apply_the_cap()
    {
        var f = new FrameOptions { MaxFrames = 100, TemporalRescale = 0.2, RescaleMinFrames = 32, RescaleMaxFrames = 100 };
        Assert.Equal(100, FramePolicy.KeptFrames(f, 300));
        Assert.Equal(20, FramePolicy.KeptFrames(f, 20));
        Assert.Equal(300, FramePolicy.KeptFrames(f with { MaxFrames = 0 }, 300));
    }

    [Fact]
    public void Shortest_input_is_the_fewest_frames_whose_output_holds_the_label()
    {
        var shortest = TrainingJob.ShortestInput(n => n / 4);
        Assert.Equal(12, shortest([1, 2, 3]));      // 3 glosses: 3 output frames, 12 input frames
        Assert.Equal(24, shortest([1, 1, 1, 2]));   // 4 glosses + 2 repeats: 6 output frames
        Assert.Equal(4, shortest([]));              // at least one output frame
        static int Valid(int n) => Math.Max(0, (n - 4) / 2 - 4) / 2; // two K5 convs and two pools, no padding
        int m = TrainingJob.ShortestInput(Valid)([1, 2, 3, 4, 5]);
        Assert.True(Valid(m) >= 5 && Valid(m - 1) < 5, $"{m} is not the fewest");
    }
}
