using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// CorrNet's correlation module on a clip's feature maps x (B, C, T, H, W). For each frame t and
/// position p, the affinities with every position q of the previous and next frames are
/// a(p, q) = &lt;x_t(p), x_{t±1}(q)&gt; / sqrt(C); the neighbours' features are aggregated with weights
/// sigmoid(a) - 0.5 (so an affinity of 0 contributes nothing) and averaged over the H x W positions,
/// then mixed by a 1x1x1 convolution. The first frame has no previous and the last no next
/// neighbour (zeros). The result, times the learnable <c>scale</c> (initialised at 0, so a new
/// module starts as the identity of the backbone), is added to x by the caller.
/// Keys: <c>conv.weight</c>, <c>conv.bias</c>, <c>scale</c>.
/// </summary>
public sealed class CorrelationModule : nn.Module<Tensor, Tensor>
{
    readonly Conv3d conv;
    readonly Parameter scale;

    public CorrelationModule(int channels) : base(nameof(CorrelationModule))
    {
        conv = nn.Conv3d(channels, channels, 1);
        scale = new Parameter(zeros(1));
        RegisterComponents();
    }

    /// <summary>The learnable residual scale (a 1-element tensor).</summary>
    public Parameter Scale => scale;

    /// <summary>(B, C, T, H, W) -> the scaled residual (B, C, T, H, W).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], t = x.shape[2], h = x.shape[3], w = x.shape[4];
        var f = x.permute(0, 2, 3, 4, 1).reshape(b, t, h * w, c);                     // (B,C,T,H,W) -> (B,T,N,C)
        var none = zeros(b, 1, h * w, c, dtype: x.dtype, device: x.device);
        var next = cat([f.narrow(1, 1, t - 1), none], 1);                              // (B,T,N,C): frame t+1
        var prev = cat([none, f.narrow(1, 0, t - 1)], 1);                              // (B,T,N,C): frame t-1
        double norm = Math.Sqrt(c);
        var toNext = sigmoid(matmul(f, next.transpose(2, 3)) / norm) - 0.5;            // (B,T,N,N)
        var toPrev = sigmoid(matmul(f, prev.transpose(2, 3)) / norm) - 0.5;            // (B,T,N,N)
        var gathered = (matmul(toNext, next) + matmul(toPrev, prev)) / (h * w);        // (B,T,N,C)
        // contiguous(): this permuted view has channels-last-3d strides, and libtorch's 1x1x1 Conv3d in
        // TorchSharp 0.107 gives wrong results on such input at 512 channels (off by 0.15 against
        // PyTorch and float64; RecipeParityTests.CorrNetModulesMatchPyTorch catches it).
        var map = gathered.reshape(b, t, h, w, c).permute(0, 4, 1, 2, 3).contiguous(); // (B,T,N,C) -> (B,C,T,H,W)
        return (conv.call(map) * scale).MoveToOuterDisposeScope();
    }
}
