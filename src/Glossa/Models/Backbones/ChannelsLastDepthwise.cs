using Glossa.Models.Inference;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// Runs a depthwise convolution with a kernel larger than 3x3 on channels-last data on the CPU.
/// For NCHW data, oneDNN 3.7 (libtorch 2.10) has no direct kernel for the weight gradient of such a
/// convolution and falls back to a gemm per channel (<c>x64:gemm:jit</c> in ONEDNN_VERBOSE): for
/// MobileNetV3-Large's six 5x5 depthwise layers at 224 px on 128 frames that is ~1.3 s of a ~4 s
/// training step, 15-25x their forward. On channels-last data the same layers take oneDNN's direct
/// kernels (brdgmm_dw forward, jit_dw backward data, jit backward weights) and a forward + backward
/// costs 3-4.5x less, the two layout copies included. Only the data layout changes: the module,
/// its weights and state-dict key stay those of an ordinary <see cref="Conv2d"/>, the output is
/// handed on NCHW-contiguous, and the results agree with a float64 convolution as closely as the
/// NCHW kernels do (<c>ChannelsLastDepthwiseTests</c>). Other devices, dtypes and layouts are left
/// alone. Inference folds these convolutions into the fused path, which does not call this module.
/// </summary>
internal static class ChannelsLastDepthwise
{
    /// <summary>True for the convolutions this routing pays for: depthwise (groups = channels) with a kernel wider than 3.</summary>
    public static bool Pays(int input, int output, int kernel, int groups) =>
        groups == input && input == output && kernel > 3;

    /// <summary>Hooks <paramref name="conv"/> so its CPU float32 NCHW input is computed channels-last; returns it.</summary>
    public static Conv2d Route(Conv2d conv)
    {
        bool converted = false;                     // set by the pre-hook for the matching forward hook
        conv.register_forward_pre_hook((_, x) =>
        {
            converted = x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && x.dim() == 4 && x.is_contiguous();
            return converted ? ToChannelsLast.apply(x) : x;
        });
        conv.register_forward_hook((_, _, y) =>
        {
            if (!converted) return y;
            converted = false;
            return y.contiguous();                  // (N,C,h,w) NHWC storage -> NCHW storage
        });
        return conv;
    }

    /// <summary>
    /// A channels-last copy whose backward hands the gradient on NCHW-contiguous. A plain
    /// permute-copy-permute would send a channels-last-strided gradient into the layers before the
    /// convolution, whose BatchNorm and 1x1 convolution backward then take slower mixed-layout paths
    /// (the whole MobileNetV3-Large backbone at 224 px, forward + backward, interleaved in one process: 3,779 ms against 4,057 ms with the plain copy, 4,488 ms not routed).
    /// </summary>
    sealed class ToChannelsLast : autograd.SingleTensorFunction<ToChannelsLast>
    {
        public override string Name => nameof(ToChannelsLast);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars) => Layouts.ChannelsLast((Tensor)vars[0]);

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad) => [grad.contiguous()];
    }
}
