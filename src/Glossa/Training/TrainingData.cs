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
    int ValClips);
