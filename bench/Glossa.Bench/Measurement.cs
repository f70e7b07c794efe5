using System.Diagnostics;
using Glossa.Common;

namespace Glossa.Bench;

/// <summary>Repeated timing of one action: medians of wall-clock and CPU-time throughput.</summary>
/// <param name="PerWallSecond">Median items per wall-clock second.</param>
/// <param name="PerCpuSecond">Median items per CPU-second of this process (robust to other load on the machine).</param>
public sealed record Measurement(double PerWallSecond, double PerCpuSecond)
{
    /// <summary>Runs <paramref name="action"/> <paramref name="repeat"/> times; each run handles <paramref name="items"/> items.</summary>
    public static Measurement Of(int items, int repeat, Action action)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < repeat; r++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            action();
            wall.Add(items / sw.Elapsed.TotalSeconds);
            process.Refresh();
            cpu.Add(items / (process.TotalProcessorTime - cpu0).TotalSeconds);
        }
        return new(Statistics.Median(wall), Statistics.Median(cpu));
    }

    /// <summary>The load average (1, 5, 15 minutes) as /proc/loadavg gives it.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
