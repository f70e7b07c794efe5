using Glossa.Common;
using Glossa.Models;
using Glossa.Models.Inference;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Tests.Models.Inference;

/// <summary>The fused eval path against the training-mode module in eval, and the bf16 gate.</summary>
public class FusedModelTests
{
    /// <summary>A model whose BatchNorms have trained-like statistics and affine terms (fresh ones are the identity, which would hide a wrong fold).</summary>
    static CslrModel Model(string name, int classes = 12)
    {
        manual_seed(7);
        var model = ModelFactory.Create(name, classes);
        using (no_grad())
        {
            foreach (var (_, m) in model.named_modules())
            {
                var (mean, variance, weight, bias) = m switch
                {
                    BatchNorm1d b => (b.running_mean, b.running_var, b.weight, b.bias),
                    BatchNorm2d b => (b.running_mean, b.running_var, b.weight, b.bias),
                    _ => (null, null, null, null),
                };
                if (mean is null) continue;
                // As wide as a trained checkpoint's (small variances, signed scales): milder statistics hid oneDNN's wrong
                // channels-last 1x1 convolutions on this CPU (0.2 off here, up to 34 on a trained MobileNetV3-Small).
                mean!.copy_(randn_like(mean));
                variance!.copy_(rand_like(variance).add_(0.05));
                weight!.copy_(randn_like(weight!));
                bias!.copy_(randn_like(bias!).mul_(0.5));
            }
        }
        model.eval();
        return model;
    }

    static Tensor Frames(long b, long t, long size) => rand([b, t, 3, size, size]).mul_(2).sub_(1);

    [Theory]
    [InlineData("mobilenetv3-student", 64)]
    [InlineData("mobilenetv3-small-student", 64)]
    [InlineData("tiny-student", 32)]
    public void FusedLogProbsEqualTheEvalModel(string name, int size)
    {
        using var model = Model(name);
        using var fast = FusedModel.Create(model);
        Assert.True(fast.Fused);
        Assert.True(fast.FoldedBatchNorms >= 4);
        using var frames = Frames(2, 24, size);
        using var lengths = tensor(new long[] { 24, 19 });   // one padded clip: the valid-frame path too
        using var noGrad = no_grad();
        var reference = model.call(frames, lengths);
        var output = fast.Forward(frames, lengths);
        Assert.Equal(reference.Lengths.data<long>().ToArray(), output.Lengths.data<long>().ToArray());
        using var expected = reference.Logits.log_softmax(2);
        using var actual = output.Logits.log_softmax(2);
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"max |log p difference| {diff}");
        Assert.Equal(expected.argmax(2).data<long>().ToArray(), actual.argmax(2).data<long>().ToArray());
        reference.Logits.Dispose(); output.Logits.Dispose();
    }

    [Fact]
    public void GridBackboneIsNotFusedAndRunsTheModelsOwnForward()
    {
        // the fused path ends in a global average; a grid CNN must fall back, not be averaged
        using var model = Model(ModelFactory.TinyGridStudent);
        using var fast = FusedModel.Create(model);
        Assert.False(fast.Fused);
        using var frames = Frames(2, 24, 64);
        using var lengths = tensor(new long[] { 24, 19 });
        using var noGrad = no_grad();
        var reference = model.call(frames, lengths);
        var output = fast.Forward(frames, lengths);
        Assert.True((reference.Logits - output.Logits).abs().max().item<float>() < 1e-4);
        reference.Logits.Dispose(); output.Logits.Dispose();
    }

    [Fact]
    public void InputBufferIsReusedAcrossChunksOfOneShapeAndResultsStayExact()
    {
        using var model = Model("tiny-student");
        using var fast = FusedModel.Create(model);
        using var noGrad = no_grad();
        foreach (long t in new long[] { 20, 20, 17, 20 })
        {
            using var frames = Frames(1, t, 32);
            using var lengths = tensor(new[] { t });
            var (a, _) = model.BackboneFeatures(frames, lengths);
            var (b, _) = fast.BackboneFeatures(frames, lengths);
            Assert.True((a - b).abs().max().item<float>() < 1e-4);
        }
    }

    [Fact]
    public void Bf16IsRefusedWithOneLineWhereTheCpuLacksIt()
    {
        using var model = Model("tiny-student");
        var e = Assert.Throws<GlossaException>(() => FusedModel.Create(model, InferencePrecision.Bf16, () => new HashSet<string> { "sse2", "avx2", "avx512f", "avx512_vnni" }));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("--precision bf16", e.Message);
        Assert.Contains("--precision fp32", e.Message);
        Assert.Null(PrecisionSupport.Refusal(InferencePrecision.Bf16, CPU, () => new HashSet<string> { "avx512_bf16" }));
        Assert.Null(PrecisionSupport.Refusal(InferencePrecision.Bf16, CPU, () => new HashSet<string> { "amx_bf16", "amx_tile" }));
        Assert.Null(PrecisionSupport.Refusal(InferencePrecision.Fp32, CPU, () => new HashSet<string>()));
        Assert.Throws<GlossaException>(() => PrecisionSupport.Parse("fp16"));
    }

    [Fact]
    public void RealProbeMatchesThisMachinesCpuinfoAndBf16RunsWhereAllowed()
    {
        string cpuinfo = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";
        bool native = cpuinfo.Contains(" avx512_bf16", StringComparison.Ordinal) || cpuinfo.Contains(" amx_bf16", StringComparison.Ordinal);
        string? refusal = PrecisionSupport.Refusal(InferencePrecision.Bf16, CPU);
        Assert.Equal(native, refusal is null);
        using var model = Model("mobilenetv3-student");
        if (!native)
        {
            Assert.Throws<GlossaException>(() => FusedModel.Create(model, InferencePrecision.Bf16));
            return;
        }
        using var fast = FusedModel.Create(model, InferencePrecision.Bf16);
        using var frames = Frames(1, 20, 64);
        using var lengths = tensor(new long[] { 20 });
        using var noGrad = no_grad();
        var reference = model.call(frames, lengths);
        var output = fast.Forward(frames, lengths);
        using var expected = reference.Logits.log_softmax(2);
        using var actual = output.Logits.log_softmax(2);
        Assert.Equal(ScalarType.Float32, actual.dtype);
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff > 0 && diff < 0.25, $"bf16 max |log p difference| {diff}");
    }
}
