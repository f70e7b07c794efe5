namespace Glossa.Training;

/// <summary>
/// How far an interrupted epoch got, as of its last completed optimizer step: the batches whose
/// updates are in the weights, the running sums of the epoch's statistics, and libtorch's
/// generator state at that point. Saved in an interrupted checkpoint so that <c>--resume</c>
/// continues the epoch at the next batch (bit-exact on the CPU) instead of redoing it.
/// </summary>
public sealed record EpochProgress
{
    /// <summary>Batches of the epoch already trained (their updates are applied).</summary>
    public int BatchesDone { get; init; }
    public int Clips { get; init; }
    public long Frames { get; init; }
    public int OptimizerSteps { get; init; }
    public double LossSum { get; init; }
    public double LossMax { get; init; } = double.NegativeInfinity;
    public double ExtraLossSum { get; init; }
    /// <summary>Running sums of the auxiliary terms, in the objective's term order; null when there are none.</summary>
    public double[]? TermSums { get; init; }
    public double GradNormSum { get; init; }
    public double GradNormMax { get; init; }
    /// <summary>Greedy errors and reference words of the training forward passes (train WER).</summary>
    public int Errors { get; init; }
    public int ReferenceWords { get; init; }
    /// <summary>Training seconds of the batches done (0 in checkpoints written before 2026-12-06): a resumed epoch's time and clips/s cover the whole epoch.</summary>
    public double Seconds { get; init; }
    /// <summary>Of <see cref="Seconds"/>, the time spent waiting for batches.</summary>
    public double DataWaitSeconds { get; init; }
    /// <summary>libtorch's CPU generator state right after the last completed step (dropout continues from it).</summary>
    public byte[]? TorchRngState { get; init; }
}
