using Glossa.Common;
using Glossa.Models;

namespace Glossa.Training.Objectives;

/// <summary>
/// The auxiliary objectives of VAC and SMKD, for any model with a temporal stage: terms added to the
/// CTC loss of the BiLSTM head. All weights 0 (the default) is plain CTC.
/// </summary>
public sealed record AuxiliaryOptions
{
    /// <summary>Visual enhancement: weight of the CTC loss of the second classifier on the temporal-conv features (VAC: 1).</summary>
    public double ConvCtcWeight { get; init; }

    /// <summary>Visual alignment: weight of T^2 x KL(softmax(z_seq/T) || softmax(z_conv/T)), sequence logits detached (VAC: 25).</summary>
    public double AlignWeight { get; init; }

    /// <summary>Visual alignment temperature T (VAC: 8).</summary>
    public double AlignTemperature { get; init; } = 8;

    /// <summary>Keep the blank class in the alignment distributions (true) or renormalise both over the glosses only.</summary>
    public bool AlignBlank { get; init; } = true;

    /// <summary>SMKD: one weight-normalised classifier shared by the temporal-conv and BiLSTM heads.</summary>
    public bool SharedClassifier { get; init; }

    /// <summary>True when any term is on (the model then needs a classifier on its temporal-conv features).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Any => ConvCtcWeight > 0 || AlignWeight > 0;

    /// <summary>
    /// The model these objectives train: a shared weight-normalised head for SMKD, a linear
    /// temporal-conv classifier when a term is on and the model has none; otherwise unchanged.
    /// </summary>
    public ModelConfig ShapeModel(ModelConfig config) =>
        SharedClassifier ? config with { ConvHead = ModelConfig.ConvHeadShared }
        : Any && config.ConvHead == ModelConfig.ConvHeadNone ? config with { ConvHead = ModelConfig.ConvHeadLinear }
        : config;

    /// <summary>Checks every field; throws a <see cref="GlossaException"/> naming the option.</summary>
    public AuxiliaryOptions Validate()
    {
        if (!(ConvCtcWeight >= 0) || double.IsInfinity(ConvCtcWeight))
            throw new GlossaException($"ConvCtcWeight (--conv-ctc-weight) must be >= 0 (got {ConvCtcWeight}); VAC uses 1, 0 turns the term off");
        if (!(AlignWeight >= 0) || double.IsInfinity(AlignWeight))
            throw new GlossaException($"AlignWeight (--align-weight) must be >= 0 (got {AlignWeight}); VAC uses 25, 0 turns the term off");
        if (!(AlignTemperature > 0) || double.IsInfinity(AlignTemperature))
            throw new GlossaException($"AlignTemperature (--align-temperature) must be positive (got {AlignTemperature}); VAC uses 8");
        if (SharedClassifier && !Any)
            throw new GlossaException("SharedClassifier (--shared-classifier) (SMKD) shares the classifier between the temporal-conv and BiLSTM heads, so it needs ConvCtcWeight (--conv-ctc-weight) or AlignWeight (--align-weight) above 0");
        return this;
    }
}
