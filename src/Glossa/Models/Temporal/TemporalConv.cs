using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Temporal;

/// <summary>
/// VAC's temporal conv stack over (B, C, T): each Kn is Conv1d(kernel n, no padding) + BatchNorm1d
/// + ReLU, each Pn is MaxPool1d(n). State-dict keys: <c>blocks.{i}.weight</c> etc., i counting every
/// layer (conv, bn, relu, pool) like a PyTorch nn.Sequential.
/// </summary>
public sealed class TemporalConv : nn.Module<Tensor, Tensor>
{
    readonly Sequential blocks;

    /// <summary>The parsed layer list (its <see cref="TemporalConvSpec.OutputLength"/> is this module's length formula).</summary>
    public TemporalConvSpec Spec { get; }

    /// <summary>Output channels (the input channels when the spec has no conv).</summary>
    public int OutputChannels { get; }

    public TemporalConv(TemporalConvSpec spec, int inputChannels, int channels) : base(nameof(TemporalConv))
    {
        Spec = spec;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int current = inputChannels;
        foreach (var step in spec.Steps)
        {
            if (step.Kind == 'K')
            {
                layers.Add(nn.Conv1d(current, channels, step.Size, stride: 1L, padding: 0L));
                layers.Add(nn.BatchNorm1d(channels));
                layers.Add(nn.ReLU());
                current = channels;
            }
            else
            {
                layers.Add(nn.MaxPool1d(step.Size, step.Size));
            }
        }
        OutputChannels = current;
        blocks = nn.Sequential(layers);
        RegisterComponents();
    }

    /// <summary>(B, C, T) -> (B, C', T') with T' = <see cref="TemporalConvSpec.OutputLength"/>(T).</summary>
    public override Tensor forward(Tensor x) => blocks.call(x);
}
