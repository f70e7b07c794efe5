using Glossa.Tests.Training;

namespace Glossa.Tests.Cli;

/// <summary>
/// Set-up shared by the tests that run glossa train, distill and compare as processes on the tiny synthetic corpus: a
/// temporary folder (deleted after the class), the options of a small quick run, and the process runner.
/// </summary>
public abstract class TinyRunTests(string prefix) : IDisposable
{
    protected readonly string root = Directory.CreateTempSubdirectory(prefix).FullName;
    protected static readonly TimeSpan Minutes3 = TimeSpan.FromMinutes(3);

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }

    /// <summary>The options of a small quick run into <paramref name="dir"/> (32-px frames, no augmentation, one thread).</summary>
    protected string[] Common(string dir, int epochs, params string[] extra) =>
    [
        "--corpus", TinyCorpus.Path_, "--output-dir", dir, "--epochs", $"{epochs}", "--frame-size", "32", "--batch-size", "4",
        "--threads", "1", "--workers", "1", "--histogram-every", "0", "--no-augment", "--cache-dir", Path.Combine(root, "frames"), .. extra,
    ];

    protected static (int Code, string Out, string Err) Glossa(params string[] args) => CliProcess.Run(Minutes3, args);
}
