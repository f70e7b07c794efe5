using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// A visual feature extractor. Per-frame backbones (2D CNNs) map (N, 3, H, W) -> (N, C) and keep
/// the frame count; clip backbones (I3D) map (B, 3, T, H, W) -> (B, C, T') with their own stride.
/// </summary>
public abstract class Backbone : nn.Module<Tensor, Tensor>
{
    protected Backbone(string name) : base(name) { }

    /// <summary>Feature channels C of the output.</summary>
    public abstract int FeatureDim { get; }

    /// <summary>True for 2D CNNs applied to each frame; false for 3D CNNs applied to the clip.</summary>
    public abstract bool PerFrame { get; }

    /// <summary>Input frames per output frame (1 for per-frame backbones).</summary>
    public virtual int TemporalStride => 1;

    /// <summary>
    /// True when the backbone trains and evaluates faster on channels-last (NHWC-strided) frames and
    /// gives the same results up to float rounding there; <see cref="CslrModel.ChannelsLast"/> starts from it.
    /// </summary>
    public virtual bool PrefersChannelsLast => false;

    /// <summary>Output frames for <paramref name="frames"/> input frames.</summary>
    public virtual long OutputLength(long frames) => frames;
}
