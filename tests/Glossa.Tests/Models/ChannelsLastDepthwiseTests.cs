using Glossa.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

/// <summary>
/// A 5x5 depthwise convolution routed through channels-last gives the output and gradients of a
/// float64 convolution as closely as the NCHW route does, hands its output on NCHW-contiguous, and
/// leaves the module's parameters alone.
/// </summary>
public class ChannelsLastDepthwiseTests
{
    [Theory]
    [InlineData(72, 5, 2, 28)]    // MobileNetV3-Large's 5x5 depthwise layers (frames scaled down)
    [InlineData(120, 5, 1, 14)]
    [InlineData(672, 5, 2, 8)]
    [InlineData(960, 5, 1, 4)]
    [InlineData(24, 7, 1, 9)]
    public void MatchesFloat64(int channels, int kernel, int stride, int size)
    {
        manual_seed(5);
        using var scope = NewDisposeScope();
        var routed = ChannelsLastDepthwise.Route(nn.Conv2d(channels, channels, kernel, stride: stride, padding: kernel / 2, groups: channels, bias: false));
        bool sawChannelsLast = false;
        routed.register_forward_hook((_, input, output) => { sawChannelsLast = Glossa.Models.Inference.Layouts.IsChannelsLast(input); return output; });
        var x = randn(3, channels, size, size).mul_(20).requires_grad_(true);          // large, like trained activations
        var y = routed.call(x);
        Assert.True(sawChannelsLast, "the convolution ran on channels-last data");
        Assert.True(y.is_contiguous(), "the routed output is NCHW-contiguous");
        var grad = randn_like(y);
        y.backward([grad]);

        var x64 = x.detach().to(float64).requires_grad_(true);
        var w64 = routed.weight!.detach().to(float64).requires_grad_(true);
        var y64 = nn.functional.conv2d(x64, w64, null, [stride, stride], [kernel / 2, kernel / 2], [1, 1], channels);
        y64.backward([grad.to(float64)]);
        Assert.True(Relative(y, y64) < 1e-5, $"output {Relative(y, y64):E2}");
        Assert.True(Relative(x.grad!, x64.grad!) < 1e-5, $"input gradient {Relative(x.grad!, x64.grad!):E2}");
        Assert.True(Relative(routed.weight!.grad!, w64.grad!) < 1e-5, $"weight gradient {Relative(routed.weight!.grad!, w64.grad!):E2}");
    }

    [Fact]
    public void TheInputGradientLeavesNchwContiguous()
    {
        manual_seed(7);
        using var scope = NewDisposeScope();
        var routed = ChannelsLastDepthwise.Route(nn.Conv2d(16, 16, 5, padding: 2, groups: 16, bias: false));
        var leaf = randn(2, 16, 12, 12).requires_grad_(true);
        var h = leaf.mul(2);                                         // not a leaf: its gradient is handed on as computed
        var y = routed.call(h);
        var grad = autograd.grad([y], [h], [randn_like(y)])[0];
        Assert.True(grad.is_contiguous(), "a channels-last-strided gradient would slow the layers before the convolution");
    }

    [Fact]
    public void OnlyWideDepthwiseConvolutionsAreRouted()
    {
        Assert.True(ChannelsLastDepthwise.Pays(72, 72, 5, 72));
        Assert.False(ChannelsLastDepthwise.Pays(72, 72, 3, 72));      // oneDNN's NCHW 3x3 depthwise kernels are direct
        Assert.False(ChannelsLastDepthwise.Pays(16, 64, 1, 1));       // 1x1: channels-last 1x1 convolutions are wrong on this oneDNN
        Assert.False(ChannelsLastDepthwise.Pays(72, 144, 5, 72));
    }

    [Fact]
    public void OtherDtypesAndLayoutsPassThrough()
    {
        manual_seed(6);
        using var scope = NewDisposeScope();
        var routed = ChannelsLastDepthwise.Route(nn.Conv2d(8, 8, 5, padding: 2, groups: 8, bias: false));
        var plain = nn.Conv2d(8, 8, 5, padding: 2, groups: 8, bias: false);
        plain.load_state_dict(routed.state_dict());
        Assert.Equal(["weight"], routed.state_dict().Keys);
        routed.to(float64);
        plain.to(float64);
        var x = randn(2, 8, 9, 9, dtype: float64);
        Assert.Equal(0.0, (routed.call(x) - plain.call(x)).abs().max().item<double>());
    }

    static double Relative(Tensor actual, Tensor expected) =>
        ((actual.to(float64) - expected).abs().max() / expected.abs().max()).item<double>();
}
