using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>Exact parameter counts of a model, per top-level block and in total (trainable parameters, buffers excluded).</summary>
/// <param name="Name">Configuration name.</param>
/// <param name="Blocks">(block name, parameters) in module order, e.g. backbone, projection, temporal_conv, lstm, classifier.</param>
/// <param name="Parameters">Total parameters.</param>
/// <param name="TemporalStride">Input frames per output frame.</param>
/// <param name="FeatureDim">Backbone feature width.</param>
public sealed record ModelSummary(string Name, IReadOnlyList<ModelSummary.Block> Blocks, long Parameters, int TemporalStride, int FeatureDim)
{
    /// <summary>One top-level block.</summary>
    public sealed record Block(string Name, long Parameters);

    /// <summary>Counts the parameters of <paramref name="model"/>.</summary>
    public static ModelSummary Of(CslrModel model)
    {
        var blocks = new List<Block>();
        foreach (var (name, child) in model.named_children())
        {
            long count = child.parameters().Sum(p => p.numel());
            if (count > 0)
                blocks.Add(new Block(name, count));
        }
        return new ModelSummary(model.Config.Name, blocks, CountParameters(model), model.TemporalStride, model.FeatureDim);
    }

    /// <summary>Total parameters of any module.</summary>
    public static long CountParameters(nn.Module module) => module.parameters().Sum(p => p.numel());
}
