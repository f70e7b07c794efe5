using Glossa.Models.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>
/// Rebuilds the convolutional part of a per-frame backbone as inference modules: every
/// conv -> BatchNorm [-> ReLU | Hardswish] run of a Sequential becomes one <see cref="FusedConv"/>,
/// dropouts disappear, and MobileNetV3's blocks keep their residual and squeeze-excitation. Returns
/// null for layers it does not know (the caller then runs the original backbone).
/// </summary>
internal static class BackboneFuser
{
    /// <summary>The fused feature map of <paramref name="backbone"/> ((N,3,H,W) -> (N,C,h,w)), or null when it has unknown layers.</summary>
    public static FusedSequence? Fuse(Backbone backbone, ScalarType dtype, bool channelsLast, out int folded)
    {
        folded = 0;
        var features = backbone switch
        {
            MobileNetV3 m => m.Features,
            TinyCnn { Grid: 0 } t => t.Features,   // the fused path ends in a global average
            _ => null,
        };
        return features is null ? null : Sequence(features.children(), residual: false, dtype, channelsLast, ref folded);
    }

    static FusedSequence? Sequence(IEnumerable<nn.Module> children, bool residual, ScalarType dtype, bool channelsLast, ref int folded)
    {
        var list = children.ToList();
        var steps = new List<nn.Module<Tensor, Tensor>>();
        for (int i = 0; i < list.Count; i++)
        {
            var m = list[i];
            if (m is Conv1d or Conv2d or Conv3d)
            {
                nn.Module? bn = i + 1 < list.Count && list[i + 1] is BatchNorm1d or BatchNorm2d or BatchNorm3d ? list[++i] : null;
                var act = i + 1 < list.Count ? ActivationOf(list[i + 1]) : FusedActivation.None;
                if (act != FusedActivation.None) i++;
                steps.Add(FusedConv.Fold(m, bn, act, dtype, channelsLast));
                if (bn is not null) folded++;
                continue;
            }
            if (m is Dropout)
                continue;                                   // the identity in eval
            var converted = Convert(m, dtype, channelsLast, ref folded);
            if (converted is null)
                return null;
            steps.Add(converted);
        }
        return new FusedSequence(steps, residual);
    }

    static nn.Module<Tensor, Tensor>? Convert(nn.Module m, ScalarType dtype, bool channelsLast, ref int folded) => m switch
    {
        Sequential s => Sequence(s.children(), residual: false, dtype, channelsLast, ref folded),
        MobileNetV3.InvertedResidual r => Sequence(r.Block.children(), r.Residual, dtype, channelsLast, ref folded),
        MobileNetV3.SqueezeExcitation se => new FusedSqueezeExcite(
            FusedConv.Fold(se.Convolutions.Squeeze, null, FusedActivation.ReLU, dtype, channelsLast),
            FusedConv.Fold(se.Convolutions.Excite, null, FusedActivation.None, dtype, channelsLast)),
        // Fresh stateless modules: the fused network must not share (and later dispose) the source's.
        ReLU => nn.ReLU(),
        Hardswish => nn.Hardswish(),
        Hardsigmoid => nn.Hardsigmoid(),
        _ => null,
    };

    static FusedActivation ActivationOf(nn.Module m) => m switch
    {
        ReLU => FusedActivation.ReLU,
        Hardswish => FusedActivation.HardSwish,
        _ => FusedActivation.None,
    };
}
