namespace Glossa.Decoding;

/// <summary>
/// Best-path CTC decoding of whole utterances: argmax per frame, merge adjacent repeats, drop the
/// blank (the rule is <see cref="GreedyPath"/>'s, so "A _ A" gives "A A").
/// </summary>
public static class GreedyDecoder
{
    /// <summary>Decodes one utterance. <paramref name="logProbs"/> is (frames, classes) row-major; ties pick the lower class.</summary>
    public static int[] Decode(ReadOnlySpan<float> logProbs, int frames, int classes, int blank = 0) =>
        Path(logProbs, frames, classes, blank).Ids();

    /// <summary>The best path of one utterance, with its score and blank count.</summary>
    public static GreedyPath Path(ReadOnlySpan<float> logProbs, int frames, int classes, int blank = 0)
    {
        DecoderChecks.Shape(logProbs.Length, frames, classes, blank);
        var path = new GreedyPath(classes, blank);
        path.Append(logProbs, 0, frames);
        return path;
    }

    /// <summary>
    /// Decodes a batch laid out as (B, maxFrames, classes) row-major, utterance b using its first
    /// lengths[b] frames, in parallel over utterances (<paramref name="threads"/> 0 = all cores).
    /// </summary>
    public static int[][] DecodeBatch(float[] logProbs, int[] lengths, int maxFrames, int classes, int blank = 0, int threads = 0) =>
        PathBatch(logProbs, lengths, maxFrames, classes, blank, threads).Select(p => p.Ids()).ToArray();

    /// <summary>The best paths of a batch laid out as in <see cref="DecodeBatch"/>.</summary>
    public static GreedyPath[] PathBatch(float[] logProbs, int[] lengths, int maxFrames, int classes, int blank = 0, int threads = 0)
    {
        DecoderChecks.Batch(logProbs.Length, lengths, maxFrames, classes);
        var result = new GreedyPath[lengths.Length];
        Parallel.For(0, lengths.Length, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 }, b =>
            result[b] = Path(logProbs.AsSpan(b * maxFrames * classes, lengths[b] * classes), lengths[b], classes, blank));
        return result;
    }
}
