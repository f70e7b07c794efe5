namespace Glossa.Doctor;

/// <summary>Something the user can do about a finding.</summary>
/// <param name="Description">What to do and why, in plain words.</param>
/// <param name="Command">A ready-to-run command line (e.g. <c>./glossa train ... --dropout 0.5</c>), when one applies.</param>
public sealed record FindingAction(string Description, string? Command = null);
