using Glossa.Common;
using Glossa.Models;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

public class CheckpointTests
{
    [Fact]
    public void GlossaCheckpointRebuildsTheSameModel()
    {
        var config = ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 13, hiddenDim: 24) with { WidthMult = 0.5 };
        using var model = ModelFactory.Create(config);
        model.eval();
        string path = Path.Combine(Path.GetTempPath(), $"glossa-ckpt-{Environment.ProcessId}.pt");
        try
        {
            WeightIO.SaveCheckpoint(model, path);
            Assert.Equal(config, WeightIO.ReadCheckpointConfig(path));
            using var loaded = WeightIO.LoadCheckpoint(path);
            loaded.eval();
            Assert.Equal(config, loaded.Config);
            using var _ = no_grad();
            using var frames = randn([2, 20, 3, 32, 32]);
            using var lengths = tensor(new long[] { 20, 18 });
            var a = model.call(frames, lengths);
            var b = loaded.call(frames, lengths);
            Assert.True(a.Logits.allclose(b.Logits, 0, 0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NativeAndPyTorchFormatsRoundTrip()
    {
        using var model = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
        using var other = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
        string native = Path.GetTempFileName(), py = Path.GetTempFileName() + ".pt", st = Path.GetTempFileName() + ".safetensors";
        try
        {
            WeightIO.SaveNative(model, native);
            WeightIO.LoadNative(other, native);
            Assert.True(model.classifier_weight().allclose(other.classifier_weight(), 0, 0));

            using var third = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
            WeightIO.SavePyTorch(model, py);
            Assert.True(WeightIO.Load(third, py, strict: true).IsExact);
            Assert.True(model.classifier_weight().allclose(third.classifier_weight(), 0, 0));

            using var fourth = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
            WeightIO.WriteSafetensors(model.state_dict(), st);
            Assert.True(WeightIO.Load(fourth, st, strict: true).IsExact);
            Assert.True(model.classifier_weight().allclose(fourth.classifier_weight(), 0, 0));

            using var wrongSize = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 10);
            var e = Assert.Throws<GlossaException>(() => WeightIO.Load(wrongSize, py, strict: true));
            Assert.Contains("classifier.weight", e.Message);
            Assert.Throws<GlossaException>(() => WeightIO.LoadCheckpoint(py)); // a plain state dict has no config
        }
        finally
        {
            File.Delete(native);
            File.Delete(py);
            File.Delete(st);
        }
    }

    [Fact]
    public void TruncatedLegacyFileIsAClearError()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]);
            var e = Assert.Throws<GlossaException>(() => WeightIO.ReadStateDict(path));
            Assert.Contains(path, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

static class ModelTestExtensions
{
    public static Tensor classifier_weight(this CslrModel model) => model.state_dict()["classifier.weight"];
}
