using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>MobileNetV3's squeeze-excitation (average, 1x1 conv + ReLU, 1x1 conv + Hardsigmoid, scale) with its convs in the inference dtype.</summary>
internal sealed class FusedSqueezeExcite : nn.Module<Tensor, Tensor>
{
    readonly FusedConv squeeze;
    readonly FusedConv excite;

    public FusedSqueezeExcite(FusedConv squeeze, FusedConv excite) : base(nameof(FusedSqueezeExcite))
    {
        this.squeeze = squeeze;
        this.excite = excite;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var s = x.mean([2, 3], keepdim: true);                 // (N,C,h,w) -> (N,C,1,1)
        s = nn.functional.hardsigmoid(excite.call(squeeze.call(s)), inplace: true);
        return x.mul(s).MoveToOuterDisposeScope();             // keeps x's channels-last layout
    }
}
