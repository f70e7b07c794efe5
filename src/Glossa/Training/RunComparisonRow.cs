namespace Glossa.Training;

/// <summary>One run folder as <c>glossa compare</c> reports it (null where the folder does not say).</summary>
public sealed record RunComparisonRow
{
    /// <summary>The run folder (absolute).</summary>
    public string Run { get; init; } = "";
    /// <summary>Named model configuration.</summary>
    public string Model { get; init; } = "";
    /// <summary>Trainable parameters of the model the run's config.json describes.</summary>
    public long Parameters { get; init; }
    /// <summary>Input frame side in pixels.</summary>
    public int FrameSize { get; init; }
    /// <summary>The corpus the run trained on (its training options), when they name one.</summary>
    public string? Corpus { get; init; }
    /// <summary>The teacher checkpoint, for distillation runs.</summary>
    public string? Teacher { get; init; }
    /// <summary>How the run ended (completed, early-stopped, interrupted, failed), or "running" without summary.json.</summary>
    public string Status { get; init; } = "";
    /// <summary>For an early-stopped run, what stopped it: patience, time_budget or wall_clock (<see cref="TrainingOutcome.Cause"/>).</summary>
    public string? StopCause { get; init; }
    /// <summary>The recipe preset the run started from (vac, smkd, corrnet), when one.</summary>
    public string? Recipe { get; init; }
    /// <summary>The training objective's terms, e.g. <c>ctc+conv_ctc+align, shared head</c> (SMKD) or <c>ctc+kd</c> (a distillation), from the run's latest options.</summary>
    public string Objective { get; init; } = "";
    /// <summary>Epochs completed, and the epoch of the best validation WER (null before the first epoch ends).</summary>
    public int Epochs { get; init; }
    public int? BestEpoch { get; init; }
    /// <summary>Training throughput (clips per second of training step time) and mean wall seconds per epoch (train + validation).</summary>
    public double? ClipsPerSecond { get; init; }
    public double? SecondsPerEpoch { get; init; }
    /// <summary>Best validation WER seen during training (greedy decoding, percent).</summary>
    public double? BestValWer { get; init; }
    /// <summary>Dev and test WER (percent) from <c>glossa evaluate</c> outputs in the run folder, when present.</summary>
    public double? DevWer { get; init; }
    public double? TestWer { get; init; }
    /// <summary>Decoder of the dev evaluation (else the test one): greedy, beam-N.</summary>
    public string? Decoder { get; init; }
    /// <summary>Decoder of each split's evaluation; a test evaluation with the dev one's decoder is preferred.</summary>
    public string? DevDecoder { get; init; }
    public string? TestDecoder { get; init; }
    /// <summary>Forward-pass milliseconds per clip in the dev (else test) evaluation, after its first batch when it had more than one: inference speed.</summary>
    public double? EvalMsPerClip { get; init; }
}
