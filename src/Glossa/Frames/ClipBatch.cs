using static TorchSharp.torch;

namespace Glossa.Frames;

/// <summary>
/// A padded batch of clips with their lengths and CTC targets: what the batch stage hands the
/// model. Owns its tensors; dispose it after the step (or move the tensors into a dispose scope).
/// </summary>
/// <param name="Frames">(B, T, 3, H, W) float32, normalised; clips shorter than T are padded.</param>
/// <param name="Lengths">(B) int64: the number of real frames of each clip.</param>
/// <param name="Targets">(sum of target lengths) int64: the class indices of all clips, concatenated.</param>
/// <param name="TargetLengths">(B) int64: the number of targets of each clip.</param>
/// <param name="Ids">The sample ids, in batch order (for logs and failure dumps).</param>
/// <param name="Glosses">The reference gloss sequences, in batch order (for WER).</param>
public sealed record ClipBatch(
    Tensor Frames,
    Tensor Lengths,
    Tensor Targets,
    Tensor TargetLengths,
    IReadOnlyList<string> Ids,
    IReadOnlyList<IReadOnlyList<string>> Glosses) : IDisposable
{
    /// <summary>Number of clips.</summary>
    public int Count => Ids.Count;

    public void Dispose()
    {
        Frames.Dispose();
        Lengths.Dispose();
        Targets.Dispose();
        TargetLengths.Dispose();
    }
}
