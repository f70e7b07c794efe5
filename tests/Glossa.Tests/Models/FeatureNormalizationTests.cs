using Glossa.Common;
using Glossa.Models;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

public class FeatureNormalizationTests
{
    [Fact]
    public void Valid_frames_get_zero_mean_per_feature_and_padding_stays_zero()
    {
        random.manual_seed(6);
        using var features = rand([2, 7, 5]) * 3 + 2;                           // (B,T,D)
        using var y = FeatureNormalization.Apply(features, [7, 3]);
        Assert.Equal(features.shape, y.shape);
        using var valid = y[1].narrow(0, 0, 3);                                  // (3,D) valid frames of clip 2
        Assert.InRange(valid.mean([0]).abs().max().item<float>(), 0f, 1e-5f);
        Assert.Equal(0f, y[1].narrow(0, 3, 4).abs().max().item<float>());
        // What changes within the clip is kept: frame minus the mean of clip 2's own three frames.
        using var expected = features[1].narrow(0, 0, 3) - features[1].narrow(0, 0, 3).mean([0], keepdim: true);
        Assert.InRange((valid - expected).abs().max().item<float>(), 0f, 1e-5f);
    }

    [Fact]
    public void A_constant_offset_of_one_clip_is_taken_away_and_its_neighbours_padding_does_not_leak_in()
    {
        random.manual_seed(7);
        using var features = randn([2, 6, 4]);
        using var offset = randn([1, 1, 4]).expand(2, 6, 4).contiguous();
        using var a = FeatureNormalization.Apply(features, [6, 6]);
        using var b = FeatureNormalization.Apply(features + offset, [6, 6]);
        Assert.InRange((a - b).abs().max().item<float>(), 0f, 1e-5f);
        using var alone = FeatureNormalization.Apply(features[0].narrow(0, 0, 4).unsqueeze(0), [4]);
        using var padded = FeatureNormalization.Apply(features, [4, 6]);
        Assert.InRange((alone[0] - padded[0].narrow(0, 0, 4)).abs().max().item<float>(), 0f, 1e-5f);
    }

    [Fact]
    public void The_model_normalises_its_features_when_the_config_says_clip_and_an_unknown_norm_is_refused()
    {
        var config = ModelFactory.Named(ModelFactory.TinyGridStudent, 5) with { FeatureNorm = ModelConfig.FeatureNormClip };
        using var model = ModelFactory.Create(config);
        model.eval();
        random.manual_seed(8);
        using var features = randn([1, 20, model.Backbone.FeatureDim]);
        using var offset = randn([1, 1, model.Backbone.FeatureDim]);
        using var lengths = tensor(new long[] { 20 });
        using var plain = model.Head(features, lengths).Logits;
        using var shifted = model.Head(features + offset, lengths).Logits;
        Assert.InRange((plain - shifted).abs().max().item<float>(), 0f, 1e-4f);
        using var other = ModelFactory.Create(config with { FeatureNorm = ModelConfig.FeatureNormNone });
        other.load_state_dict(model.state_dict());
        other.eval();
        using var unnormalised = other.Head(features + offset, lengths).Logits;
        Assert.True((plain - unnormalised).abs().max().item<float>() > 1e-3f, "without the normalisation the offset must change the output");
        Assert.Equal(ModelConfig.FeatureNormClip, ModelConfig.FromJson(config.ToJson()).FeatureNorm);
        Assert.Equal(ModelConfig.FeatureNormNone, ModelConfig.FromJson((config with { FeatureNorm = ModelConfig.FeatureNormNone }).ToJson()).FeatureNorm);
        Assert.Throws<GlossaException>(() => (config with { FeatureNorm = "frame" }).Validate());
        var perFrame = ModelFactory.Named(ModelFactory.TinyStudent, 5);
        Assert.Null(Glossa.Models.Onnx.OnnxExporter.Refusal(perFrame));
        Assert.Contains("feature_norm", Glossa.Models.Onnx.OnnxExporter.Refusal(perFrame with { FeatureNorm = ModelConfig.FeatureNormClip }));
        var refused = Assert.Throws<GlossaException>(() => Glossa.Models.Onnx.OnnxExporter.CheckExportable(perFrame with { FeatureNorm = ModelConfig.FeatureNormClip }));
        Assert.Contains("--engine torch", refused.Message);   // what to do instead, in the same line
        Assert.DoesNotContain('\n', refused.Message);
    }
}
