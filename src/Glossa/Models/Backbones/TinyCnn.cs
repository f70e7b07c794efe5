using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// A small per-frame 2D CNN for demos, tests and quick experiments: four blocks of
/// Conv3x3(stride 2) + BatchNorm + ReLU with 16, 32, 64, 128 channels (times the width
/// multiplier), then a global average. About 98k parameters at width 1; keys
/// <c>features.{i}.weight</c> like a PyTorch nn.Sequential.
/// </summary>
public sealed class TinyCnn : Backbone
{
    readonly Sequential features;
    readonly int featureDim;

    /// <summary>The convolutional layers (<c>features.*</c>), before the global average.</summary>
    internal Sequential Features => features;

    /// <inheritdoc/>
    public override int FeatureDim => featureDim;
    /// <inheritdoc/>
    public override bool PerFrame => true;

    public TinyCnn(double widthMult = 1.0) : base("tiny_cnn")
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int input = 3;
        foreach (int baseChannels in new[] { 16, 32, 64, 128 })
        {
            int c = Math.Max(8, (int)Math.Round(baseChannels * widthMult));
            layers.Add(nn.Conv2d(input, c, 3, stride: 2, padding: 1, bias: false));
            layers.Add(nn.BatchNorm2d(c));
            layers.Add(nn.ReLU());
            input = c;
        }
        featureDim = input;
        features = nn.Sequential(layers);
        RegisterComponents();
    }

    /// <summary>(N, 3, H, W) -> (N, C).</summary>
    public override Tensor forward(Tensor x)
    {
        using var map = features.call(x); // (N, C, h, w)
        return map.mean([2, 3]);          // (N, C, h, w) -> (N, C)
    }
}
