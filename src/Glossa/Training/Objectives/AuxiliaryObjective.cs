using Glossa.Common;
using Glossa.Models;
using Glossa.Training.Distillation;
using static TorchSharp.torch;

namespace Glossa.Training.Objectives;

/// <summary>
/// VAC's auxiliary terms on a model's two heads, called by the <see cref="Trainer"/> once per step
/// after the main CTC loss: <c>conv_ctc</c>, the CTC loss of the temporal-conv classifier (visual
/// enhancement), and <c>align</c>, T^2 x KL(softmax(z_seq/T) || softmax(z_conv/T)) averaged over
/// the valid frames with the BiLSTM logits z_seq detached as the teacher (visual alignment). Both
/// heads share the output lengths. Each term comes back already weighted, under its name.
/// </summary>
public sealed class AuxiliaryObjective
{
    /// <summary>Name of the main CTC term in logs (the BiLSTM head's loss).</summary>
    public const string CtcTerm = "ctc";
    /// <summary>Name of the visual-enhancement term.</summary>
    public const string ConvCtcTerm = "conv_ctc";
    /// <summary>Name of the visual-alignment term.</summary>
    public const string AlignTerm = "align";

    readonly AuxiliaryOptions options;

    /// <summary>Names of the terms <see cref="Compute"/> returns, in order (only those with a weight above 0).</summary>
    public IReadOnlyList<string> TermNames { get; }

    public AuxiliaryObjective(AuxiliaryOptions options)
    {
        this.options = options.Validate();
        var names = new List<string>();
        if (options.ConvCtcWeight > 0) names.Add(ConvCtcTerm);
        if (options.AlignWeight > 0) names.Add(AlignTerm);
        TermNames = names;
    }

    /// <summary>
    /// The weighted terms of a step, in <see cref="TermNames"/> order (scalars with gradients).
    /// </summary>
    /// <param name="output">The model's output; its <see cref="CslrOutput.ConvLogits"/> must be present.</param>
    /// <param name="ctc">The main objective (its label smoothing and reduction apply to the conv head too).</param>
    /// <param name="targets">(sum of target lengths) int64 concatenated class indices.</param>
    /// <param name="targetLengths">(B) int64.</param>
    public Tensor[] Compute(CslrOutput output, CtcObjective ctc, Tensor targets, Tensor targetLengths)
    {
        var conv = output.ConvLogits
            ?? throw new GlossaException("the auxiliary objectives need a classifier on the temporal-conv features; build the model with conv_head linear or shared");
        var terms = new List<Tensor>(TermNames.Count);
        if (options.ConvCtcWeight > 0)
        {
            var logProbs = ctc.LogProbs(conv, smooth: true);                                    // (B,T',C)
            terms.Add(ctc.BatchLoss(logProbs, output.Lengths, targets, targetLengths) * options.ConvCtcWeight);
        }
        if (options.AlignWeight > 0)
            terms.Add(Alignment(output.Logits, conv, output.Lengths, options.AlignTemperature, !options.AlignBlank) * options.AlignWeight);
        return [.. terms];
    }

    /// <summary>
    /// Unweighted visual alignment: mean over valid frames of T^2 x KL(softmax(seq/T) || softmax(conv/T)),
    /// with <paramref name="sequenceLogits"/> detached (the teacher) and, when <paramref name="excludeBlank"/>,
    /// both distributions renormalised over classes 1..C-1.
    /// </summary>
    public static Tensor Alignment(Tensor sequenceLogits, Tensor convLogits, Tensor lengths, double temperature, bool excludeBlank)
    {
        using var scope = NewDisposeScope();
        var teacher = DistillationLoss.SoftTargets(sequenceLogits.detach(), temperature);     // (B,T',C)
        return DistillationLoss.Compute(convLogits, teacher, lengths, temperature, excludeBlank).MoveToOuterDisposeScope();
    }
}
