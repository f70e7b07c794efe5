using System.Diagnostics;
using System.Text.Json;
using Glossa.Models;

namespace Glossa.Tests.Cli;

/// <summary>The CLI as users call it: <c>glossa model info NAME --json</c> (the built Glossa.Cli.dll next to the tests).</summary>
public class ModelCommandTests
{
    static (int Code, string Stdout, string Stderr) Glossa(params string[] args) => CliProcess.Run(TimeSpan.FromMinutes(5), args);

    [Theory]
    [InlineData("mobilenetv3-student", "1296", null, 7_824_448L)]
    [InlineData("i3d-teacher", "1296", "256", 16_630_832L)]
    public void InfoJsonHasExactParametersAndStride(string name, string classes, string? hidden, long expected)
    {
        var args = new List<string> { "model", "info", name, "--num-classes", classes, "--json" };
        if (hidden is not null)
            args.AddRange(["--hidden-dim", hidden]);
        var (code, stdout, stderr) = Glossa([.. args]);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(expected, doc.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal(4, doc.RootElement.GetProperty("temporal_stride").GetInt32());
        long sum = doc.RootElement.GetProperty("blocks").EnumerateArray().Sum(b => b.GetProperty("parameters").GetInt64());
        Assert.Equal(expected, sum);
    }

    [Fact]
    public void UnknownModelIsAOneLineError()
    {
        var (code, _, stderr) = Glossa("model", "info", "resnet18");
        Assert.Equal(2, code);
        Assert.StartsWith("glossa: error: model 'resnet18' is unknown", stderr.Trim());
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void ExportingANormalisedModelSaysWhatTheWeightsDoNotCarry()
    {
        string root = Directory.CreateTempSubdirectory("glossa-export-note-").FullName;
        try
        {
            foreach (bool normalised in new[] { false, true })
            {
                var config = ModelFactory.Named(ModelFactory.TinyGridStudent, numClasses: 5, hiddenDim: 8);
                if (normalised) config = config with { InputNorm = ModelConfig.InputNormClip, FeatureNorm = ModelConfig.FeatureNormClip };
                string run = Path.Combine(root, normalised ? "normalised" : "plain"), dir = Path.Combine(run, "best");
                using (var model = ModelFactory.Create(config))
                    ModelCheckpoint.WriteUntrained(dir, model);
                // The run folder instead of its checkpoint: the message names the checkpoint to give.
                var (rc, _, err) = Glossa("model", "export", run, "--out", Path.Combine(run, "m.pt"));
                Assert.Equal(2, rc);
                Assert.Contains($"a run folder, not a checkpoint; give its checkpoint, {dir}", err);
                foreach (string name in new[] { "m.pt", "m.safetensors" })
                {
                    var (code, stdout, stderr) = Glossa("model", "export", dir, "--out", Path.Combine(dir, name));
                    Assert.True(code == 0, stderr);
                    if (normalised)
                    {
                        Assert.Contains("input_norm clip", stdout);
                        Assert.Contains("feature_norm clip", stdout);
                        Assert.Contains("bench/parity/glossa_model.py", stdout);
                    }
                    else
                        Assert.DoesNotContain("note:", stdout);
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
