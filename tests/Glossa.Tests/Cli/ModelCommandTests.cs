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

    /// <summary>A MobileNetV3-Small backbone's weights under <paramref name="prefix"/>, the first <paramref name="drop"/> keys left out, at <paramref name="width"/>.</summary>
    static string BackboneFile(string dir, string name, string prefix = "", int drop = 0, double width = 1.0)
    {
        using var backbone = new Glossa.Models.Backbones.MobileNetV3(large: false, widthMult: width);
        var state = backbone.state_dict().Skip(drop).ToDictionary(kv => prefix + kv.Key, kv => kv.Value);
        string path = Path.Combine(dir, name);
        WeightIO.WriteSafetensors(state, path);
        return path;
    }

    [Fact]
    public void Import_refuses_shape_mismatches_warns_of_missing_keys_and_strips_a_key_prefix()
    {
        string dir = Directory.CreateTempSubdirectory("glossa-import-").FullName;
        var (code, _, stderr) = Glossa("model", "import", "mobilenetv3-small-student", "--weights", BackboneFile(dir, "half.safetensors", width: 0.5), "--out", Path.Combine(dir, "a"));
        Assert.Equal(2, code);
        Assert.Contains("tensors have another shape than the mobilenet_v3_small backbone's", stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "a")));

        (code, var stdout, stderr) = Glossa("model", "import", "mobilenetv3-small-student", "--weights", BackboneFile(dir, "missing.safetensors", drop: 5), "--out", Path.Combine(dir, "b"));
        Assert.True(code == 0, stderr);
        Assert.StartsWith("warning: ", stderr.Trim());
        Assert.Contains("5 backbone tensors missing", stderr);

        // A whole model's backbone. prefix (Glossa's own export) and an encoder. prefix both load.
        foreach (string prefix in new[] { "backbone.", "encoder." })
        {
            (code, stdout, stderr) = Glossa("model", "import", "mobilenetv3-small-student", "--weights", BackboneFile(dir, $"{prefix}safetensors", prefix), "--out", Path.Combine(dir, prefix + "out"));
            Assert.True(code == 0, stderr);
            Assert.Contains($"key prefix '{prefix}' removed", stdout);
            Assert.Contains(", 0 missing,", stdout);
        }
    }

    [Fact]
    public void Import_overwrite_replaces_only_a_checkpoint_folder()
    {
        string dir = Directory.CreateTempSubdirectory("glossa-import-over-").FullName;
        string run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "{}\n");
        string weights = BackboneFile(dir, "w.safetensors");
        var (code, _, stderr) = Glossa("model", "import", "mobilenetv3-small-student", "--weights", weights, "--out", run, "--overwrite");
        Assert.Equal(2, code);
        Assert.Contains("a folder that is not a Glossa checkpoint", stderr);
        Assert.Equal(["metrics.jsonl"], Directory.GetFiles(run).Select(Path.GetFileName));
        string ckpt = Path.Combine(dir, "ckpt");
        Assert.Equal(0, Glossa("model", "import", "mobilenetv3-small-student", "--weights", weights, "--out", ckpt).Code);
        (code, _, stderr) = Glossa("model", "import", "mobilenetv3-small-student", "--weights", weights, "--out", ckpt, "--overwrite");
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void Info_counts_frames_and_layers_in_good_english()
    {
        var (code, stdout, _) = Glossa("model", "info", "i3d-teacher");
        Assert.Equal(0, code);
        Assert.Contains("x 1 layer,", Glossa("model", "info", "tiny-student").Stdout);
        Assert.Contains("at least 1 input frame per clip", stdout);
    }
}
