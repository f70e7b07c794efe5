namespace Glossa.Training;

/// <summary>
/// The learning rate as a pure function of the optimizer step (nanoGPT style): a linear warm-up
/// from 1% of the peak, then cosine, step or constant. Reduce-on-plateau is a separate multiplier
/// (<see cref="ReduceOnPlateau"/>) so that this function stays stateless and resumes exactly.
/// </summary>
public sealed record LearningRateSchedule(
    LrScheduleKind Kind,
    double PeakLr,
    long WarmupSteps,
    long TotalSteps,
    long StepsPerEpoch,
    double MinLrRatio,
    IReadOnlyList<int> Milestones,
    double Gamma)
{
    /// <summary>Builds the schedule of a run from its options and the number of optimizer steps per epoch.</summary>
    public static LearningRateSchedule From(TrainingOptions o, long stepsPerEpoch)
    {
        stepsPerEpoch = Math.Max(1, stepsPerEpoch);
        return new LearningRateSchedule(o.Schedule, o.LearningRate,
            (long)Math.Round(o.WarmupEpochs * stepsPerEpoch), o.Epochs * stepsPerEpoch, stepsPerEpoch,
            o.MinLrRatio, o.StepMilestones, o.StepGamma);
    }

    /// <summary>Learning rate for 0-based optimizer step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
            return PeakLr * (0.01 + 0.99 * (step + 1) / WarmupSteps);
        switch (Kind)
        {
            case LrScheduleKind.Cosine:
            {
                long span = Math.Max(1, TotalSteps - WarmupSteps);
                double progress = Math.Clamp((double)(step - WarmupSteps) / span, 0, 1);
                double floor = PeakLr * MinLrRatio;
                return floor + (PeakLr - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
            }
            case LrScheduleKind.Step:
            {
                int epoch = (int)(step / StepsPerEpoch) + 1; // 1-based epoch this step belongs to
                int passed = Milestones.Count(m => epoch >= m);
                return PeakLr * Math.Pow(Gamma, passed);
            }
            default:
                return PeakLr;
        }
    }
}
