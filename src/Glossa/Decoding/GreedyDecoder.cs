using Glossa.Common;

namespace Glossa.Decoding;

/// <summary>
/// Best-path CTC decoding with the peers' convention: argmax per frame, collapse repeats, drop
/// the blank, collapse repeats again (so "A _ A" gives one A and a hypothesis never holds an
/// immediate repeat).
/// </summary>
public static class GreedyDecoder
{
    /// <summary>Decodes one utterance. <paramref name="logProbs"/> is (frames, classes) row-major; ties pick the lower class.</summary>
    public static int[] Decode(ReadOnlySpan<float> logProbs, int frames, int classes, int blank = 0)
    {
        DecoderChecks.Shape(logProbs.Length, frames, classes, blank);
        var ids = new List<int>(frames);
        int previous = -1;
        for (int t = 0; t < frames; t++)
        {
            var row = logProbs.Slice(t * classes, classes);
            int best = 0;
            float bestValue = row[0];
            for (int c = 1; c < row.Length; c++)
            {
                float v = row[c];
                if (!(v <= bestValue))
                {
                    // Greater, or NaN (a NaN must never be silently skipped).
                    if (float.IsNaN(v)) ThrowNaN(t);
                    bestValue = v; best = c;
                }
            }
            if (float.IsNaN(bestValue)) ThrowNaN(t);
            if (best != previous && best != blank && (ids.Count == 0 || ids[^1] != best)) ids.Add(best);
            previous = best;
        }
        return ids.ToArray();
    }

    static void ThrowNaN(int frame) =>
        throw new GlossaException($"greedy decoding: frame {frame} holds NaN log-probabilities; the model output is broken");

    /// <summary>
    /// Decodes a batch laid out as (B, maxFrames, classes) row-major, utterance b using its first
    /// lengths[b] frames, in parallel over utterances (<paramref name="threads"/> 0 = all cores).
    /// </summary>
    public static int[][] DecodeBatch(float[] logProbs, int[] lengths, int maxFrames, int classes, int blank = 0, int threads = 0)
    {
        DecoderChecks.Batch(logProbs.Length, lengths, maxFrames, classes);
        var result = new int[lengths.Length][];
        Parallel.For(0, lengths.Length, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 }, b =>
            result[b] = Decode(logProbs.AsSpan(b * maxFrames * classes, lengths[b] * classes), lengths[b], classes, blank));
        return result;
    }
}
