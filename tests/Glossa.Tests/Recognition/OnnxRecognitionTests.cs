using System.Text.Json;
using Glossa.Tests.Cli;
using Glossa.Common;
using Glossa.Recognition;

namespace Glossa.Tests.Recognition;

/// <summary>
/// <c>glossa model export --format onnx</c> then <c>recognize --engine onnx</c>, and the default
/// engine (auto: ONNX Runtime on an in-memory export): the same glosses and scores as the
/// TorchSharp engine, also when a long input is processed in chunks.
/// </summary>
public sealed class OnnxRecognitionTests
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public void ExportedModelRecognisesLikeTorchSharp()
    {
        string ckpt = RecognitionFixture.Checkpoint(layers: 2);
        string onnx = Path.Combine(Directory.CreateTempSubdirectory("glossa-onnx-cli-").FullName, "student.onnx");
        var (code, stdout, stderr) = CliProcess.Run(Limit, "model", "export", ckpt, "--format", "onnx", "--out", onnx);
        Assert.True(code == 0, stderr);
        Assert.Contains("(onnx)", stdout);

        foreach (string input in new[] { RecognitionFixture.FrameFolder(1), RecognitionFixture.LongFolder })
        {
            var torchOptions = new RecognitionOptions { Checkpoint = ckpt, Device = "cpu", ChunkFrames = 64, Overlap = 16, NBest = 3, Engine = "torch" };
            using var torchEngine = Recognizer.Load(torchOptions);
            using var onnxEngine = Recognizer.Load(torchOptions with { Engine = "onnx", OnnxFile = onnx });
            using var autoEngine = Recognizer.Load(torchOptions with { Engine = "auto" });           // ONNX Runtime on an in-memory export
            var expected = torchEngine.Recognize(input);
            var actual = onnxEngine.Recognize(input);
            Assert.Equal("torch", expected.Engine);
            Assert.Equal("onnx", actual.Engine);
            var auto = autoEngine.Recognize(input);
            Assert.Equal("onnx", auto.Engine);
            Assert.Equal(actual.NBest.Select(n => n.Glosses), auto.NBest.Select(n => n.Glosses));
            Assert.Equal(expected.OutputFrames, actual.OutputFrames);
            Assert.Equal(expected.Chunks, actual.Chunks);
            Assert.Equal(expected.NBest.Count, actual.NBest.Count);
            for (int i = 0; i < expected.NBest.Count; i++)
            {
                Assert.Equal(expected.NBest[i].Glosses, actual.NBest[i].Glosses);
                Assert.Equal(expected.NBest[i].Score, actual.NBest[i].Score, 2e-3);
            }
        }

        string folder = RecognitionFixture.FrameFolder(0);
        (code, stdout, stderr) = CliProcess.Run(Limit, "recognize", "-c", ckpt, "--engine", "onnx", "--onnx", onnx, "--json", "--threads", "2", folder);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("onnx", doc.RootElement[0].GetProperty("engine").GetString());
        using var reference = Recognizer.Load(new RecognitionOptions { Checkpoint = ckpt, Device = "cpu", Engine = "torch" });
        Assert.Equal(reference.Recognize(folder).Glosses, doc.RootElement[0].GetProperty("glosses").EnumerateArray().Select(e => e.GetString()!).ToList());
    }

    [Fact]
    public void WrongEngineOrMissingFileIsOneLine()
    {
        string ckpt = RecognitionFixture.Checkpoint();
        string missing = Path.Combine(RecognitionFixture.Root, "missing.onnx");
        var (code, _, stderr) = CliProcess.Run(Limit, "recognize", "-c", ckpt, "--onnx", missing, RecognitionFixture.FrameFolder(0));
        Assert.Equal(2, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("missing.onnx", stderr);
        Assert.Contains("--format onnx", stderr);

        var e = Assert.Throws<GlossaException>(() => new RecognitionOptions { Checkpoint = ckpt, Engine = "tensorrt" }.Validate());
        Assert.Contains("--engine 'tensorrt' is unknown", e.Message);
        e = Assert.Throws<GlossaException>(() => new RecognitionOptions { Checkpoint = ckpt, Engine = "torch", OnnxFile = "x.onnx" }.Validate());
        Assert.Contains("--engine torch", e.Message);
        e = Assert.Throws<GlossaException>(() => new RecognitionOptions { Checkpoint = ckpt, Engine = "onnx", Precision = "bf16" }.Validate());
        Assert.Contains("--engine torch", e.Message);
    }

    [Fact]
    public void AFileFromAnotherModelIsRefused()
    {
        string one = RecognitionFixture.Checkpoint(layers: 1), two = RecognitionFixture.Checkpoint(layers: 2);
        string onnx = Path.Combine(Directory.CreateTempSubdirectory("glossa-onnx-cli-").FullName, "other.onnx");
        var (code, _, stderr) = CliProcess.Run(Limit, "model", "export", two, "--out", onnx);
        Assert.True(code == 0, stderr);
        var e = Assert.Throws<GlossaException>(() => Recognizer.Load(new RecognitionOptions { Checkpoint = one, Device = "cpu", Engine = "onnx", OnnxFile = onnx }));
        Assert.Contains("exported from", e.Message);
    }

    [Fact]
    public void A_model_onnx_of_another_run_of_the_same_model_is_refused()
    {
        // Same architecture and classes, other weights: the default engine had run the file's weights, not the checkpoint's.
        string source = RecognitionFixture.Checkpoint(layers: 1);
        string copy = Directory.CreateTempSubdirectory("glossa-onnx-bound-").FullName;
        foreach (string file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        var config = Glossa.Models.ModelCheckpoint.ReadConfig(copy);
        TorchSharp.torch.random.manual_seed(99);
        using (var other = Glossa.Models.ModelFactory.Create(config))
        {
            other.eval();
            Glossa.Models.Onnx.OnnxExporter.Export(other, Path.Combine(copy, "model.onnx"));
        }
        var e = Assert.Throws<GlossaException>(() => Recognizer.Load(new RecognitionOptions { Checkpoint = copy, Device = "cpu" }));
        Assert.Contains("exported from other weights than this checkpoint's", e.Message);

        // This checkpoint's own export is bound to it and runs.
        var (code, _, stderr) = CliProcess.Run(Limit, "model", "export", copy, "--format", "onnx", "--out", Path.Combine(copy, "model.onnx"), "--overwrite");
        Assert.True(code == 0, stderr);
        using var recognizer = Recognizer.Load(new RecognitionOptions { Checkpoint = copy, Device = "cpu" });
    }
}
