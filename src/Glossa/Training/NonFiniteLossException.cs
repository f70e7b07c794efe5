namespace Glossa.Training;

/// <summary>
/// A training or validation step produced a non-finite loss or gradient norm. The run stops
/// (never skips the batch) and the run folder gets a dump naming the batch's samples.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>1-based epoch of the failing step.</summary>
    public int Epoch { get; }
    /// <summary>Optimizer steps completed before the failure.</summary>
    public long Step { get; }
    /// <summary>What was non-finite: "loss" or "gradient norm" or "validation loss".</summary>
    public string Quantity { get; }
    /// <summary>The value observed (NaN or +/-infinity).</summary>
    public double Value { get; }
    /// <summary>Ids of the samples in the failing batch (all accumulated batches for a gradient).</summary>
    public IReadOnlyList<string> SampleIds { get; }
    /// <summary>The first module whose output (or parameter) was non-finite when the batch was re-run, if any.</summary>
    public string? Module { get; init; }

    public NonFiniteLossException(int epoch, long step, string quantity, double value, IReadOnlyList<string> sampleIds)
        : base($"non-finite {quantity} ({value}) at epoch {epoch}, step {step}; batch samples: {string.Join(", ", sampleIds)}. " +
               "Check these clips (corrupt frames, targets longer than the clip) or lower --learning-rate")
    {
        Epoch = epoch;
        Step = step;
        Quantity = quantity;
        Value = value;
        SampleIds = sampleIds;
    }
}
