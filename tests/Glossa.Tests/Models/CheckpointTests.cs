using Glossa.Common;
using Glossa.Models;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

public class CheckpointTests
{
    static void AssertSameOutputs(CslrModel a, CslrModel b)
    {
        a.eval();
        b.eval();
        using var _ = no_grad();
        using var frames = randn([2, 20, 3, 32, 32]);
        using var lengths = tensor(new long[] { 20, 18 });
        Assert.True(a.call(frames, lengths).Logits.allclose(b.call(frames, lengths).Logits, 0, 0));
    }

    [Fact]
    public void An_imported_model_is_a_checkpoint_folder_that_rebuilds_the_same_model()
    {
        var config = ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 13, hiddenDim: 24) with { WidthMult = 0.5 };
        using var model = ModelFactory.Create(config);
        string dir = Path.Combine(Path.GetTempPath(), $"glossa-ckpt-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            ModelCheckpoint.WriteUntrained(dir, model);
            Assert.True(ModelCheckpoint.Exists(dir));
            Assert.Equal(config, ModelCheckpoint.ReadConfig(dir));
            using var loaded = ModelCheckpoint.LoadModel(dir);
            Assert.Equal(config, loaded.Config);
            AssertSameOutputs(model, loaded);
            // Recognition needs a vocabulary: a one-line message says what the folder is for.
            var e = Assert.Throws<GlossaException>(() => CheckpointModel.Load(dir, CPU));
            Assert.Contains("--pretrained", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_single_file_model_of_older_versions_still_loads()
    {
        // The older format: a torch.save state dict with the configuration as a uint8 tensor under glossa_config.
        var config = ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 7, hiddenDim: 16);
        using var model = ModelFactory.Create(config);
        string path = Path.Combine(Path.GetTempPath(), $"glossa-old-{Environment.ProcessId}-{Guid.NewGuid():N}.pt");
        try
        {
            var state = new Dictionary<string, Tensor>(model.state_dict(), StringComparer.Ordinal);
            using var configBytes = tensor(System.Text.Encoding.UTF8.GetBytes(config.ToJson()), dtype: ScalarType.Byte);
            state[WeightIO.ConfigKey] = configBytes;
            using (var stream = File.Create(path))
                TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, state);
            using var loaded = ModelCheckpoint.LoadModel(path);
            Assert.Equal(config, loaded.Config);
            AssertSameOutputs(model, loaded);
            var e = Assert.Throws<GlossaException>(() => CheckpointModel.Load(path, CPU));
            Assert.Contains(path, e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PyTorchAndSafetensorsFormatsRoundTrip()
    {
        using var model = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
        string py = Path.GetTempFileName() + ".pt", st = Path.GetTempFileName() + ".safetensors";
        try
        {
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
            Assert.Contains("plain state dict", Assert.Throws<GlossaException>(() => ModelCheckpoint.LoadModel(py)).Message); // no config inside
        }
        finally
        {
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
