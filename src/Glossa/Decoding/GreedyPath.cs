using Glossa.Common;

namespace Glossa.Decoding;

/// <summary>
/// Best-path CTC decoding of one utterance, frame by frame, so streaming recognition can report
/// glosses as frames arrive. The CTC rule: take the best class of each frame, merge runs of the
/// same class, drop the blank. A label repeated across a blank is two labels ("A _ A" gives
/// "A A"); adjacent repeats are one ("A A" gives "A"). Ties pick the lower class; a NaN fails.
/// </summary>
public sealed class GreedyPath
{
    readonly int classes, blank;
    readonly List<(int Id, int First, int Last)> segments = [];
    int previous = -1;

    /// <summary>An empty path over rows of <paramref name="classes"/> log-probabilities.</summary>
    public GreedyPath(int classes, int blank = 0)
    {
        if (classes < 1) throw new GlossaException($"decoding: {classes} classes; the model must output at least the blank");
        if ((uint)blank >= (uint)classes) throw new GlossaException($"decoding: blank index {blank} is outside 0..{classes - 1}");
        this.classes = classes;
        this.blank = blank;
    }

    /// <summary>Frames appended so far.</summary>
    public int Frames { get; private set; }

    /// <summary>Frames whose best class was the blank.</summary>
    public int BlankFrames { get; private set; }

    /// <summary>Sum over frames of the best class's log-probability (the best path's score).</summary>
    public double Score { get; private set; }

    /// <summary>The labels so far with the first and last frame where each was the best class.</summary>
    public IReadOnlyList<(int Id, int First, int Last)> Segments => segments;

    /// <summary>The labels so far.</summary>
    public int[] Ids() => segments.Select(s => s.Id).ToArray();

    /// <summary>Appends rows [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="logProbs"/> (frames x classes, row-major).</summary>
    public void Append(ReadOnlySpan<float> logProbs, int from, int to)
    {
        for (int t = from; t < to; t++)
        {
            var row = logProbs.Slice(t * classes, classes);
            int best = 0;
            float value = row[0];
            for (int c = 1; c < row.Length; c++)
            {
                // Greater, or NaN (a NaN must never be silently skipped).
                if (!(row[c] <= value)) { if (float.IsNaN(row[c])) ThrowNaN(); value = row[c]; best = c; }
            }
            if (float.IsNaN(value)) ThrowNaN();
            Add(best, value);
        }
    }

    void Add(int best, float value)
    {
        int frame = Frames++;
        Score += value;
        if (best == blank) BlankFrames++;
        else if (best == previous) segments[^1] = segments[^1] with { Last = frame };
        else segments.Add((best, frame, frame));
        previous = best;
    }

    void ThrowNaN() =>
        throw new GlossaException($"greedy decoding: frame {Frames} holds NaN log-probabilities; the model output is broken");
}
