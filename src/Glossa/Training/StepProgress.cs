namespace Glossa.Training;

/// <summary>Reported after every training batch, for progress bars.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Loss">Running mean loss of the epoch.</param>
/// <param name="ClipsPerSecond">Training throughput so far in this epoch.</param>
public sealed record StepProgress(int Epoch, int Batch, double Loss, double ClipsPerSecond);
