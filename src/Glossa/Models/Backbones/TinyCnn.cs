using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// A small per-frame 2D CNN for demos, tests and quick experiments: four blocks of
/// Conv3x3(stride 2) + BatchNorm + ReLU with 16, 32, 64, 128 channels (times the width
/// multiplier), then a global average. About 98k parameters at width 1; keys
/// <c>features.{i}.weight</c> like a PyTorch nn.Sequential.
/// With <c>grid</c> > 0 the map is averaged to a grid x grid raster and flattened instead
/// (C x grid x grid features): the features then keep where in the frame the hands are, which a
/// global average throws away (location and the direction of a movement are what tell many signs
/// apart).
/// </summary>
public sealed class TinyCnn : Backbone
{
    readonly Sequential features;
    readonly int featureDim;
    readonly int grid;

    /// <summary>The convolutional layers (<c>features.*</c>), before the global average.</summary>
    internal Sequential Features => features;

    /// <inheritdoc/>
    public override int FeatureDim => featureDim;
    /// <inheritdoc/>
    public override bool PerFrame => true;

    /// <summary>
    /// True: its layers are 3x3 convolutions, BatchNorm and ReLU, which oneDNN runs on NHWC data
    /// without reordering each layer's input and output to its blocked layout: forward + backward
    /// of 700 frames at 64 px take ~145 ms channels-last against ~215 ms NCHW (2 cores). No 1x1
    /// convolution, the kind this libtorch's oneDNN gets wrong channels-last (docs/benchmark-notes.md).
    /// </summary>
    public override bool PrefersChannelsLast => true;

    /// <summary>Side of the pooled raster (0 = global average).</summary>
    public int Grid => grid;

    public TinyCnn(double widthMult = 1.0, int grid = 0) : base("tiny_cnn")
    {
        if (grid < 0) throw new ArgumentOutOfRangeException(nameof(grid), grid, "grid must be 0 (global average) or positive");
        this.grid = grid;
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
        featureDim = grid > 0 ? input * grid * grid : input;
        features = nn.Sequential(layers);
        RegisterComponents();
    }

    /// <summary>(N, 3, H, W) -> (N, C), or (N, C*grid*grid) with a grid.</summary>
    public override Tensor forward(Tensor x)
    {
        using var map = features.call(x);                                  // (N, C, h, w)
        if (grid == 0)
            return map.mean([2, 3]);                                       // (N, C, h, w) -> (N, C)
        if (map.shape[2] == grid && map.shape[3] == grid)
            return map.flatten(1);                                         // already g x g (64 px frames, grid 4): (N, C, g, g) -> (N, C*g*g)
        using var pooled = nn.functional.adaptive_avg_pool2d(map, [grid, grid]); // (N, C, h, w) -> (N, C, g, g)
        return pooled.flatten(1);                                          // (N, C, g, g) -> (N, C*g*g)
    }
}
