namespace Glossa.Training;

/// <summary>How a run ended.</summary>
public enum TrainingStatus
{
    /// <summary>All epochs ran.</summary>
    Completed,
    /// <summary>Validation WER stopped improving for --patience epochs.</summary>
    EarlyStopped,
    /// <summary>The training doctor found a fatal problem and --auto-stop was on.</summary>
    AutoStopped,
    /// <summary>Ctrl+C or SIGTERM: the step finished, last was written.</summary>
    Interrupted,
    /// <summary>A non-finite loss or gradient stopped the run (dump written).</summary>
    Failed,
}
