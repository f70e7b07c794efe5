namespace Glossa.Doctor;

/// <summary>The doctor's overall conclusion about a run.</summary>
public enum Verdict
{
    /// <summary>No warning and no critical finding.</summary>
    Healthy = 0,
    /// <summary>Warnings only: keep training, but watch the named signals.</summary>
    Continue = 1,
    /// <summary>At least one critical finding: the run will not improve as configured.</summary>
    Stop = 2,
}
