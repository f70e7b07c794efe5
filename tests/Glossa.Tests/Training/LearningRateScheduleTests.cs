using Glossa.Training;

namespace Glossa.Tests.Training;

public sealed class LearningRateScheduleTests
{
    static TrainingOptions Opts(LrScheduleKind kind) => new() { OutputDir = "x", Epochs = 10, LearningRate = 1e-3, WarmupEpochs = 1, Schedule = kind, StepMilestones = [4, 8], StepGamma = 0.1, MinLrRatio = 0.01 };

    [Fact]
    public void Warmup_rises_linearly_to_the_peak_then_cosine_falls_to_the_floor()
    {
        var s = LearningRateSchedule.From(Opts(LrScheduleKind.Cosine), stepsPerEpoch: 10);
        Assert.Equal(1e-3 * (0.01 + 0.99 / 10), s.At(0), 12);
        Assert.Equal(1e-3, s.At(9), 12);
        Assert.Equal(1e-3, s.At(10), 12);
        Assert.Equal(1e-5 + (1e-3 - 1e-5) * 0.5, s.At(10 + 45), 9);
        Assert.Equal(1e-5, s.At(100), 12);
        for (long i = 10; i < 99; i++) Assert.True(s.At(i + 1) <= s.At(i));
    }

    [Fact]
    public void Step_schedule_multiplies_at_each_milestone_epoch()
    {
        var s = LearningRateSchedule.From(Opts(LrScheduleKind.Step), stepsPerEpoch: 10);
        Assert.Equal(1e-3, s.At(29), 12);   // epoch 3
        Assert.Equal(1e-4, s.At(30), 12);   // epoch 4
        Assert.Equal(1e-5, s.At(75), 12);   // epoch 8
    }

    [Fact]
    public void Reduce_on_plateau_scales_after_patience_epochs_without_improvement()
    {
        var p = new ReduceOnPlateau { Patience = 2, Factor = 0.5 };
        p = p.Observe(50).Observe(40);
        Assert.Equal(1.0, p.Scale);
        p = p.Observe(41);
        Assert.Equal(1.0, p.Scale);
        p = p.Observe(40);
        Assert.Equal(0.5, p.Scale);
        Assert.Equal(1, p.Reductions);
        p = p.Observe(30);
        Assert.Equal(30, p.Best);
        Assert.Equal(0, p.BadEpochs);
    }
}
