using Glossa.Frames;

namespace Glossa.Training;

/// <summary>
/// The batches a run trains and validates on, as the frame pipeline produces them.
/// </summary>
/// <param name="TrainBatches">Training batches of a 1-based epoch; the order must depend only on (seed, epoch) so that resumed runs see the same batches.</param>
/// <param name="ValBatches">Validation batches, in a fixed order.</param>
/// <param name="TrainBatchesPerEpoch">Number of training batches per epoch (for the schedule and progress bars).</param>
/// <param name="TrainClips">Training clips per epoch.</param>
/// <param name="ValClips">Validation clips.</param>
public sealed record TrainingData(
    Func<int, IEnumerable<ClipBatch>> TrainBatches,
    Func<IEnumerable<ClipBatch>> ValBatches,
    int TrainBatchesPerEpoch,
    int TrainClips,
    int ValClips)
{
    /// <summary>Training batches of an epoch from batch <c>skip</c> on, without building the skipped ones
    /// (continuing an interrupted epoch); null = build and drop them.</summary>
    public Func<int, int, IEnumerable<ClipBatch>>? TrainBatchesFrom { get; init; }

    /// <summary>The corpus's scoring rules, applied to the validation WER as <c>glossa evaluate</c> applies them.</summary>
    public Scoring.CleanupRules Cleanup { get; init; } = Scoring.CleanupRules.None;

    /// <summary>Validation clips the model gives no output frame (scored as empty hypotheses, as evaluate scores them).</summary>
    public IReadOnlyList<Corpora.Sample> ValNoOutput { get; init; } = [];

    /// <summary>The clips whose video decoded with errors so far (<see cref="LoaderStats.DecodeErrors"/> of both loaders); none when not known.</summary>
    public Func<IReadOnlyList<string>> DecodeErrors { get; init; } = () => [];

    /// <summary>The epoch's training batches after the first <paramref name="skip"/>.</summary>
    public IEnumerable<ClipBatch> TrainBatchesAfter(int epoch, int skip)
    {
        if (skip <= 0) return TrainBatches(epoch);
        if (TrainBatchesFrom is not null) return TrainBatchesFrom(epoch, skip);
        return Dropping(TrainBatches(epoch), skip);

        static IEnumerable<ClipBatch> Dropping(IEnumerable<ClipBatch> all, int n)
        {
            int i = 0;
            foreach (var b in all)
            {
                if (i++ < n) { b.Dispose(); continue; }
                yield return b;
            }
        }
    }
}
