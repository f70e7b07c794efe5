using System.Diagnostics;
using System.Security.Cryptography;

namespace Glossa.Tests.Models;

/// <summary>
/// Runs bench/parity/make_reference.py with Debian's /usr/bin/python3 (torch + torchvision) once per
/// script version, caching its output under the temp folder (never in git).
/// </summary>
internal static class PythonReference
{
    public const string Python = "/usr/bin/python3";

    static readonly Lazy<bool> available = new(() =>
    {
        if (!File.Exists(Python))
            return false;
        var (code, _) = Run("-c \"import torch, torchvision\"");
        return code == 0;
    });

    static readonly Lazy<string> directory = new(Generate);

    /// <summary>True when /usr/bin/python3 imports torch and torchvision.</summary>
    public static bool Available => available.Value;

    /// <summary>The folder holding the reference weights, inputs and outputs.</summary>
    public static string Directory => directory.Value;

    public static string Script => Path.Combine(RepoRoot(), "bench", "parity", "make_reference.py");

    static string Generate()
    {
        string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Script)))[..12].ToLowerInvariant();
        string dir = Path.Combine(TestTemp.System, $"glossa-parity-{hash}");
        if (File.Exists(Path.Combine(dir, "io.pt")))
            return dir;
        string work = dir + ".tmp-" + Environment.ProcessId;
        System.IO.Directory.CreateDirectory(work);
        var (code, output) = Run($"\"{Script}\" \"{work}\"");
        if (code != 0)
            throw new InvalidOperationException($"make_reference.py failed ({code}): {output}");
        if (System.IO.Directory.Exists(dir))
            System.IO.Directory.Delete(dir, recursive: true);
        System.IO.Directory.Move(work, dir);
        return dir;
    }

    public static (int Code, string Output) Run(string arguments)
    {
        var info = new ProcessStartInfo(Python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "bench", "parity", "make_reference.py")))
                return d.FullName;
        }
        throw new InvalidOperationException("bench/parity/make_reference.py not found above the test output folder");
    }
}

/// <summary>A fact that is skipped, with the reason, when /usr/bin/python3 lacks torch or torchvision (CI installs python3-torch and python3-torchvision).</summary>
public sealed class PythonTorchFactAttribute : FactAttribute
{
    public PythonTorchFactAttribute()
    {
        if (!PythonReference.Available)
            Skip = "/usr/bin/python3 cannot import torch and torchvision: apt-get install -y python3-torch python3-torchvision";
    }
}

/// <summary>A theory skipped, with the reason, when /usr/bin/python3 lacks torch or torchvision.</summary>
public sealed class PythonTorchTheoryAttribute : TheoryAttribute
{
    public PythonTorchTheoryAttribute()
    {
        if (!PythonReference.Available)
            Skip = "/usr/bin/python3 cannot import torch and torchvision: apt-get install -y python3-torch python3-torchvision";
    }
}
