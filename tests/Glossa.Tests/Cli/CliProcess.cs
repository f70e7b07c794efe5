using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Glossa.Tests.Cli;

/// <summary>Runs the built CLI (Glossa.Cli.dll next to the test assembly) as a child process.</summary>
internal sealed class CliProcess : IDisposable
{
    readonly Process process;
    readonly StringBuilder stdout = new(), stderr = new();

    public CliProcess(params string[] args) : this(null, args) { }

    /// <summary>Starts the CLI with <paramref name="environment"/> added to this process's environment.</summary>
    public CliProcess(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Glossa.Cli.dll");
        // A test runner started in the background by a non-interactive shell inherits SIGINT as
        // "ignored", and exec keeps that, so the child would never see our SIGINT. perl (always on
        // Debian) resets it to the default before exec'ing dotnet, whose runtime then installs its handler.
        var start = new ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add("$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"cannot run dotnet: $!\\n\";");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        const string jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
        if (File.Exists(jemalloc)) start.Environment["LD_PRELOAD"] = jemalloc;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => process.Id;
    public bool HasExited => process.HasExited;
    public string Stdout { get { lock (stdout) return stdout.ToString(); } }
    public string Stderr { get { lock (stderr) return stderr.ToString(); } }

    /// <summary>Waits for the exit; kills and fails after <paramref name="timeout"/>.</summary>
    public int Wait(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"glossa did not exit within {timeout}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        process.WaitForExit(); // flush the output readers
        return process.ExitCode;
    }

    /// <summary>Sends a POSIX signal (SIGINT = 2, SIGKILL = 9) to the child.</summary>
    public void Signal(int signal)
    {
        if (kill(process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Runs to completion and returns (exit code, stdout, stderr).</summary>
    public static (int Code, string Out, string Err) Run(TimeSpan timeout, params string[] args) => Run(timeout, null, args);

    /// <summary>Runs to completion with <paramref name="environment"/> added and returns (exit code, stdout, stderr).</summary>
    public static (int Code, string Out, string Err) Run(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var p = new CliProcess(environment, args);
        int code = p.Wait(timeout);
        return (code, p.Stdout, p.Stderr);
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    public void Dispose()
    {
        if (!process.HasExited)
            try { process.Kill(entireProcessTree: true); process.WaitForExit(); } catch (InvalidOperationException) { }
        process.Dispose();
    }
}
