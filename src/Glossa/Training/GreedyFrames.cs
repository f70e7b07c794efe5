using Glossa.Corpora;

namespace Glossa.Training;

/// <summary>
/// Best-path reading of per-frame argmax classes, used by the trainer for its running WER and
/// blank statistics: collapse repeats, drop blanks.
/// </summary>
internal static class GreedyFrames
{
    /// <summary>Class sequence of one clip's first <paramref name="length"/> argmax frames.</summary>
    public static List<int> Collapse(ReadOnlySpan<long> argmax, int length)
    {
        var result = new List<int>();
        long previous = -1;
        for (int t = 0; t < length; t++)
        {
            long c = argmax[t];
            if (c != previous && c != Vocabulary.Blank)
                result.Add((int)c);
            previous = c;
        }
        return result;
    }
}
