namespace Glossa.Training;

/// <summary>The end of a run, as written to <c>summary.json</c>.</summary>
public sealed record TrainingOutcome
{
    public TrainingStatus Status { get; init; }
    /// <summary>
    /// What ended the run, where the status alone does not say: a failed run written by <see cref="RunWriteFailure"/>
    /// "cannot_write" (null: a non-finite value); an early-stopped run <see cref="CausePatience"/>,
    /// <see cref="CauseTimeBudget"/> or <see cref="CauseWallClock"/> (null in summaries written before 2026-12-07).
    /// </summary>
    public string? Cause { get; init; }

    /// <summary><see cref="Cause"/> of a run early-stopped because the dev WER (and loss) stopped improving for --patience epochs.</summary>
    public const string CausePatience = "patience";
    /// <summary><see cref="Cause"/> of a run stopped because another epoch would end past --time-budget (compute).</summary>
    public const string CauseTimeBudget = "time_budget";
    /// <summary><see cref="Cause"/> of a run stopped because another epoch would end past --wall-budget (wall clock; the cores were shared).</summary>
    public const string CauseWallClock = "wall_clock";
    /// <summary>One-line explanation of how the run ended.</summary>
    public string Message { get; init; } = "";
    /// <summary>Last epoch completed.</summary>
    public int Epochs { get; init; }
    public long OptimizerSteps { get; init; }
    /// <summary>Best validation WER (percent) and its epoch.</summary>
    public double? BestWer { get; init; }
    public int BestEpoch { get; init; }
    /// <summary>Final epoch's validation WER and training loss.</summary>
    public double? LastWer { get; init; }
    public double? LastTrainLoss { get; init; }
    public double Seconds { get; init; }
    /// <summary>Compute the training used, in minutes (CPU time / threads, as --time-budget counts it).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("compute_minutes")]
    public double ComputeMinutes { get; init; }
    /// <summary>Training throughput over the run (clips and input frames per second of training step time).</summary>
    public double ClipsPerSecond { get; init; }
    public double FramesPerSecond { get; init; }
    /// <summary>Share of training time spent waiting for batches.</summary>
    public double DataWaitShare { get; init; }
    /// <summary>Peak resident memory of the process in MiB.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("peak_rss_mib")]
    public double PeakRssMiB { get; init; }
    public string RunDir { get; init; } = "";
    /// <summary>Paths of the best and last checkpoints (null when none was written).</summary>
    public string? Best { get; init; }
    public string? Last { get; init; }
    /// <summary>Doctor findings raised during the run.</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];

    /// <summary>One line: the status and how the run ended, e.g. <c>completed: all 5 epochs done. Best val WER 12.50% (epoch 4); run folder runs/tiny</c>.</summary>
    public override string ToString() =>
        $"{System.Text.Json.JsonSerializer.Serialize(Status).Trim('"')}: {(Message.Length > 0 ? Message : $"{Epochs} epochs; run folder {RunDir}")}";
}
