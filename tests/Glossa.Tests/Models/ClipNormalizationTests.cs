using Glossa.Common;
using Glossa.Models;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

public class ClipNormalizationTests
{
    [Fact]
    public void Valid_frames_get_zero_mean_and_unit_variance_per_channel_and_padding_stays_zero()
    {
        random.manual_seed(3);
        using var frames = rand([2, 6, 3, 5, 4]) * 2 + 0.5;                 // (B,T,C,H,W)
        using var y = ClipNormalization.Apply(frames, [6, 4]);
        Assert.Equal(frames.shape, y.shape);
        using var second = y[1].narrow(0, 0, 4);                           // (4,C,H,W) valid frames of clip 2
        using var mean = second.mean([0]);
        Assert.InRange(mean.abs().max().item<float>(), 0f, 1e-5f);
        using var variance = second.square().mean([0, 2, 3]);                // (C)
        foreach (float v in variance.data<float>().ToArray()) Assert.InRange(v, 0.99, 1.0001);
        Assert.Equal(0f, y[1].narrow(0, 4, 2).abs().max().item<float>());
    }

    [Fact]
    public void What_does_not_move_and_a_change_of_lighting_are_taken_away()
    {
        random.manual_seed(4);
        using var motion = randn([1, 8, 3, 6, 6]);
        using var background = randn([1, 1, 3, 6, 6]);
        using var a = ClipNormalization.Apply(motion, [8]);
        using var b = ClipNormalization.Apply((motion + background) * 1.7 - 0.2, [8]);
        Assert.InRange((a - b).abs().max().item<float>(), 0f, 1e-3f);
        using var still = ClipNormalization.Apply(background.expand(1, 5, 3, 6, 6).contiguous(), [5]);
        Assert.InRange(still.abs().max().item<float>(), 0f, 1e-3f);
    }

    [Fact]
    public void The_model_normalises_its_input_when_the_config_says_clip_and_an_unknown_norm_is_refused()
    {
        var config = ModelFactory.Named(ModelFactory.TinyGridStudent, 5) with { InputNorm = ModelConfig.InputNormClip };
        using var model = ModelFactory.Create(config);
        model.eval();
        random.manual_seed(5);
        using var x = randn([1, 20, 3, 32, 32]);
        using var lengths = tensor(new long[] { 20 });
        using var plain = model.forward(x, lengths).Logits;
        using var shifted = model.forward(x * 3 + 1, lengths).Logits;
        Assert.InRange((plain - shifted).abs().max().item<float>(), 0f, 1e-3f);
        Assert.Equal(ModelConfig.InputNormClip, ModelConfig.FromJson(config.ToJson()).InputNorm);
        Assert.Throws<GlossaException>(() => (config with { InputNorm = "frame" }).Validate());
    }
}
