namespace Glossa.Training;

/// <summary>
/// Reduce-on-plateau as explicit, serialisable state: a multiplier on the scheduled learning
/// rate that shrinks by <see cref="Factor"/> after <see cref="Patience"/> epochs without a new
/// best validation WER. Saved in every checkpoint so that a resumed run continues exactly.
/// </summary>
public sealed record ReduceOnPlateau
{
    /// <summary>Epochs without improvement before a reduction; 0 disables the rule.</summary>
    public int Patience { get; init; }
    /// <summary>Multiplier per reduction.</summary>
    public double Factor { get; init; } = 0.5;
    /// <summary>Current multiplier on the scheduled rate (1 until the first plateau).</summary>
    public double Scale { get; init; } = 1.0;
    /// <summary>Best validation WER seen so far (percent).</summary>
    public double Best { get; init; } = double.PositiveInfinity;
    /// <summary>Epochs since the last improvement or reduction.</summary>
    public int BadEpochs { get; init; }
    /// <summary>Number of reductions so far.</summary>
    public int Reductions { get; init; }

    /// <summary>The state after an epoch with validation WER <paramref name="wer"/>.</summary>
    public ReduceOnPlateau Observe(double wer)
    {
        if (wer < Best - 1e-9)
            return this with { Best = wer, BadEpochs = 0 };
        if (Patience <= 0)
            return this with { BadEpochs = BadEpochs + 1 };
        int bad = BadEpochs + 1;
        if (bad >= Patience)
            return this with { Scale = Scale * Factor, BadEpochs = 0, Reductions = Reductions + 1 };
        return this with { BadEpochs = bad };
    }
}
