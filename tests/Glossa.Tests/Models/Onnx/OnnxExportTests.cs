using Glossa.Common;
using Glossa.Models;
using Glossa.Models.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Tests.Models.Onnx;

/// <summary>
/// The exported graph, run by ONNX Runtime, must give the TorchSharp model's log-probabilities
/// within 1e-4 for every exported configuration, at several clip lengths from one file (the time
/// axis is dynamic), with non-trivial BatchNorm statistics so eval-mode normalisation is checked.
/// </summary>
public sealed class OnnxExportTests
{
    [Theory]
    [InlineData(ModelFactory.TinyStudent, 1, 48)]
    [InlineData(ModelFactory.MobileNetV3SmallStudent, 1, 64)]
    [InlineData(ModelFactory.MobileNetV3Student, 2, 64)]
    [InlineData(ModelFactory.TinyStudent, 0, 40)]      // no BiLSTM: the classifier reads the temporal conv
    [InlineData(ModelFactory.TinyStudent, 1, 32, 6)]   // edge padding as an ONNX Pad (mode edge)
    public void OnnxRuntimeMatchesTorchSharp(string name, int layers, int size, int edgePad = 0)
    {
        manual_seed(7);
        var config = ModelFactory.Named(name, numClasses: 11, hiddenDim: 24) with { Layers = layers, EdgePad = edgePad };
        using var model = ModelFactory.Create(config);
        RandomiseNormStatistics(model);
        model.eval();
        string path = Path.Combine(Directory.CreateTempSubdirectory("glossa-onnx-").FullName, "model.onnx");
        OnnxExporter.Export(model, path);
        using var onnx = new OnnxModel(path, threads: 2);
        Assert.Equal(11, onnx.Classes);
        Assert.Equal(config, onnx.Config);
        foreach (int t in new[] { 16, 23, 41 })
        {
            using var frames = randn(new long[] { 1, t, 3, size, size });
            float[] expected = TorchLogProbs(model, frames, out long expectedFrames);
            float[] actual = onnx.LogProbs(frames[0].contiguous().data<float>().ToArray(), t, size, size, out int outFrames);
            Assert.Equal(model.ComputeOutputLength(t), outFrames);
            Assert.Equal(expectedFrames, outFrames);
            Assert.Equal(expected.Length, actual.Length);
            double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst < 1e-4, $"{name} T={t}: max |torch - onnx| = {worst:E2}");
            Assert.All(actual, v => Assert.True(float.IsFinite(v) && v <= 0));
        }
        File.Delete(path);
    }

    [Fact]
    public void ClipBackbonesAreRefusedWithAReason()
    {
        var config = ModelFactory.Named(ModelFactory.I3dTeacher, numClasses: 5, hiddenDim: 8);
        var e = Assert.Throws<GlossaException>(() => OnnxExporter.CheckExportable(config));
        Assert.Contains("per-frame backbones", e.Message);
    }

    [Fact]
    public void MissingOrForeignFilesGiveOneLineErrors()
    {
        string dir = Directory.CreateTempSubdirectory("glossa-onnx-").FullName;
        var missing = Assert.Throws<GlossaException>(() => new OnnxModel(Path.Combine(dir, "none.onnx")));
        Assert.Contains("--format onnx", missing.Message);
        string junk = Path.Combine(dir, "junk.onnx");
        File.WriteAllText(junk, "not a model");
        var bad = Assert.Throws<GlossaException>(() => new OnnxModel(junk));
        Assert.StartsWith(junk, bad.Message);
        Assert.DoesNotContain('\n', bad.Message);
    }

    [Fact]
    public void ExportToAPathThatCannotHoldTheFileThrowsOneOutputLine()
    {
        using var model = ModelFactory.Create(ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 5, hiddenDim: 8));
        model.eval();
        string dir = Directory.CreateTempSubdirectory("glossa-onnx-").FullName;
        string blocker = Path.Combine(dir, "notes.txt");
        File.WriteAllText(blocker, "x");
        foreach (var (path, names) in new[]
        {
            (Path.Combine(dir, "missing", "model.onnx"), Path.Combine(dir, "missing")),   // the folder does not exist
            (dir, dir),                                                                   // the path is a folder
            (Path.Combine(blocker, "model.onnx"), blocker),                               // the "folder" is a file
        })
        {
            var e = Assert.Throws<OutputException>(() => OnnxExporter.Export(model, path));
            Assert.Contains(names, e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Matches("; (create|give|choose) ", e.Message);
        }
        Assert.Equal([blocker], Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void ExportOnAFullDiskThrowsOneOutputLineAndLeavesNoPartialFile()
    {
        using var model = ModelFactory.Create(ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 5, hiddenDim: 8));
        model.eval();
        int size = OnnxExporter.ToBytes(model).Length;
        string disk = Directory.CreateTempSubdirectory("glossa-onnx-disk-").FullName;
        using (Glossa.Tests.Cli.FaultWorld.FullDisk(disk, 1))
        {
            Glossa.Tests.Cli.FaultWorld.Fill(disk, leaveKiB: size / 1024 / 2);   // room for half the file
            string path = Path.Combine(disk, "model.onnx");
            var e = Assert.Throws<OutputException>(() => OnnxExporter.Export(model, path));
            Assert.Contains("no space left", e.Message);
            Assert.Contains(path, e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Equal(["filler"], Directory.GetFileSystemEntries(disk).Select(Path.GetFileName));
        }
    }

    static float[] TorchLogProbs(CslrModel model, Tensor frames, out long outFrames)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var output = model.call(frames, tensor(new[] { frames.shape[1] }, dtype: int64));
        var logProbs = nn.functional.log_softmax(output.Logits, dim: -1)[0].contiguous(); // (1,T',C) -> (T',C)
        outFrames = logProbs.shape[0];
        return logProbs.data<float>().ToArray();
    }

    /// <summary>Running statistics and affine parameters away from their 0/1 initial values.</summary>
    static void RandomiseNormStatistics(CslrModel model)
    {
        using var _ = no_grad();
        foreach (var bn in model.modules().OfType<BatchNorm>())
        {
            long c = bn.num_features;
            bn.running_mean!.copy_(randn(c) * 0.2);
            bn.running_var!.copy_(rand(c) + 0.5);
            bn.weight!.copy_(rand(c) + 0.5);
            bn.bias!.copy_(randn(c) * 0.1);
        }
    }
}
