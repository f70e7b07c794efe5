using System.Text.Json;
using Glossa.Tests.Cli;

namespace Glossa.Tests.Training;

/// <summary>A tiny sign-world corpus through the command line end to end: synth, then the demo recipe on it.</summary>
public sealed class SignWorldDemoTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("glossa-signworld-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Tiny_signer_independent_sign_world_trains_and_evaluates_with_the_demo_recipe()
    {
        string corpus = Path.Combine(root, "world");
        var (code, stdout, err) = CliProcess.Run(TimeSpan.FromMinutes(5), "synth", corpus, "--world", "sign", "--sentences", "8", "--glosses", "6",
            "--signers", "3", "--glosses-per-sentence", "3", "--signer-independent", "--seed", "4", "--json");
        Assert.True(code == 0, err);
        using (var synth = JsonDocument.Parse(stdout))
            Assert.Equal(2, synth.RootElement.GetProperty("sentences").GetProperty("dev").GetInt32());

        (code, stdout, err) = CliProcess.Run(TimeSpan.FromMinutes(10), "demo", "--corpus", corpus, "--epochs", "2", "--json", "--threads", "2",
            "--output-dir", Path.Combine(root, "demo"));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        foreach (string split in new[] { "dev", "test" })
        {
            var s = doc.RootElement.GetProperty(split);
            Assert.InRange(s.GetProperty("wer").GetDouble(), 0, 300);
            Assert.Equal(2, s.GetProperty("utterances").GetInt32());
            Assert.True(s.GetProperty("reference_words").GetInt32() >= 2);
        }
        Assert.Equal(2, doc.RootElement.GetProperty("epochs").GetInt32());
        // Dev and test are signed only by a signer who signs no training clip, and the output says so.
        var signers = doc.RootElement.GetProperty("signers");
        Assert.Equal(2, signers.GetProperty("train").GetInt32());
        foreach (string split in new[] { "dev", "test" })
        {
            var s = signers.GetProperty(split);
            Assert.True(s.GetProperty("signers").GetInt32() > 0);
            Assert.Equal(s.GetProperty("signers").GetInt32(), s.GetProperty("unseen").GetInt32());
        }
        Assert.True(doc.RootElement.GetProperty("cpu_seconds").GetDouble() > 0);
        Assert.InRange(doc.RootElement.GetProperty("peak_rss_mib").GetDouble(), 50, 64_000);
        string run = doc.RootElement.GetProperty("run_dir").GetString()!;
        string eval = doc.RootElement.GetProperty("eval_dir").GetString()!; // the scored files, named in the JSON
        Assert.Equal(Path.Combine(run, "eval"), eval);
        Assert.NotEmpty(Directory.GetFiles(eval, "test.*wer-summary.txt")); // named per decoder
    }

    [Fact]
    public void Sign_world_options_on_the_default_world_are_refused_with_exit_code_2()
    {
        var (code, _, err) = CliProcess.Run(TimeSpan.FromMinutes(2), "synth", Path.Combine(root, "x"), "--signer-independent");
        Assert.Equal(2, code);
        Assert.Contains("--world sign", err);
        Assert.False(Directory.Exists(Path.Combine(root, "x")));
    }
}
