using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>What every recogniser returns: per-frame class scores and the valid output lengths.</summary>
/// <param name="Logits">(B, T', C) unnormalised class scores; T' = input frames / temporal stride (see the model's length formula).</param>
/// <param name="Lengths">(B) int64: valid output frames of each clip.</param>
/// <param name="ConvLogits">(B, T', C) scores of the classifier on the temporal-conv features (VAC / SMKD auxiliary head), same lengths; null when the model has none.</param>
public sealed record CslrOutput(Tensor Logits, Tensor Lengths, Tensor? ConvLogits = null);
