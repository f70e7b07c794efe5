using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// SMKD's weight-normalised classifier: logits = x . w_c / |w_c| for each class c, no bias, so
/// the score depends on the feature's direction and length but not on a class's weight norm;
/// one instance is shared by the temporal-conv and BiLSTM heads. Key: <c>weight</c> (C, D), laid
/// out like a Linear's. Initialised like nn.Linear's weight.
/// </summary>
public sealed class NormalizedLinear : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;

    public NormalizedLinear(int inputs, int outputs) : base(nameof(NormalizedLinear))
    {
        weight = new Parameter(empty(outputs, inputs));
        using (no_grad())
            nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        RegisterComponents();
    }

    /// <summary>(..., D) -> (..., C).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var unit = nn.functional.normalize(weight, p: 2, dim: 1); // (C,D), each row of length 1
        return matmul(x, unit.t()).MoveToOuterDisposeScope();    // (...,D) x (D,C) -> (...,C)
    }
}
