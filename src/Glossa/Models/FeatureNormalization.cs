using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// The per-clip feature normalisation of <see cref="ModelConfig.FeatureNorm"/> = <c>clip</c>: each
/// clip's mean backbone feature over its valid frames is subtracted from every valid frame's
/// features, the way speech recognisers subtract an utterance's mean cepstrum to take the speaker
/// out. What stays the same through a clip (how this signer's hands and arms look to the backbone)
/// goes; what changes from sign to sign stays. Padded frames stay zero.
/// </summary>
public static class FeatureNormalization
{
    /// <summary>features (B, T, D), valid lengths per clip -> the normalised features, same shape.</summary>
    public static Tensor Apply(Tensor features, long[] lengths)
    {
        long t = features.shape[1];
        using var scope = NewDisposeScope();
        var mask = ClipNormalization.ValidFrames(lengths, t, features).unsqueeze(2);                // (B,T) -> (B,T,1)
        var mean = (features * mask).sum(1, keepdim: true) / mask.sum(1, keepdim: true);            // (B,T,D) -> (B,1,D)
        return ((features - mean) * mask).MoveToOuterDisposeScope();                                // (B,T,D)
    }
}
