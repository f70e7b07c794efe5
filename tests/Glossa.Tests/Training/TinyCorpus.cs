using Glossa.Corpora;

namespace Glossa.Tests.Training;

/// <summary>A very small synthetic PHOENIX-layout corpus, written once per test process.</summary>
internal static class TinyCorpus
{
    static readonly Lazy<string> path = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"glossa-tiny-corpus-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } };
        if (!File.Exists(Path.Combine(dir, SyntheticCorpus.MarkerFile)))
            SyntheticCorpus.Write(new SynthOptions { TrainSentences = 16, DevSentences = 4, TestSentences = 4, Glosses = 6, Signers = 2, Seed = 3 }, dir, overwrite: true);
        return dir;
    });

    /// <summary>The corpus root (pass it to --corpus).</summary>
    public static string Path_ => path.Value;
}
