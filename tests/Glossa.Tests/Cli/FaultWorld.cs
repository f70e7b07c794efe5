using System.Diagnostics;
using System.Text;
using Glossa.Corpora;
using Glossa.Tests.Training;

namespace Glossa.Tests.Cli;

/// <summary>
/// What the fault cases break: a small synthetic corpus and a one-epoch tiny-student run, made
/// once per test class; each case works on its own copy in its own folder.
/// </summary>
public sealed class FaultWorld : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public FaultWorld()
    {
        Root = Path.Combine(Path.GetTempPath(), "glossa-faults-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        Corpus = Path.Combine(Root, "corpus");
        SyntheticCorpus.Write(new SynthOptions { TrainSentences = 8, DevSentences = 2, TestSentences = 2, Glosses = 5, Signers = 2, Seed = 3 }, Corpus, overwrite: true);
        Run = Path.Combine(Root, "run");
        var (code, _, err) = Glossa("train", "--model", "tiny-student", "--corpus", Corpus, "-o", Run, "--epochs", "1", "--workers", "0", "--histogram-every", "0");
        if (code != 0) throw new InvalidOperationException($"the fault suite's base run failed ({code}): {err}");
    }

    public string Root { get; }
    /// <summary>The synthetic PHOENIX-layout corpus.</summary>
    public string Corpus { get; }
    /// <summary>A finished one-epoch run (best and last point at the same checkpoint).</summary>
    public string Run { get; }

    /// <summary>A fresh folder for one case.</summary>
    public string CaseDir(string name)
    {
        string dir = Path.Combine(Root, "cases", name);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Runs the CLI; returns exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Glossa(params string[] args) => CliProcess.Run(Timeout, args);

    /// <summary>A copy of the base run (links kept as links) in <paramref name="dir"/>.</summary>
    public string CopyRun(string dir) => CopyTree(Run, Path.Combine(dir, "run"));

    /// <summary>A copy of the corpus in <paramref name="dir"/>.</summary>
    public string CopyCorpus(string dir) => CopyTree(Corpus, Path.Combine(dir, "corpus"));

    static string CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            string target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (entry is DirectoryInfo) CopyTree(entry.FullName, target);
            else File.Copy(entry.FullName, target);
        }
        return to;
    }

    /// <summary>The checkpoint folder a link (best, last) points at, as an absolute path.</summary>
    public static string Resolve(string link) => new DirectoryInfo(link).ResolveLinkTarget(returnFinalTarget: true)!.FullName;

    /// <summary>Every file under <paramref name="dir"/> with its length and content hash, for "nothing lost or changed".</summary>
    public static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>
    /// A real small file system that can fill up: tmpfs of <paramref name="megabytes"/> MiB
    /// mounted at <paramref name="dir"/> (CI runs as root). Fails loudly where mounting is impossible.
    /// </summary>
    public static IDisposable FullDisk(string dir, int megabytes)
    {
        Directory.CreateDirectory(dir);
        var (code, err) = Shell("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", dir);
        if (code != 0)
            throw new InvalidOperationException($"the disk-full cases need a real small file system: 'mount -t tmpfs' failed ({err.Trim()}); run the suite as root (CI does)");
        return new Unmount(dir);
    }

    /// <summary>Fills the file system holding <paramref name="dir"/> so that <paramref name="leaveKiB"/> KiB stay free.</summary>
    public static void Fill(string dir, long leaveKiB)
    {
        long free = new DriveInfo(dir).AvailableFreeSpace;
        using var f = new FileStream(Path.Combine(dir, "filler"), FileMode.Create);
        f.SetLength(0);
        var block = new byte[1 << 16];
        Array.Fill(block, (byte)1);
        long target = Math.Max(0, free - leaveKiB * 1024);
        for (long n = 0; n < target; n += block.Length)
            f.Write(block, 0, (int)Math.Min(block.Length, target - n));
    }

    sealed class Unmount(string dir) : IDisposable
    {
        public void Dispose() => Shell("umount", "-l", dir);
    }

    static (int Code, string Err) Shell(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err);
    }

    /// <summary>Writes text with \n line ends and no BOM.</summary>
    public static string Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
