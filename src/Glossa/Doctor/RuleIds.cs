namespace Glossa.Doctor;

/// <summary>The stable rule ids a <see cref="Finding"/> carries (also used in JSON and docs).</summary>
public static class RuleIds
{
    /// <summary>The model predicts blank on nearly every frame; hypotheses empty or far too short.</summary>
    public const string BlankCollapse = "blank_collapse";
    /// <summary>Validation past its best while training loss keeps falling.</summary>
    public const string Overfitting = "overfitting";
    /// <summary>Train and validation both bad while the model could still learn (schedule too short, rate too low, too much regularisation, model too small).</summary>
    public const string Underfitting = "underfitting";
    /// <summary>Validation WER stays high; losses plateau.</summary>
    public const string NotLearning = "not_learning";
    /// <summary>Loss spikes, exploding gradients, learning rate out of range.</summary>
    public const string Unstable = "unstable";
    /// <summary>Clips whose output length is below label length + repeats (CTC cannot align them).</summary>
    public const string CtcInfeasible = "ctc_infeasible";
    /// <summary>Too many parameters per training sample.</summary>
    public const string Capacity = "capacity";
    /// <summary>A NaN or infinite loss or activation.</summary>
    public const string NonFinite = "non_finite";
    /// <summary>The run stopped with an error its folder records (summary.json status 'failed'), e.g. a full disk.</summary>
    public const string Failed = "failed";
    /// <summary>Checkpoint and corpus vocabularies disagree; skewed label distribution.</summary>
    public const string DataMismatch = "data_mismatch";

    /// <summary>All rule ids, in the order reports list them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [NonFinite, Failed, DataMismatch, CtcInfeasible, Underfitting, BlankCollapse, Overfitting, NotLearning, Unstable, Capacity];
}
