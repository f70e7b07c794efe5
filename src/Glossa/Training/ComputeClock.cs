using System.Diagnostics;

namespace Glossa.Training;

/// <summary>
/// Compute time of this process expressed as minutes on the cores it uses: CPU time divided by the
/// thread count. With spinning OpenMP threads that is the wall time on an otherwise idle machine;
/// with passive ones (the CLI's default) wall time runs 10-20% longer, since threads waiting for
/// each other cost nothing. On a shared machine it stays what the work costs, so a time budget
/// chooses about the same number of epochs whatever else runs.
/// </summary>
public sealed class ComputeClock
{
    readonly TimeSpan start = Process.GetCurrentProcess().TotalProcessorTime;
    readonly int threads;

    /// <summary>A clock that starts now and divides CPU time by <paramref name="threads"/> (at least 1).</summary>
    public ComputeClock(int threads) => this.threads = Math.Max(1, threads);

    /// <summary>Minutes of compute since the clock started.</summary>
    public double Minutes => (Process.GetCurrentProcess().TotalProcessorTime - start).TotalMinutes / threads;
}
