using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Glossa.Common;

namespace Glossa.Bench;

/// <summary>
/// A child process run to completion while its CPU time (<c>/proc/PID/stat</c> utime + stime) and
/// peak resident set (<c>/proc/PID/status</c> VmHWM) are sampled every 50 ms. The last sample is
/// taken at most 50 ms before the process exits, so CPU seconds may miss that much.
/// </summary>
/// <param name="Result">Exit code and output.</param>
/// <param name="WallSeconds">Wall-clock seconds from start to exit.</param>
/// <param name="CpuSeconds">User + system CPU seconds of the process (all its threads; not of children it starts).</param>
/// <param name="PeakRssBytes">Its peak resident set (VmHWM) in bytes.</param>
internal sealed record ProcessUsage(ProcessResult Result, double WallSeconds, double CpuSeconds, long PeakRssBytes)
{
    /// <summary>Peak resident set in MiB.</summary>
    public double PeakRssMiB => PeakRssBytes / 1048576.0;

    /// <summary>Runs <paramref name="psi"/> (its output redirected) to the end while sampling it; never throws on a non-zero exit.</summary>
    public static ProcessUsage Run(ProcessStartInfo psi, string name)
    {
        var clock = Stopwatch.StartNew();
        using var p = ProcessRunner.Start(psi, name);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        double cpu = 0;
        while (!p.HasExited)
        {
            peak = Math.Max(peak, Read<long>($"/proc/{p.Id}/status", StatusHwmBytes) ?? 0);
            cpu = Math.Max(cpu, Read<double>($"/proc/{p.Id}/stat", lines => StatCpuSeconds(lines.First(), ClockTicks.Value)) ?? 0);
            Thread.Sleep(50);
        }
        p.WaitForExit();
        double wall = clock.Elapsed.TotalSeconds;
        return new(new ProcessResult(p.ExitCode, stdout.Result, stderr.Result), wall, cpu, peak);
    }

    /// <summary>VmHWM in bytes from the lines of <c>/proc/PID/status</c>; null when absent (a zombie has none).</summary>
    public static long? StatusHwmBytes(IEnumerable<string> statusLines)
    {
        foreach (var line in statusLines)
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return null;
    }

    /// <summary>
    /// utime + stime in seconds from the line of <c>/proc/PID/stat</c>. The command name (field 2,
    /// in parentheses) may hold spaces and parentheses, so the fields are counted after its last ')'.
    /// </summary>
    public static double StatCpuSeconds(string statLine, long ticksPerSecond)
    {
        var fields = statLine[(statLine.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / (double)ticksPerSecond;
    }

    /// <summary>A /proc file's value, or null once the process is gone (the file vanishes between the exit check and the read).</summary>
    static T? Read<T>(string path, Func<IEnumerable<string>, T?> parse) where T : struct
    {
        try { return parse(File.ReadLines(path)); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The unit of /proc/PID/stat times (USER_HZ; 100 on x64 and arm64 Linux).</summary>
    static readonly Lazy<long> ClockTicks = new(() => sysconf(ScClkTck) is > 0 and var t ? t : 100);

    const int ScClkTck = 2; // _SC_CLK_TCK in glibc's and musl's unistd.h

    [DllImport("libc")]
    static extern long sysconf(int name);
}
