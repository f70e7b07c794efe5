using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// CorrNet's identification module on a clip's feature maps x (B, C, T, H, W): the features are
/// reduced to C/16 channels (1x1x1 conv), passed through three depthwise 9x3x3 3D convolutions
/// with spatial dilations 1, 2 and 3 (time padded by 4, space by the dilation, so the shape is
/// kept), summed, expanded back to C channels and turned into an attention map
/// m = sigmoid(.) - 0.5. The module returns <c>scale</c> x x x m (scale initialised at 0); the
/// caller adds it to x. Keys: <c>reduce.weight</c>, <c>branches.{0,1,2}.weight</c>,
/// <c>expand.weight</c>, <c>expand.bias</c>, <c>scale</c>.
/// </summary>
public sealed class IdentificationModule : nn.Module<Tensor, Tensor>
{
    readonly Conv3d reduce;
    readonly ModuleList<Conv3d> branches;
    readonly Conv3d expand;
    readonly Parameter scale;

    /// <summary>Spatial dilations of the three depthwise branches.</summary>
    public static readonly int[] Dilations = [1, 2, 3];

    public IdentificationModule(int channels) : base(nameof(IdentificationModule))
    {
        int hidden = Math.Max(1, channels / 16);
        reduce = nn.Conv3d(channels, hidden, 1, bias: false);
        branches = new ModuleList<Conv3d>([.. Dilations.Select(d =>
            nn.Conv3d(hidden, hidden, (9, 3, 3), stride: (1, 1, 1), padding: (4, d, d), dilation: (1, d, d), groups: hidden, bias: false))]);
        expand = nn.Conv3d(hidden, channels, 1);
        scale = new Parameter(zeros(1));
        RegisterComponents();
    }

    /// <summary>The learnable residual scale (a 1-element tensor).</summary>
    public Parameter Scale => scale;

    /// <summary>(B, C, T, H, W) -> the scaled residual (B, C, T, H, W).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var r = reduce.call(x);                                  // (B,C,T,H,W) -> (B,C/16,T,H,W)
        Tensor? sum = null;
        foreach (var branch in branches)
            sum = sum is null ? branch.call(r) : sum + branch.call(r);
        var attention = sigmoid(expand.call(sum!)) - 0.5;        // (B,C/16,T,H,W) -> (B,C,T,H,W)
        return (x * attention * scale).MoveToOuterDisposeScope();
    }
}
