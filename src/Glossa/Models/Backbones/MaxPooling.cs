using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Glossa.Models.Backbones;

/// <summary>
/// Max pooling (2D and 3D) that computes what <c>max_pool2d</c> / <c>max_pool3d</c> compute, but on
/// the CPU through libtorch's channels-last kernel. libtorch's NCHW max-pool forward is a scalar
/// loop (for ResNet-18's stem on 128 frames at 224 px: ~500 ms forward, the slowest layer of the
/// network); its channels-last kernel is vectorised over channels (~40 ms). The input is copied to
/// channels-last (~60 ms), pooled, and the result made contiguous again; the backward scatters the
/// output gradient to the argmax positions in the contiguous layout. Values, argmax positions
/// (ties included: both kernels keep the first maximum in window order) and therefore gradients
/// are identical to the plain operators (<c>MaxPoolingTests</c>). Other devices, dtypes and
/// memory layouts take the plain operators.
/// </summary>
public static class MaxPooling
{
    /// <summary>2D max pooling of (N, C, H, W), as <c>max_pool2d(x, kernel, stride, padding)</c>.</summary>
    public static Tensor Pool2d(Tensor x, long[] kernel, long[] stride, long[] padding) =>
        Pool(x, kernel, stride, padding, dims: 2);

    /// <summary>3D max pooling of (N, C, D, H, W), as <c>max_pool3d(x, kernel, stride, padding)</c>.</summary>
    public static Tensor Pool3d(Tensor x, long[] kernel, long[] stride, long[] padding) =>
        Pool(x, kernel, stride, padding, dims: 3);

    static Tensor Pool(Tensor x, long[] kernel, long[] stride, long[] padding, int dims)
    {
        Tensor Plain(Tensor t) =>
            dims == 2 ? nn.functional.max_pool2d(t, kernel, stride, padding) : nn.functional.max_pool3d(t, kernel, stride, padding);
        if (!Vectorised(x, dims))
            return Plain(x);
        if (!x.requires_grad || !is_grad_enabled())
        {
            using var scope = NewDisposeScope();
            return Plain(Inference.Layouts.ChannelsLast(x)).contiguous().MoveToOuterDisposeScope();
        }
        return ChannelsLastMaxPool.apply(x, kernel, stride, padding);
    }

    /// <summary>The channels-last route: contiguous float tensors on the CPU (other layouts and devices gain nothing from it).</summary>
    static bool Vectorised(Tensor x, int dims) =>
        x.device_type == DeviceType.CPU && x.dim() == dims + 2 && x.is_contiguous() &&
        x.dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    /// <summary>The autograd node: forward through the channels-last kernel, backward as a scatter-add of the gradient to the argmax positions.</summary>
    sealed class ChannelsLastMaxPool : SingleTensorFunction<ChannelsLastMaxPool>
    {
        public override string Name => nameof(ChannelsLastMaxPool);

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var (x, kernel, stride, padding) = ((Tensor)vars[0], (long[])vars[1], (long[])vars[2], (long[])vars[3]);
            using var scope = NewDisposeScope();
            var input = Inference.Layouts.ChannelsLast(x);
            var (pooled, indices) = x.dim() == 4
                ? nn.functional.max_pool2d_with_indices(input, kernel, stride, padding)
                : nn.functional.max_pool3d_with_indices(input, kernel, stride, padding);
            ctx.save_for_backward([indices.contiguous().MoveToOuterDisposeScope()]);   // flat positions in each (n, c) map
            ctx.save_data("shape", x.shape);
            return pooled.contiguous().MoveToOuterDisposeScope();
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor grad)
        {
            var indices = ctx.get_saved_variables()[0];
            var shape = (long[])ctx.get_data("shape");
            long n = shape[0], c = shape[1];
            var gradInput = zeros([n, c, shape[2..].Aggregate(1L, (a, s) => a * s)], dtype: grad.dtype, device: grad.device)
                .scatter_add_(2, indices.view(n, c, -1), grad.contiguous().view(n, c, -1))     // (N,C,out...) -> (N,C,H*W[*D])
                .view(shape);
            return [gradInput, null!, null!, null!];
        }
    }
}
