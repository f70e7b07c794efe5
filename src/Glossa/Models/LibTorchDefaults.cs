using System.Runtime.InteropServices;

namespace Glossa.Models;

/// <summary>
/// Process-wide libtorch settings applied before the first model runs. NNPACK is turned off: on
/// CPUs it does not support (this AMD EPYC among them) libtorch otherwise prints "Could not
/// initialize NNPACK! Reason: Unsupported hardware." on stderr at the first convolution, in the
/// middle of Glossa's own output; where NNPACK does work, oneDNN serves the same convolutions. The
/// switch is libtorch's <c>at::Context::setUserEnabledNNPACK</c>, reached by its exported C++ name
/// (as <see cref="Temporal.RecurrentKernel"/> does for oneDNN); a libtorch without it is left alone.
/// </summary>
public static class LibTorchDefaults
{
    static int applied;

    /// <summary>The wait policy <see cref="PreferPassiveOpenMp"/> sets unless the environment names one.</summary>
    public const string PassiveWaitPolicy = "PASSIVE";

    /// <summary>
    /// Makes libtorch's OpenMP threads sleep, not spin, between parallel regions
    /// (<c>OMP_WAIT_POLICY=PASSIVE</c>) unless the environment already sets <c>OMP_WAIT_POLICY</c>.
    /// Spinning threads burn their time slices while they wait: beside another busy process (here a
    /// 2-thread PyTorch job, as a second run would be) an epoch took 1.7-1.9x the wall time and
    /// twice the CPU time; passive waits cost 6-14% of wall time on idle cores (docs/training.md,
    /// "OpenMP threads wait passively"). OpenMP reads the variable once, when libtorch loads, so
    /// this must run before the first tensor; it returns false, changing nothing, when libtorch is
    /// already loaded, the variable is set, or the platform has no POSIX <c>setenv</c>.
    /// </summary>
    public static bool PreferPassiveOpenMp()
    {
        if (OperatingSystem.IsWindows() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"))) return false;
        if (OperatingSystem.IsLinux() && File.Exists("/proc/self/maps") && File.ReadAllText("/proc/self/maps").Contains("libtorch_cpu")) return false;
        try
        {
            // The native environment, which OpenMP reads.
            if (setenv("OMP_WAIT_POLICY", PassiveWaitPolicy, 1) != 0) return false; // unset or empty
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
        // .NET's copy of the environment is left as it was: child processes (the PyTorch references
        // of glossa bench, which run at their own best) keep OpenMP's default.
        return true;
    }

    /// <summary>
    /// The OpenMP wait policy in this process's native environment, which OpenMP reads ("" when
    /// unset: OpenMP's default, a short spin before sleeping).
    /// </summary>
    public static string OpenMpWaitPolicy => NativeVariable("OMP_WAIT_POLICY");

    /// <summary>A variable of the native environment (what libc's getenv sees, which native libraries read); "" when unset.</summary>
    static string NativeVariable(string name)
    {
        if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable(name) ?? "";
        try { return Marshal.PtrToStringUTF8(getenv(name)) ?? ""; }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return Environment.GetEnvironmentVariable(name) ?? ""; }
    }

    /// <summary>
    /// How OpenMP threads wait in this process, for logs: "OpenMP waits passive" or "... active",
    /// "" for OpenMP's default (unset), or a note that OpenMP ignores a value it does not know
    /// (it then also prints "libgomp: Invalid value ..." and uses its default).
    /// </summary>
    public static string DescribeOpenMpWaits()
    {
        string policy = OpenMpWaitPolicy.Trim(), known = policy.ToLowerInvariant();
        return known switch
        {
            "" => "",
            "active" or "passive" => $"OpenMP waits {known}",
            _ => $"OMP_WAIT_POLICY={policy} is neither active nor passive, so OpenMP uses its default",
        };
    }

    /// <summary>
    /// The memory allocator of this process, for logs, and whether it costs speed here: libtorch's
    /// CPU kernels write into fresh buffers every step, and an allocator that hands freed pages
    /// back to the kernel makes every step fault them in again (2x the step time of the demo's model,
    /// 5-10x an evaluation's forward pass; docs/benchmark-notes.md). <c>./glossa</c> preloads
    /// jemalloc with <c>MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1</c>. Empty off Linux.
    /// </summary>
    public static (string Name, bool Slow) DescribeAllocator() => allocator.Value;

    // What is preloaded cannot change while the process runs: /proc/self/maps is read once.
    static readonly Lazy<(string Name, bool Slow)> allocator = new(ReadAllocator);

    static (string Name, bool Slow) ReadAllocator()
    {
        if (!OperatingSystem.IsLinux()) return ("", false);
        List<string> maps;
        try { maps = File.ReadLines("/proc/self/maps").Where(l => l.Contains("malloc", StringComparison.Ordinal)).ToList(); }
        catch (IOException) { return ("", false); }
        catch (UnauthorizedAccessException) { return ("", false); }
        if (maps.Any(l => l.Contains("libtcmalloc", StringComparison.Ordinal))) return ("tcmalloc", false);   // not measured here: no note
        if (maps.Any(l => l.Contains("mimalloc", StringComparison.Ordinal))) return ("mimalloc", false);
        if (!maps.Any(l => l.Contains("libjemalloc", StringComparison.Ordinal))) return ("glibc malloc", true);
        bool keeps = NativeVariable("MALLOC_CONF").Contains("dirty_decay_ms:-1", StringComparison.Ordinal);
        return (keeps ? "jemalloc keeping freed pages" : "jemalloc returning freed pages", !keeps);
    }

    /// <summary>One line for a run's log when the allocator costs speed (see <see cref="DescribeAllocator"/>), else null.</summary>
    public static string? SlowAllocatorNote()
    {
        var (name, slow) = DescribeAllocator();
        return slow
            ? $"note: {name} returns freed memory to the system, so each step faults it back in (up to 2x slower here); ./glossa preloads jemalloc with MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1, or set them yourself (docs/benchmark-notes.md)"
            : null;
    }

    [DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>Applies the settings once per process (cheap to call again).</summary>
    public static void Apply()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1) return;
        try
        {
            LibTorchContext.SetUserEnabledNNPACK(LibTorchContext.Global(), false);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }
}
