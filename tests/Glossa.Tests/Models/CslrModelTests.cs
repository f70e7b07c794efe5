using TorchSharp;
using Glossa.Common;
using Glossa.Models;
using Glossa.Models.Backbones;
using Glossa.Models.Temporal;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

public class CslrModelTests
{
    static Tensor R(params long[] shape) => randn(shape);

    [Theory]
    [InlineData("K5-P2-K5-P2", 4)]
    [InlineData("K3-P2", 2)]
    [InlineData("K5-K5", 1)]
    [InlineData("P2-K3-P2-K3-P2", 8)]
    public void TemporalConvLengthFormulaMatchesRealOutput(string specText, int stride)
    {
        var spec = TemporalConvSpec.Parse(specText);
        Assert.Equal(stride, spec.Stride);
        using var conv = new TemporalConv(spec, 6, 5);
        conv.eval();
        for (long t = spec.MinimumInputLength(1); t <= 40; t++)
        {
            using var x = R(2, 6, t);
            using var y = conv.call(x);
            Assert.Equal(spec.OutputLength(t), y.shape[2]);
        }
        Assert.True(spec.OutputLength(spec.MinimumInputLength(1) - 1) < 1);
    }

    [Fact]
    public void VacFormulaIsTheDocumentedOne()
    {
        var spec = TemporalConvSpec.Parse("K5-P2-K5-P2");
        for (long t = 16; t < 300; t++)
            Assert.Equal(((t - 4) / 2 - 4) / 2, spec.OutputLength(t));
        Assert.Equal(16, spec.MinimumInputLength(1));
        Assert.Equal(0, spec.OutputLength(15));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(2)]
    public void I3dLengthFormulaMatchesRealOutput(int stride)
    {
        using var i3d = new InceptionI3d(temporalStride: stride);
        i3d.eval();
        Assert.Equal(stride, i3d.TemporalStride);
        using var _ = no_grad();
        foreach (long t in new long[] { 1, 4, 5, 9 })
        {
            using var x = R(1, 3, t, 32, 32);
            using var y = i3d.call(x);
            Assert.Equal(i3d.OutputLength(t), y.shape[2]);
            Assert.Equal((t + stride - 1) / stride, y.shape[2]);
            Assert.Equal(1024, y.shape[1]);
        }
    }

    [Fact]
    public void TinyStudentShapesAndLengths()
    {
        using var model = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 31);
        model.eval();
        using var frames = R(2, 30, 3, 32, 32);
        using var lengths = tensor(new long[] { 30, 17 });
        var output = model.call(frames, lengths);
        Assert.Equal(new long[] { 2, model.ComputeOutputLength(30), 31 }, output.Logits.shape);
        Assert.Equal(new[] { model.ComputeOutputLength(30), model.ComputeOutputLength(17) }, output.Lengths.data<long>().ToArray());
        Assert.Equal(ScalarType.Int64, output.Lengths.dtype);
        Assert.Equal(4, model.TemporalStride);
        Assert.Equal(30 / 4, model.ComputeOutputLength(30));   // edge-padded K5-P2-K5-P2
        Assert.Equal(17 / 4, model.ComputeOutputLength(17));
    }

    [Fact]
    public void TinyGridStudentKeepsA4x4RasterOfTheLastMap()
    {
        using var plain = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 31);
        using var model = ModelFactory.Create(ModelFactory.TinyGridStudent, numClasses: 31);
        model.eval();
        // same state-dict keys as the tiny student (weights differ only in the first temporal conv's input width)
        Assert.Equal(plain.state_dict().Keys.OrderBy(k => k), model.state_dict().Keys.OrderBy(k => k));
        Assert.Equal(128 * 16, model.FeatureDim);
        var cnn = Assert.IsType<TinyCnn>(model.Backbone);
        using var noGrad = no_grad();
        using var frames = R(3, 3, 64, 64);
        using var features = cnn.call(frames);                         // (N, 2048)
        using var map = cnn.Features.call(frames);                     // (N, 128, 4, 4) at 64 px
        Assert.Equal(new long[] { 3, 128, 4, 4 }, map.shape);
        Assert.True((features - map.flatten(1)).abs().max().item<float>() < 1e-6);
        // at 96 px (6x6 map) each raster cell averages its part of the map: cell (0,0) is rows/columns 0-1
        using var big = R(1, 3, 96, 96);
        using var bigFeatures = cnn.call(big).view(1, 128, 4, 4);      // (1, 2048) -> (1, 128, 4, 4)
        using var bigMap = cnn.Features.call(big);                     // (1, 128, 6, 6)
        using var corner = bigMap.narrow(2, 0, 2).narrow(3, 0, 2).mean([2, 3]); // (1, 128)
        Assert.True((bigFeatures.select(2, 0).select(2, 0) - corner).abs().max().item<float>() < 1e-5);
        using var clip = R(2, 30, 3, 64, 64);
        using var lengths = tensor(new long[] { 30, 17 });
        var output = model.call(clip, lengths);
        Assert.Equal(new long[] { 2, model.ComputeOutputLength(30), 31 }, output.Logits.shape);
    }

    [Theory]
    [InlineData(0)]     // global average
    [InlineData(4)]     // the demo's 4x4 raster
    public void TinyCnnOnChannelsLastFramesMatchesFloat64(int grid)
    {
        // Training feeds the tiny CNNs channels-last frames (Backbone.PrefersChannelsLast): outputs and
        // every gradient must agree with a float64 NCHW computation as closely as float32 NCHW does.
        manual_seed(3);
        using var scope = NewDisposeScope();
        var cnn = new TinyCnn(1.0, grid);
        var reference = new TinyCnn(1.0, grid);
        reference.load_state_dict(cnn.state_dict());
        reference.to(float64);
        cnn.train();
        reference.train();
        var frames = randn(24, 3, 64, 64).mul_(3);
        var y = cnn.call(Glossa.Models.Inference.Layouts.ChannelsLast(frames));
        var y64 = reference.call(frames.to(float64));
        var grad = randn_like(y);
        y.backward([grad]);
        y64.backward([grad.to(float64)]);
        Assert.True(Relative(y, y64) < 1e-5, $"output {Relative(y, y64):E2}");
        var grads64 = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, p) in cnn.named_parameters())
            Assert.True(Relative(p.grad!, grads64[name]) < 1e-4, $"{name} gradient {Relative(p.grad!, grads64[name]):E2}");
    }

    [Fact]
    public void TheTinyCnnGetsChannelsLastFramesWhetherOrNotTheClipsArePadded()
    {
        using var model = ModelFactory.Create(ModelFactory.TinyGridStudent, numClasses: 11);
        Assert.True(model.ChannelsLast);
        Assert.False(ModelFactory.Create(ModelFactory.MobileNetV3SmallStudent, numClasses: 11).ChannelsLast);   // 1x1 convolutions stay NCHW
        var seen = new List<bool>();
        model.Backbone.register_forward_pre_hook((_, x) => { seen.Add(Glossa.Models.Inference.Layouts.IsChannelsLast(x)); return x; });
        using var _ = no_grad();
        using var clip = R(2, 12, 3, 64, 64);
        model.call(clip, tensor(new long[] { 12, 12 }));              // all frames valid: the whole batch at once
        model.call(clip, tensor(new long[] { 12, 7 }));               // padded: the valid frames are gathered first
        Assert.Equal(new[] { true, true }, seen);
    }

    static double Relative(Tensor a, Tensor b)
    {
        using var d = a.to(float64) - b;
        return d.norm().item<double>() / Math.Max(b.norm().item<double>(), 1e-30);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]     // edge padding repeats each clip's own last frame, never the batch's padding
    public void PaddingDoesNotChangeAClipsOutput(int edgePad)
    {
        // Valid-frame selection and LSTM packing must make a padded clip's logits equal to the clip alone.
        using var model = ModelFactory.Create(ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 11) with { EdgePad = edgePad });
        model.eval();
        using var _ = no_grad();
        using var batch = R(2, 40, 3, 32, 32);
        using var lengths = tensor(new long[] { 40, 23 });
        var padded = model.call(batch, lengths);
        using var alone = batch[1..2, ..23];
        var single = model.call(alone, tensor(new long[] { 23 }));
        long n = single.Lengths[0].item<long>();
        Assert.Equal(n, padded.Lengths[1].item<long>());
        using var a = padded.Logits[1, ..(int)n];
        using var b = single.Logits[0];
        Assert.True(allclose(a, b, rtol: 1e-4, atol: 1e-5), $"max diff {(a - b).abs().max().item<float>()}");
    }

    [Fact]
    public void EdgePaddingIsTheClipWithItsFirstAndLastFrameRepeated()
    {
        // VAC pads clips with copies of their first and last frame; the model's edge padding must
        // give exactly that (per-frame backbone, eval mode) and keep T / 4 output frames.
        manual_seed(3);
        using var padded = ModelFactory.Create(ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 9) with { EdgePad = 6 });
        using var plain = ModelFactory.Create(ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 9) with { EdgePad = 0 });
        plain.load_state_dict(padded.state_dict());
        padded.eval();
        plain.eval();
        using var _ = no_grad();
        using var clip = R(1, 21, 3, 32, 32);
        using var repeated = cat([clip[.., ..1].expand(1, 6, 3, 32, 32), clip, clip[.., 20..].expand(1, 6, 3, 32, 32)], 1);
        var a = padded.call(clip, tensor(new long[] { 21 }));
        var b = plain.call(repeated, tensor(new long[] { 33 }));
        Assert.Equal(5, padded.ComputeOutputLength(21));   // floor(21 / 4)
        Assert.Equal(2, plain.ComputeOutputLength(21));    // ((21 - 4) / 2 - 4) / 2: the unpadded conv trims the ends
        Assert.Equal(b.Logits.shape, a.Logits.shape);
        Assert.True(allclose(a.Logits, b.Logits, rtol: 1e-4, atol: 1e-5), $"max diff {(a.Logits - b.Logits).abs().max().item<float>()}");
        foreach (int t in new[] { 8, 9, 40, 141, 299 })
            Assert.Equal(t / 4, padded.ComputeOutputLength(t));
        Assert.Throws<GlossaException>(() => (ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 9) with { EdgePad = 6, TemporalConv = "" }).Validate());
        Assert.Throws<GlossaException>(() => (ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 9) with { EdgePad = -1 }).Validate());
    }

    [Fact]
    public void TeacherRunsAtStride4OnSmallInput()
    {
        using var model = ModelFactory.Create(ModelFactory.I3dTeacher, numClasses: 7, hiddenDim: 16);
        model.eval();
        using var _ = no_grad();
        using var frames = R(1, 9, 3, 32, 32);
        var output = model.call(frames, tensor(new long[] { 9 }));
        Assert.Equal(new long[] { 1, 3, 7 }, output.Logits.shape);
        Assert.Equal(3, model.ComputeOutputLength(9));
    }

    [Fact]
    public void TooShortClipIsAClearError()
    {
        using var model = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 5);
        using var frames = R(1, 3, 3, 32, 32);
        var e = Assert.Throws<GlossaException>(() => model.call(frames, tensor(new long[] { 3 })));
        Assert.Contains("too short", e.Message);
        Assert.Contains("at least 4 input frames", e.Message);
        using var plain = ModelFactory.Create(ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 5) with { EdgePad = 0 });
        using var fifteen = R(1, 15, 3, 32, 32);
        Assert.Contains("at least 16 input frames", Assert.Throws<GlossaException>(() => plain.call(fifteen, tensor(new long[] { 15 }))).Message);
    }

    [Fact]
    public void StudentTrainsOneStepWithCtc()
    {
        using var model = ModelFactory.Create(ModelFactory.MobileNetV3SmallStudent, numClasses: 9);
        model.train();
        using var opt = TorchSharp.torch.optim.AdamW(model.parameters(), lr: 1e-3);
        using var frames = R(2, 24, 3, 48, 48);
        using var lengths = tensor(new long[] { 24, 16 });
        var output = model.call(frames, lengths);
        using var logProbs = output.Logits.log_softmax(2).transpose(0, 1);      // (B,T',C) -> (T',B,C)
        using var targets = tensor(new long[] { 1, 2, 3 });
        using var loss = nn.functional.ctc_loss(logProbs, targets, output.Lengths, tensor(new long[] { 2, 1 }), zero_infinity: false);
        Assert.True(float.IsFinite(loss.item<float>()));
        loss.backward();
        opt.step();
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        var config = ModelFactory.Named(ModelFactory.MobileNetV3Student, numClasses: 40, hiddenDim: 64, dropout: 0.4) with { WidthMult = 0.5 };
        var back = ModelConfig.FromJson(config.ToJson());
        Assert.Equal(config, back);
        Assert.Contains("\"num_classes\": 40", config.ToJson());
        // A configuration written before edge padding existed reads as no padding: old checkpoints keep their lengths.
        string old = System.Text.RegularExpressions.Regex.Replace(config.ToJson(), "\\s*\"edge_pad\": \\d+,", "");
        Assert.DoesNotContain("edge_pad", old);
        Assert.Equal(0, ModelConfig.FromJson(old).EdgePad);
        Assert.Throws<GlossaException>(() => (config with { TemporalConv = "K5-X2" }).Validate());
        Assert.Throws<GlossaException>(() => ModelFactory.Named("resnet"));
    }
}
