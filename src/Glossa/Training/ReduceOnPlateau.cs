namespace Glossa.Training;

/// <summary>
/// Reduce-on-plateau as explicit, serialisable state: a multiplier on the scheduled learning
/// rate that shrinks by <see cref="Factor"/> after <see cref="Patience"/> epochs without a new
/// best validation WER. Saved in every checkpoint so that a resumed run continues exactly.
/// Epochs only count once the model has left its initial plateau (see <see cref="HasLeftStart"/>):
/// CTC models first sit for a while on "blanks and the most frequent glosses", and lowering the
/// rate there keeps them stuck.
/// </summary>
public sealed record ReduceOnPlateau
{
    /// <summary>Share of the first validation WER the best must drop below before plateaus count (0.8: a 20% relative improvement).</summary>
    public const double LeaveStartRatio = 0.8;

    /// <summary>Epochs without improvement before a reduction; 0 disables the rule.</summary>
    public int Patience { get; init; }
    /// <summary>Multiplier per reduction.</summary>
    public double Factor { get; init; } = 0.5;
    /// <summary>Current multiplier on the scheduled rate (1 until the first plateau).</summary>
    public double Scale { get; init; } = 1.0;
    /// <summary>Best validation WER seen so far (percent).</summary>
    public double Best { get; init; } = double.PositiveInfinity;
    /// <summary>Lowest validation loss seen so far (tracked when the loss is observed: <see cref="TrainingOptions.ValLossProgress"/>).</summary>
    public double BestLoss { get; init; } = double.PositiveInfinity;
    /// <summary>Validation WER of the first epoch (percent): the initial plateau's level.</summary>
    public double First { get; init; } = double.PositiveInfinity;
    /// <summary>Epochs since the last improvement or reduction, counted once the model has left its initial plateau.</summary>
    public int BadEpochs { get; init; }
    /// <summary>Number of reductions so far.</summary>
    public int Reductions { get; init; }

    /// <summary>Whether the best WER is clearly below the first epoch's (the model has left its initial plateau).</summary>
    public bool HasLeftStart => Best <= First * LeaveStartRatio;

    /// <summary>
    /// The state after an epoch with validation WER <paramref name="wer"/> and, when given, validation
    /// loss <paramref name="loss"/>: a new loss low (<see cref="EarlyStopping.NewLowMargin"/> below the
    /// best) then counts as progress too.
    /// </summary>
    public ReduceOnPlateau Observe(double wer, double? loss = null)
    {
        var seen = double.IsPositiveInfinity(First) ? this with { First = wer } : this;
        bool lossLow = EarlyStopping.IsNewLow(loss, BestLoss);
        if (loss is double l && double.IsFinite(l) && l < BestLoss) seen = seen with { BestLoss = l };
        if (wer < Best - 1e-9)
            return seen with { Best = wer, BadEpochs = 0 };
        if (!seen.HasLeftStart || lossLow)
            return seen with { BadEpochs = 0 };
        if (Patience <= 0)
            return seen with { BadEpochs = BadEpochs + 1 };
        int bad = BadEpochs + 1;
        if (bad >= Patience)
            return seen with { Scale = Scale * Factor, BadEpochs = 0, Reductions = Reductions + 1 };
        return seen with { BadEpochs = bad };
    }
}
