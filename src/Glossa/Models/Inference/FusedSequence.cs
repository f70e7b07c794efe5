using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>An nn.Sequential of inference modules; with <see cref="Residual"/>, the input is added to the output in place (MobileNetV3's inverted residual).</summary>
internal sealed class FusedSequence : nn.Module<Tensor, Tensor>
{
    readonly List<nn.Module<Tensor, Tensor>> steps;

    /// <summary>Add the input to the output.</summary>
    public bool Residual { get; }

    public FusedSequence(List<nn.Module<Tensor, Tensor>> steps, bool residual) : base(nameof(FusedSequence))
    {
        this.steps = steps;
        Residual = residual;
        for (int i = 0; i < steps.Count; i++)
            register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), steps[i]);
    }

    /// <summary>The steps in order.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Steps => steps;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = x;
        foreach (var step in steps)
            y = step.call(y);
        if (Residual)
            y = y.add_(x);
        return y.MoveToOuterDisposeScope();
    }
}
