using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>
/// Channels-last tensors without a memory-format argument (TorchSharp has none): an NCHW view of
/// an NHWC-contiguous buffer has the strides libtorch recognises as channels-last, and its
/// convolutions then run on oneDNN's NHWC kernels without reordering every layer.
/// </summary>
internal static class Layouts
{
    /// <summary>A channels-last copy of (N, C, H, W) or (N, C, D, H, W); other ranks are returned as they are.</summary>
    public static Tensor ChannelsLast(Tensor x) => x.dim() switch
    {
        4 => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),          // (N,C,H,W) -> NHWC storage, NCHW view
        5 => x.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3),    // (N,C,D,H,W) -> NDHWC storage, NCDHW view
        _ => x.alias(),
    };

    /// <summary>True when (N, C, H, W) <paramref name="x"/> is stored NHWC.</summary>
    public static bool IsChannelsLast(Tensor x)
    {
        if (x.dim() != 4) return false;
        var s = x.stride();
        return s[1] == 1 && s[3] == x.shape[1] && s[2] == x.shape[1] * x.shape[3];
    }
}
