using System.Diagnostics;
using System.Text.Json;
using Glossa.Tests.Corpora;

namespace Glossa.Tests.Cli;

/// <summary>The real command line (<c>dotnet Glossa.Cli.dll ...</c>), as users and scripts call it.</summary>
public class CorpusCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliProcess.Run(TimeSpan.FromMinutes(2), args);

    [Fact]
    public void Corpus_check_json_reports_errors_and_exits_1()
    {
        using var fx = new CorpusFixture();
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", new()
        {
            ["train"] = ["t0|t0/1/*.png|Signer01|A B", "t1|t1/1/*.png|Signer02|B C"],
            ["dev"] = ["d0|d0/1/*.png|Signer01|A Z"],
            ["test"] = ["e0|e0/1/*.png|Signer02|C"],
        }, frames: 12);
        string bad = Path.Combine(v, "features", "fullFrame-210x260px", "dev", "d0", "1", "d0.avi_pid0_fn000003-0.png");
        File.WriteAllText(bad, "not a png");

        var (code, stdout, stderr) = Run("corpus", "check", fx.Path("phoenix2014-release"), "--json", "--stride", "4");
        Assert.True(code == 1, $"exit {code}: {stderr}");
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("phoenix2014", root.GetProperty("format").GetString());
        Assert.Equal(3, root.GetProperty("vocabulary_size").GetInt32());
        var train = root.GetProperty("splits").GetProperty("train");
        Assert.Equal(2, train.GetProperty("sentences").GetInt32());
        Assert.Equal(24, train.GetProperty("frames").GetInt64());
        Assert.Equal(2, train.GetProperty("signers").GetInt32());
        var error = Assert.Single(root.GetProperty("errors").EnumerateArray());
        Assert.Equal("unreadable_frame", error.GetProperty("kind").GetString());
        Assert.Equal(bad, error.GetProperty("file").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("line").ValueKind);
        Assert.Equal("d0", error.GetProperty("sample").GetString());
        var warning = Assert.Single(root.GetProperty("warnings").EnumerateArray());
        Assert.Equal("out_of_vocabulary", warning.GetProperty("kind").GetString());

        File.Delete(bad);
        CorpusFixture.WriteImage(bad, 3);
        (code, _, stderr) = Run("corpus", "check", v, "--format", "phoenix2014");
        Assert.True(code == 0, $"exit {code}: {stderr}");
    }

    [Fact]
    public void Bad_path_or_format_is_a_one_line_error_with_exit_code_2()
    {
        var (code, stdout, stderr) = Run("corpus", "check", "/nonexistent/corpus", "--json");
        Assert.Equal(2, code);
        Assert.StartsWith("glossa: error: ", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Empty(stdout);

        using var fx = new CorpusFixture();
        (code, _, stderr) = Run("corpus", "check", fx.Root, "--format", "kinetics");
        Assert.Equal(2, code);
        Assert.Contains("unknown corpus format", stderr);
    }

    [Fact]
    public void Every_corpus_command_takes_corpus_format_and_a_forced_format_that_does_not_match_is_named()
    {
        using var fx = new CorpusFixture();
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", new()
        {
            ["train"] = ["t0|t0/1/*.png|Signer01|A B"],
            ["dev"] = ["d0|d0/1/*.png|Signer01|A"],
            ["test"] = ["e0|e0/1/*.png|Signer01|B"],
        });
        // corpus check names it --format, train and evaluate --corpus-format: each takes both (a new user followed an
        // error's advice to use --corpus-format with corpus check and was told the option does not exist).
        var (code, _, stderr) = Run("corpus", "check", v, "--corpus-format", "phoenix2014", "--skip-frames");
        Assert.True(code <= 1, stderr);
        Assert.DoesNotContain("Unrecognized", stderr);
        (code, _, stderr) = Run("corpus", "check", v, "--corpus-format", "csl-daily");
        Assert.Equal(2, code);
        Assert.Contains("leave --corpus-format out to detect the format", stderr); // not "use --corpus-format to force one"
    }

    [Fact]
    public void Corpus_check_without_ffprobe_warns_that_video_lengths_are_not_checked()
    {
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        File.WriteAllBytes(fx.Path("v", "a.mp4"), [0, 0, 0, 24]);
        fx.WriteText("v/glossa-manifest.csv", "id|split|path|signer|glosses\na|train|a.mp4|s|A B\n");
        var env = new Dictionary<string, string> { ["GLOSSA_FFPROBE"] = "/nonexistent/ffprobe" };
        var (code, stdout, stderr) = CliProcess.Run(TimeSpan.FromMinutes(2), env, "corpus", "check", fx.Path("v"));
        Assert.DoesNotContain("internal error", stderr);
        Assert.True(code <= 1, stderr);
        Assert.Contains("ffprobe not found at /nonexistent/ffprobe (GLOSSA_FFPROBE): the length of video samples is not checked; fix GLOSSA_FFPROBE or unset it", stdout + stderr);
        // The table's frame totals say they leave the unmeasured video out (they had shown 0 with no marker).
        Assert.Contains("* train: frames, mean T and max T leave out 1 video whose length is unknown", stdout);
        // A variable naming a program that is not ffprobe: one warning for the tool, not an unreadable-video error per video.
        foreach (string impostor in new[] { "/bin/false", "/bin/true" })
        {
            env["GLOSSA_FFPROBE"] = impostor;
            (code, stdout, stderr) = CliProcess.Run(TimeSpan.FromMinutes(2), env, "corpus", "check", fx.Path("v"));
            Assert.True(code <= 1, stderr);
            Assert.Contains($"{impostor} does not run as ffprobe ('-version' does not answer as ffprobe): the length of video samples is not checked; fix GLOSSA_FFPROBE or unset it", stdout);
            Assert.DoesNotContain("cannot read the video", stdout + stderr);
        }
    }

    [Fact]
    public void Synth_writes_a_corpus_that_corpus_check_accepts_and_refuses_to_overwrite()
    {
        using var fx = new CorpusFixture();
        string outDir = fx.Path("synth");
        var (code, stdout, stderr) = Run("synth", outDir, "--sentences", "3", "--glosses", "4", "--signers", "2", "--seed", "3", "--json");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        using (var doc = JsonDocument.Parse(stdout))
            Assert.Equal(3, doc.RootElement.GetProperty("sentences").GetProperty("train").GetInt32());
        (code, _, stderr) = Run("corpus", "check", outDir, "--json");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        // The CTC length check of a model's own output frames, as training counts them (--model, shaped as train shapes it).
        (code, var said, stderr) = Run("corpus", "check", outDir, "--model", "tiny-student", "--temporal-conv", "k5-p3-k5", "--json");
        Assert.True(code <= 1, $"exit {code}: {stderr}");
        using (var doc = JsonDocument.Parse(said))
        {
            Assert.Equal("tiny-student --temporal-conv K5-P3-K5", doc.RootElement.GetProperty("model").GetString());
            Assert.Equal(3, doc.RootElement.GetProperty("stride").GetInt32());
        }
        (code, _, stderr) = Run("corpus", "check", outDir, "--temporal-conv", "K5");
        Assert.Equal(2, code);
        Assert.Contains("give --model too", stderr);
        (code, _, stderr) = Run("corpus", "check", outDir, "--model", "tiny-student", "--stride", "2"); // had been ignored
        Assert.Equal(2, code);
        Assert.Contains("--stride and --model both say how to count output frames", stderr);
        (code, _, stderr) = Run("synth", outDir, "--sentences", "3");
        Assert.Equal(2, code);
        Assert.Contains("--overwrite", stderr);
    }
}
