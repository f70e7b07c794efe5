using System.ComponentModel;
using System.Diagnostics;

namespace Glossa.Common;

/// <summary>Starts processes with output captured (both pipes drained at once, so neither can block).</summary>
public static class ProcessRunner
{
    /// <summary>Start settings for <paramref name="exe"/> with <paramref name="args"/>, stdout and stderr redirected.</summary>
    public static ProcessStartInfo StartInfo(string exe, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Starts <paramref name="psi"/>; a missing program becomes a one-line error naming <paramref name="name"/>.</summary>
    public static Process Start(ProcessStartInfo psi, string name)
    {
        try
        {
            return Process.Start(psi) ?? throw new GlossaException($"{name} could not be started ({psi.FileName})");
        }
        catch (Win32Exception e)
        {
            throw new GlossaException($"{name} not found or not executable ({psi.FileName}: {e.Message})", e);
        }
    }

    /// <summary>Runs to completion and returns the output; with <paramref name="allowFailure"/> false a non-zero exit throws.</summary>
    public static ProcessResult Run(ProcessStartInfo psi, string name, TimeSpan? timeout = null, bool allowFailure = false)
    {
        using var p = Start(psi, name);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
        {
            p.Kill(entireProcessTree: true);
            throw new GlossaException($"{name} did not finish within {timeout}");
        }
        p.WaitForExit();
        var result = new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
        if (result.ExitCode != 0 && !allowFailure)
            throw new GlossaException($"{name} failed with exit code {result.ExitCode}: {result.LastErrorLine}");
        return result;
    }
}
