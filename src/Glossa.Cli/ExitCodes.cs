namespace Glossa.Cli;

/// <summary>The process exit codes every command follows (README, "Exit codes").</summary>
internal static class ExitCodes
{
    /// <summary>Done (also: a run that stopped early by patience, a healthy or "continue" diagnosis).</summary>
    public const int Ok = 0;
    /// <summary>The work ran and found a failure: a non-finite loss stopped training, or <c>corpus check</c> found errors.</summary>
    public const int Failed = 1;
    /// <summary>Bad input or usage: a file, line, sample or option value; nothing was changed.</summary>
    public const int BadInput = 2;
    /// <summary>Stopped by the training doctor (<c>--auto-stop</c>), or <c>diagnose</c> says stop.</summary>
    public const int Stop = 3;
    /// <summary>An output could not be written: disk full, read-only, permission, a path that is a file.</summary>
    public const int CannotWrite = 4;
    /// <summary>An unexpected internal error (a bug); the details are written to a file named on the error line.</summary>
    public const int Internal = 70;
    /// <summary>Interrupted by Ctrl+C or SIGTERM (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
