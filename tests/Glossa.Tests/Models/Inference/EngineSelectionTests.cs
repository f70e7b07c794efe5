using Glossa.Common;
using Glossa.Corpora;
using Glossa.Decoding;
using Glossa.Frames;
using Glossa.Models;
using Glossa.Models.Inference;
using Glossa.Tests.Recognition;
using Glossa.Tests.Training;
using TorchSharp;

namespace Glossa.Tests.Models.Inference;

/// <summary>
/// <c>--engine auto</c>: ONNX Runtime where it applies (CPU, fp32, an exportable model), TorchSharp
/// elsewhere; and the onnx engine's padded batches decode exactly like the fused TorchSharp path.
/// </summary>
public sealed class EngineSelectionTests
{
    static ModelConfig Config(string name) => ModelFactory.Named(name, 12);

    [Theory]
    [InlineData(ModelFactory.MobileNetV3Student, "fp32", InferenceEngine.Onnx)]
    [InlineData(ModelFactory.MobileNetV3SmallStudent, "fp32", InferenceEngine.Onnx)]
    [InlineData(ModelFactory.TinyStudent, "fp32", InferenceEngine.Onnx)]
    [InlineData(ModelFactory.I3dTeacher, "fp32", InferenceEngine.Torch)]
    [InlineData(ModelFactory.TinyGridStudent, "fp32", InferenceEngine.Torch)]
    [InlineData(ModelFactory.ResNet18Vac, "fp32", InferenceEngine.Torch)]
    [InlineData(ModelFactory.MobileNetV3Student, "bf16", InferenceEngine.Torch)]
    public void Auto_picks_onnx_runtime_only_where_it_applies(string model, string precision, InferenceEngine expected)
    {
        var engine = EngineSelection.Resolve(InferenceEngine.Auto, Config(model), torch.CPU, PrecisionSupport.Parse(precision));
        Assert.Equal(expected, engine);
        Assert.Equal(InferenceEngine.Torch, EngineSelection.Resolve(InferenceEngine.Torch, Config(model), torch.CPU, InferencePrecision.Fp32));
    }

    [Fact]
    public void An_onnx_engine_that_cannot_run_is_one_line()
    {
        var e = Assert.Throws<GlossaException>(() => EngineSelection.Resolve(InferenceEngine.Onnx, Config(ModelFactory.I3dTeacher), torch.CPU, InferencePrecision.Fp32));
        Assert.Contains("i3d-teacher", e.Message);
        e = Assert.Throws<GlossaException>(() => EngineSelection.Resolve(InferenceEngine.Onnx, Config(ModelFactory.TinyStudent), torch.CPU, InferencePrecision.Bf16));
        Assert.Contains("--engine torch", e.Message);
        e = Assert.Throws<GlossaException>(() => EngineSelection.Parse("tensorrt"));
        Assert.Contains("auto, torch, onnx", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var shared = Config(ModelFactory.TinyStudent) with { ConvHead = ModelConfig.ConvHeadShared, TemporalChannels = 256 };
        Assert.Equal(InferenceEngine.Torch, EngineSelection.Resolve(InferenceEngine.Auto, shared, torch.CPU, InferencePrecision.Fp32));
    }

    [Fact]
    public void Onnx_engine_batches_give_the_fused_paths_log_probabilities_and_greedy_output()
    {
        // Clips of different lengths in one padded batch: ONNX Runtime runs each clip without its
        // padding, the fused path runs the batch; valid rows must agree and decode the same.
        string checkpoint = RecognitionFixture.Checkpoint(layers: 2);
        using var onnx = CheckpointModel.Load(checkpoint, torch.CPU, engine: InferenceEngine.Auto);
        using var fused = CheckpointModel.Load(checkpoint, torch.CPU, engine: InferenceEngine.Torch);
        Assert.Equal(InferenceEngine.Onnx, onnx.Engine);
        Assert.Equal(InferenceEngine.Torch, fused.Engine);
        var samples = CorpusLoader.Load(TinyCorpus.Path_).Split("dev");
        var loader = new BatchLoader(samples, onnx.Vocabulary, new LoaderOptions { Frames = onnx.Frames, Mode = FrameMode.Eval, BatchSize = 3 });
        var greedy = CtcDecoder.Create(0, onnx.Vocabulary.Count);
        int batches = 0;
        bool unequalLengths = false;
        foreach (var batch in loader.Epoch(0))
        {
            using var b = batch;
            var a = onnx.LogProbs(b.Frames, b.Lengths);
            var e = fused.LogProbs(b.Frames, b.Lengths);
            Assert.Equal(e.Lengths, a.Lengths);
            unequalLengths |= a.Lengths.Distinct().Count() > 1;
            double worst = 0;
            for (int i = 0; i < b.Count; i++)
                for (int t = 0; t < a.Lengths[i]; t++)
                    for (int c = 0; c < a.Classes; c++)
                        worst = Math.Max(worst, Math.Abs(a.Values[((long)i * a.MaxFrames + t) * a.Classes + c] - e.Values[((long)i * e.MaxFrames + t) * e.Classes + c]));
            Assert.True(worst < 1e-4, $"onnx vs fused log-probabilities differ by {worst:G3}");
            Assert.Equal(greedy.BestBatch(e), greedy.BestBatch(a));
            batches++;
        }
        Assert.True(batches >= 1);
        Assert.True(unequalLengths, "the dev split should give a batch of clips of different lengths");
    }
}
