namespace Glossa.Doctor;

/// <summary>How serious a <see cref="Finding"/> is. Ordered: a larger value is more serious.</summary>
public enum Severity
{
    /// <summary>Worth knowing; no action needed now.</summary>
    Info = 0,
    /// <summary>Something is going wrong; the run may still recover, act if it persists.</summary>
    Warning = 1,
    /// <summary>The run will not improve as it is; stop it and apply the actions.</summary>
    Critical = 2,
}
