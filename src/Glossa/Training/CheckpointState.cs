namespace Glossa.Training;

/// <summary>
/// The loop state a checkpoint carries next to the weights (<c>state.json</c>): enough for
/// <c>--resume</c> to continue exactly where the run stopped.
/// </summary>
public sealed record CheckpointState
{
    /// <summary>Format version of the checkpoint folder.</summary>
    public int FormatVersion { get; init; } = 1;
    /// <summary>Named model configuration (i3d-teacher, ...).</summary>
    public string Model { get; init; } = "";
    /// <summary>Last completed epoch (1-based); the next run continues at Epoch + 1.</summary>
    public int Epoch { get; init; }
    /// <summary>True when Ctrl+C ended the epoch after <see cref="Epoch"/> part-way; its partial updates are in the weights.</summary>
    public bool Interrupted { get; init; }
    /// <summary>With <see cref="Interrupted"/>: how far the interrupted epoch got (resume continues it); null in older checkpoints (resume redoes the epoch).</summary>
    public EpochProgress? PartialEpoch { get; init; }
    /// <summary>Optimizer steps taken so far (drives the learning-rate schedule).</summary>
    public long OptimizerSteps { get; init; }
    /// <summary>Validation WER (percent) of the saved weights, null when not validated.</summary>
    public double? ValWer { get; init; }
    /// <summary>Best validation WER of the run so far and its epoch.</summary>
    public double? BestWer { get; init; }
    public int BestEpoch { get; init; }
    /// <summary>Epochs since the best (early stopping counter).</summary>
    public int EpochsSinceBest { get; init; }
    /// <summary>Lowest validation loss so far (null before the first, and in older checkpoints).</summary>
    public double? BestValLoss { get; init; }
    /// <summary>Lowest mean training loss of an epoch so far (null before the first, and in older checkpoints).</summary>
    public double? BestTrainLoss { get; init; }
    /// <summary>Epochs in a row with neither a new best validation WER nor a new training-loss low (the counter of <see cref="TrainingOptions.PatienceOnStall"/>).</summary>
    public int StalledEpochs { get; init; }
    /// <summary>Multiplier of the budget's end (<see cref="BudgetAnneal"/>) in use for the epoch after this one (1 = none).</summary>
    public double AnnealScale { get; init; } = 1;
    /// <summary>Reduce-on-plateau multiplier state.</summary>
    public ReduceOnPlateau Plateau { get; init; } = new();
    /// <summary>The run's seed: data order and torch RNG are reseeded from (seed, epoch) each epoch, so this is all the RNG state needed.</summary>
    public long Seed { get; init; }
    /// <summary>UTC time of writing.</summary>
    public DateTime SavedUtc { get; init; }
}
