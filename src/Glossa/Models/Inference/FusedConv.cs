using Glossa.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>
/// An eval-only convolution (1D, 2D or 3D) with a following BatchNorm folded into its weight and
/// bias, and the activation after it applied in place: conv -> BN -> act becomes one conv with
/// bias plus one in-place pass, instead of three passes over the activations. The weight and bias
/// are buffers (no gradients), so <c>.to(device, dtype)</c> moves and casts them.
/// </summary>
public sealed class FusedConv : nn.Module<Tensor, Tensor>
{
    readonly Tensor weight;
    readonly Tensor bias;
    readonly long[] stride, padding, dilation;
    readonly long groups;

    /// <summary>The activation applied in place after the convolution.</summary>
    public FusedActivation Activation { get; }

    FusedConv(Tensor weight, Tensor bias, long[] stride, long[] padding, long[] dilation, long groups, FusedActivation activation) : base(nameof(FusedConv))
    {
        this.weight = weight;
        this.bias = bias;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        Activation = activation;
        register_buffer("weight", weight);
        register_buffer("bias", bias);
    }

    /// <summary>
    /// Folds <paramref name="bn"/> (its running statistics; may be null) into a copy of
    /// <paramref name="conv"/>'s weights: w' = w * g / sqrt(var + eps), b' = (b - mean) * g / sqrt(var + eps) + beta,
    /// computed in fp32, then cast to <paramref name="dtype"/>; 2D kernels are stored channels-last
    /// when <paramref name="channelsLast"/> (the layout oneDNN reads without a reorder). The source modules are not changed.
    /// </summary>
    public static FusedConv Fold(nn.Module conv, nn.Module? bn, FusedActivation activation, ScalarType dtype = ScalarType.Float32, bool channelsLast = false)
    {
        var (w, b, s, p, d, g, mode) = conv switch
        {
            Conv1d c when c.padding_type is null => (c.weight!, c.bias, c.stride, c.padding, c.dilation, c.groups, c.padding_mode),
            Conv2d c when c.padding_type is null => (c.weight!, c.bias, c.stride, c.padding, c.dilation, c.groups, c.padding_mode),
            Conv3d c when c.padding_type is null => (c.weight!, c.bias, c.stride, c.padding, c.dilation, c.groups, c.padding_mode),
            _ => throw new GlossaException($"inference: cannot fold a {conv.GetType().Name}; expected Conv1d, Conv2d or Conv3d with explicit padding"),
        };
        if (mode != PaddingModes.Zeros)
            throw new GlossaException("inference: only zero-padded convolutions can be folded");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = w.detach().to_type(ScalarType.Float32).clone();
        var bias = b is null ? zeros(weight.shape[0], device: weight.device) : b.detach().to_type(ScalarType.Float32).clone();
        if (bn is not null)
        {
            var (mean, variance, gamma, beta, eps) = Statistics(bn);
            var scale = variance.add(eps).rsqrt_().mul_(gamma);                            // (O)
            var shape = new long[weight.dim()];
            Array.Fill(shape, 1L);
            shape[0] = -1;
            weight.mul_(scale.reshape(shape));                                             // (O,I,k..) * (O,1,1..)
            bias.sub_(mean).mul_(scale).add_(beta);
        }
        weight = weight.to_type(dtype);
        if (channelsLast && weight.dim() == 4)
            weight = Layouts.ChannelsLast(weight);
        bias = bias.to_type(dtype);
        // Detached, not moved out: a caller's dispose scope (a forward that builds the path lazily) must not free the folded weights.
        return new FusedConv(weight.DetachFromDisposeScope(), bias.DetachFromDisposeScope(), s, p!, d, g, activation);
    }

    static (Tensor Mean, Tensor Var, Tensor Gamma, Tensor Beta, double Eps) Statistics(nn.Module bn)
    {
        var (mean, variance, gamma, beta, eps) = bn switch
        {
            BatchNorm1d n => (n.running_mean, n.running_var, n.weight, n.bias, n.eps),
            BatchNorm2d n => (n.running_mean, n.running_var, n.weight, n.bias, n.eps),
            BatchNorm3d n => (n.running_mean, n.running_var, n.weight, n.bias, n.eps),
            _ => throw new GlossaException($"inference: cannot fold a {bn.GetType().Name}; expected a BatchNorm"),
        };
        if (mean is null || variance is null)
            throw new GlossaException("inference: a BatchNorm without running statistics cannot be folded");
        long c = mean.shape[0];
        return (mean, variance, gamma?.detach() ?? ones(c, device: mean.device), beta?.detach() ?? zeros(c, device: mean.device), eps);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        var y = weight.dim() switch
        {
            3 => nn.functional.conv1d(x, weight, bias, stride[0], padding[0], dilation[0], groups),
            4 => nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups),
            _ => nn.functional.conv3d(x, weight, bias, stride, padding, dilation, groups),
        };
        return Activation switch
        {
            FusedActivation.ReLU => y.relu_(),
            FusedActivation.HardSwish => y.hardswish_(),
            _ => y,
        };
    }
}
