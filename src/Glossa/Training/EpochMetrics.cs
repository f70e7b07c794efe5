namespace Glossa.Training;

/// <summary>
/// One line of a run's <c>metrics.jsonl</c> (snake_case in JSON): what the trainer measured in
/// one epoch, and what the doctor reads. Optional measurements are null when not taken.
/// </summary>
public sealed record EpochMetrics
{
    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; init; }
    /// <summary>Mean CTC loss over the epoch's training steps (a distillation run's extra term is in <see cref="DistillLoss"/>; the optimised total is their sum).</summary>
    public double TrainLoss { get; init; }
    /// <summary>Mean validation CTC loss.</summary>
    public double? ValLoss { get; init; }
    /// <summary>Training WER in percent: greedy decoding of every training step's output (train mode, so dropout and augmentation on), if measured.</summary>
    public double? TrainWer { get; init; }
    /// <summary>Validation WER in percent.</summary>
    public double? ValWer { get; init; }
    /// <summary>Share (0..1) of validation output frames whose best class is the blank.</summary>
    public double? BlankRatio { get; init; }
    /// <summary>Share (0..1) of validation hypotheses that are empty.</summary>
    public double? EmptyRate { get; init; }
    /// <summary>Mean predicted length divided by mean reference length on validation.</summary>
    public double? LengthRatio { get; init; }
    /// <summary>Learning rate at the end of the epoch.</summary>
    public double? LearningRate { get; init; }
    /// <summary>Mean and maximum global gradient norm (before clipping) over the epoch's steps.</summary>
    public double? GradNormMean { get; init; }
    public double? GradNormMax { get; init; }
    /// <summary>Largest single-step training loss of the epoch (spike detection).</summary>
    public double? TrainLossMax { get; init; }
    /// <summary>Optimizer steps taken so far in the run.</summary>
    public long? Steps { get; init; }
    /// <summary>Wall-clock seconds of the epoch (training + validation).</summary>
    public double? Seconds { get; init; }
    /// <summary>Share (0..1) of training step time spent waiting for data.</summary>
    public double? DataWaitShare { get; init; }
    /// <summary>Distillation term (distillation runs only) as added to the CTC loss, i.e. weight x KL x T^2, mean over the epoch.</summary>
    public double? DistillLoss { get; init; }
    /// <summary>The training loss split by term as added to the optimised total (runs with auxiliary objectives): <c>ctc</c> (= <see cref="TrainLoss"/>), <c>conv_ctc</c>, <c>align</c>.</summary>
    public IReadOnlyDictionary<string, double>? LossTerms { get; init; }
    /// <summary>A few validation examples: reference and hypothesis glosses joined by spaces.</summary>
    public IReadOnlyList<PredictionSample>? Samples { get; init; }
}

/// <summary>A reference/hypothesis pair shown in logs as <c>Target: ... / Pred: ...</c>.</summary>
public sealed record PredictionSample(string Id, string Target, string Pred);
