namespace Glossa.Training;

/// <summary>
/// A live health check the run reports to: after every epoch, and when a loss or gradient turns
/// non-finite. Training defines it and never depends on who implements it; the training doctor
/// plugs in where the run is composed (<see cref="TrainingJob.Monitor"/>).
/// </summary>
public interface ITrainingMonitor
{
    /// <summary>Hears the epochs a resumed run already recorded, before the first new one.</summary>
    void Replay(IReadOnlyList<EpochMetrics> history);

    /// <summary>Judges one finished epoch; returns log lines for new findings and a reason to stop (null = carry on).</summary>
    (IReadOnlyList<string> Lines, string? StopReason) Observe(EpochMetrics metrics);

    /// <summary>Judges a non-finite loss or gradient norm that ended the run; returns log lines.</summary>
    IReadOnlyList<string> NonFinite(NonFiniteLossException failure);
}
