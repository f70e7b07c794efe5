namespace Glossa.Training;

/// <summary>What one greedy pass over the validation batches measured.</summary>
public sealed record ValidationResult
{
    /// <summary>Mean CTC loss (unsmoothed), weighted by clips.</summary>
    public double Loss { get; init; }
    /// <summary>Word error rate in percent (greedy decoding, sclite-exact alignment, the corpus's cleanup rules): what <c>glossa evaluate --beam 0</c> reports.</summary>
    public double Wer { get; init; }
    /// <summary>Word errors and reference words behind <see cref="Wer"/>.</summary>
    public int Errors { get; init; }
    public int ReferenceWords { get; init; }
    /// <summary>Share of valid output frames whose best class is the blank.</summary>
    public double BlankRatio { get; init; }
    /// <summary>Share of empty hypotheses.</summary>
    public double EmptyRate { get; init; }
    /// <summary>Total hypothesis words divided by total reference words.</summary>
    public double LengthRatio { get; init; }
    /// <summary>The first few reference/hypothesis pairs.</summary>
    public IReadOnlyList<PredictionSample> Samples { get; init; } = [];
    /// <summary>Every hypothesis, by sample id, in batch order.</summary>
    public IReadOnlyList<(string Id, string[] Glosses)> Hypotheses { get; init; } = [];
    /// <summary>Clips evaluated and seconds taken.</summary>
    public int Clips { get; init; }
    public double Seconds { get; init; }
    /// <summary>True when the pass was cancelled before every batch was seen.</summary>
    public bool Cancelled { get; init; }

    /// <summary><paramref name="epoch"/> with this pass's measurements as its validation fields (loss, WER, blank share, empty rate, length ratio, samples).</summary>
    public EpochMetrics Into(EpochMetrics epoch) => epoch with
    {
        ValLoss = Loss,
        ValWer = Wer,
        BlankRatio = BlankRatio,
        EmptyRate = EmptyRate,
        LengthRatio = LengthRatio,
        Samples = Samples,
    };
}
