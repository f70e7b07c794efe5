using System.Globalization;
using Glossa.Models;
using Glossa.Models.Backbones;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

/// <summary>
/// The C# backbones load PyTorch's weights strictly and reproduce PyTorch's eval-mode outputs
/// within 1e-4 (reference: bench/parity/make_reference.py run with Debian's torch 1.13 / torchvision 0.14).
/// </summary>
public class ParityTests
{
    const double Tolerance = 1e-4;

    static Dictionary<string, Tensor> Io() => WeightIO.ReadStateDict(Path.Combine(PythonReference.Directory, "io.pt"));

    static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff < Tolerance, $"{what}: max |diff| {diff:E2} >= {Tolerance:E0}");
    }

    [PythonTorchFact]
    public void MobileNetV3LargeFromSafetensors()
    {
        var io = Io();
        using var model = new MobileNetV3(large: true, imageNetClasses: 1000);
        var report = WeightIO.Load(model, Path.Combine(PythonReference.Directory, "mobilenet_v3_large.safetensors"), strict: true);
        Assert.True(report.IsExact, report.Describe());
        model.eval();
        using var _ = no_grad();
        AssertClose(io["mbv3_large_features"], model.call(io["mbv3_large_input"]), "large features");
        AssertClose(io["mbv3_large_logits"], model.ImageNetLogits(io["mbv3_large_input"]), "large logits");
    }

    [PythonTorchFact]
    public void MobileNetV3SmallFromTorchSave()
    {
        var io = Io();
        using var model = new MobileNetV3(large: false, imageNetClasses: 1000);
        var report = WeightIO.Load(model, Path.Combine(PythonReference.Directory, "mobilenet_v3_small.pt"), strict: true);
        Assert.True(report.IsExact, report.Describe());
        model.eval();
        using var _ = no_grad();
        AssertClose(io["mbv3_small_features"], model.call(io["mbv3_small_input"]), "small features");
        AssertClose(io["mbv3_small_logits"], model.ImageNetLogits(io["mbv3_small_input"]), "small logits");
    }

    [PythonTorchFact]
    public void I3dAtStride8And4()
    {
        var io = Io();
        using var _ = no_grad();
        foreach (int stride in new[] { 8, 4 })
        {
            using var model = new InceptionI3d(temporalStride: stride, logitClasses: 400);
            var report = WeightIO.Load(model, Path.Combine(PythonReference.Directory, "i3d.pt"), strict: true);
            Assert.True(report.IsExact, report.Describe());
            model.eval();
            AssertClose(io[$"i3d_features_stride{stride}"], model.call(io["i3d_input"]), $"i3d stride {stride}");
        }
    }

    [PythonTorchFact]
    public void A_legacy_torch_file_cut_inside_its_tensor_data_is_a_clear_error()
    {
        // Cut inside the tensor data (not the pickle), the reader handed libtorch too few bytes: "internal error", exit 70.
        byte[] whole = File.ReadAllBytes(Path.Combine(PythonReference.Directory, "i3d_legacy.pt"));
        string path = Path.Combine(Path.GetTempPath(), $"glossa-cut-legacy-{Environment.ProcessId}.pt");
        try
        {
            File.WriteAllBytes(path, whole[..(int)(whole.Length * 0.9)]);
            var e = Assert.Throws<Glossa.Common.GlossaException>(() => WeightIO.ReadStateDict(path));
            Assert.Contains("ends early", e.Message);
            Assert.Contains(path, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [PythonTorchFact]
    public void I3dFromLegacyTorchSaveFormat()
    {
        var io = Io();
        using var _ = no_grad();
        using var model = new InceptionI3d(temporalStride: 8, logitClasses: 400);
        var report = WeightIO.Load(model, Path.Combine(PythonReference.Directory, "i3d_legacy.pt"), strict: true);
        Assert.True(report.IsExact, report.Describe());
        model.eval();
        AssertClose(io["i3d_features_stride8"], model.call(io["i3d_input"]), "i3d from legacy file");
    }

    [PythonTorchFact]
    public void TorchvisionWeightsLoadIntoTheStudentsBackboneWithAReport()
    {
        using var student = ModelFactory.Create(ModelFactory.MobileNetV3Student, numClasses: 20);
        var report = WeightIO.Load(student, Path.Combine(PythonReference.Directory, "mobilenet_v3_large.safetensors"), strict: false, prefix: "backbone.");
        Assert.Empty(report.Missing);
        Assert.Equal(["classifier.0.bias", "classifier.0.weight", "classifier.3.bias", "classifier.3.weight"], report.Unexpected.Order());
        Assert.Throws<Glossa.Common.GlossaException>(() =>
            WeightIO.Load(student, Path.Combine(PythonReference.Directory, "mobilenet_v3_large.safetensors"), strict: true, prefix: "backbone."));
        // The I3D checkpoint into the student: nothing matches, everything is reported.
        var wrong = WeightIO.Load(student, Path.Combine(PythonReference.Directory, "i3d.pt"), strict: false, prefix: "backbone.");
        Assert.Empty(wrong.Loaded);
        Assert.NotEmpty(wrong.Missing);
    }

    [PythonTorchFact]
    public void ExportedStateDictLoadsInTorchvision()
    {
        var io = Io();
        using var model = new MobileNetV3(large: true, imageNetClasses: 1000);
        WeightIO.Load(model, Path.Combine(PythonReference.Directory, "mobilenet_v3_large.safetensors"), strict: true);
        string path = Path.Combine(Path.GetTempPath(), $"glossa-export-{Environment.ProcessId}.pt");
        try
        {
            WeightIO.SavePyTorch(model, path);
            var (code, output) = PythonReference.Run($"\"{PythonReference.Script}\" --check-export \"{path}\" \"{PythonReference.Directory}\"");
            Assert.True(code == 0, output);
            string value = output.Split("max_abs_diff ")[1].Trim().Split('\n')[0];
            Assert.True(double.Parse(value, CultureInfo.InvariantCulture) < Tolerance, output);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>Whole recognisers exported by Glossa load strictly into bench/parity/glossa_model.py and give the same logits in PyTorch.</summary>
public class ExportParityTests
{
    [PythonTorchTheory]
    [InlineData("mobilenetv3-small-student", 48, 20)]
    [InlineData("tiny-student", 32, 20)]
    [InlineData("tiny-grid-student", 64, 20)]
    [InlineData("tiny-grid-student-normalised", 64, 20)]
    [InlineData("i3d-teacher", 32, 9)]
    public void ExportedRecogniserMatchesInPyTorch(string name, int size, int frames)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"glossa-export-model-{Environment.ProcessId}-{name}");
        Directory.CreateDirectory(dir);
        try
        {
            // "-normalised": the demo recipe's model, each clip normalised at the input and at the features.
            bool normalised = name.EndsWith("-normalised", StringComparison.Ordinal);
            var config = ModelFactory.Named(normalised ? name[..^"-normalised".Length] : name, numClasses: 12, hiddenDim: 16);
            if (normalised) config = config with { InputNorm = ModelConfig.InputNormClip, FeatureNorm = ModelConfig.FeatureNormClip };
            using var model = ModelFactory.Create(config);
            model.eval();
            using var _ = no_grad();
            using var input = rand([2, frames, 3, size, size]).mul_(2).sub_(1);
            var output = model.call(input, full(2, (long)frames, dtype: int64));
            WeightIO.SavePyTorch(model, Path.Combine(dir, "state.pt"));
            WeightIO.WriteSafetensors(new Dictionary<string, Tensor> { ["input"] = input, ["logits"] = output.Logits }, Path.Combine(dir, "io.safetensors"));
            File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJson());
            string script = PythonReference.Script;
            var (code, text) = PythonReference.Run($"\"{script}\" --check-model \"{dir}/state.pt\" \"{dir}/io.safetensors\" \"{dir}/config.json\"");
            Assert.True(code == 0, text);
            double diff = double.Parse(text.Split("max_abs_diff ")[1].Trim().Split('\n')[0], CultureInfo.InvariantCulture);
            // Seen once in a full run (2026-12-07, i3d-teacher: NaN, not reproduced in isolation): say which side gave it.
            Assert.True(diff < 1e-4, $"{name}: max |diff| {diff:E2}; Glossa's logits hold NaN: {output.Logits.isnan().any().item<bool>()}, input holds NaN: {input.isnan().any().item<bool>()}; PyTorch said: {text.Trim()}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
