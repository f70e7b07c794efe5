namespace Glossa.Training;

/// <summary>What one pass over the training batches measured.</summary>
public sealed record TrainEpochResult
{
    /// <summary>Mean (unsmoothed objective, i.e. the optimised) loss over the epoch's batches.</summary>
    public double MeanLoss { get; init; }
    /// <summary>Mean of the trainer's extra loss term (distillation) over the epoch's batches; null when there is none. <see cref="MeanLoss"/> is the CTC part alone.</summary>
    public double? ExtraLoss { get; init; }
    /// <summary>Mean of each auxiliary term (conv_ctc, align) over the epoch's batches, as added to the loss; null without auxiliary objectives.</summary>
    public IReadOnlyDictionary<string, double>? Terms { get; init; }
    /// <summary>Largest single-batch loss.</summary>
    public double MaxLoss { get; init; }
    /// <summary>Greedy WER (percent) of the training forward passes (dropout on, weights moving).</summary>
    public double Wer { get; init; }
    /// <summary>Mean and largest global gradient norm before clipping.</summary>
    public double GradNormMean { get; init; }
    public double GradNormMax { get; init; }
    /// <summary>Batches and clips processed, input frames seen.</summary>
    public int Batches { get; init; }
    public int Clips { get; init; }
    public long Frames { get; init; }
    /// <summary>Optimizer steps taken this epoch.</summary>
    public int OptimizerSteps { get; init; }
    /// <summary>Wall-clock seconds of the epoch's training part, and of that the time spent waiting for batches.</summary>
    public double Seconds { get; init; }
    public double DataWaitSeconds { get; init; }
    /// <summary>True when cancellation ended the epoch early (after a complete step).</summary>
    public bool Interrupted { get; init; }
    /// <summary>How far the epoch got as of its last optimizer step (for an interrupted epoch, batches of
    /// a partly accumulated window are not counted: their gradients were dropped); a complete epoch's
    /// progress lets a run stopped during validation resume straight into validation.</summary>
    public EpochProgress? Progress { get; init; }
}
