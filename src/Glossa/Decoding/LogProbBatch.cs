namespace Glossa.Decoding;

/// <summary>
/// A batch of per-frame log-probabilities on the CPU, as the decoders read them: (B, MaxFrames,
/// Classes) row-major in <see cref="Values"/>, utterance b valid for its first Lengths[b] frames.
/// </summary>
public sealed record LogProbBatch(float[] Values, int[] Lengths, int MaxFrames, int Classes)
{
    /// <summary>Utterances in the batch.</summary>
    public int Count => Lengths.Length;

    /// <summary>The valid rows of utterance <paramref name="b"/> (Lengths[b] x Classes).</summary>
    public ReadOnlySpan<float> Rows(int b) => Values.AsSpan(b * MaxFrames * Classes, Lengths[b] * Classes);
}
