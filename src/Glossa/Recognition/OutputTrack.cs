using Glossa.Common;

namespace Glossa.Recognition;

/// <summary>
/// The committed (final) output frames of one input, in order: per frame the best class and its
/// log-probability, and the full log-probability rows only when a beam search needs them. The
/// best-path glosses are built incrementally as frames arrive (peers' rule: collapse repeats,
/// drop blanks, merge a gloss repeated across a blank), so streaming can print them at once.
/// </summary>
internal sealed class OutputTrack
{
    readonly int classes;
    readonly List<float>? rows;
    readonly List<int> best = [];
    readonly List<(int Id, int First, int Last)> glosses = [];
    int previous = -1;
    double bestPathScore;

    public OutputTrack(int classes, bool keepRows)
    {
        this.classes = classes;
        rows = keepRows ? [] : null;
    }

    /// <summary>Committed output frames.</summary>
    public int Count => best.Count;

    /// <summary>Best-path glosses so far: class id and first/last output frame where it was the best class.</summary>
    public IReadOnlyList<(int Id, int First, int Last)> Glosses => glosses;

    /// <summary>Sum over frames of the best class's log-probability (the best path's score).</summary>
    public double BestPathScore => bestPathScore;

    /// <summary>All committed rows (frames x classes), when kept.</summary>
    public float[] Rows() => rows?.ToArray() ?? throw new InvalidOperationException("rows were not kept");

    /// <summary>Appends output frames [from, to) of <paramref name="logProbs"/> (frames x classes, row-major).</summary>
    public void Append(ReadOnlySpan<float> logProbs, int from, int to)
    {
        for (int t = from; t < to; t++)
        {
            var row = logProbs.Slice(t * classes, classes);
            int arg = 0;
            float value = row[0];
            for (int c = 1; c < classes; c++)
            {
                // Strictly greater keeps the lower class on ties, as GreedyDecoder does; NaN fails loudly.
                if (!(row[c] <= value)) { if (float.IsNaN(row[c])) Fail(); value = row[c]; arg = c; }
            }
            if (float.IsNaN(value)) Fail();
            int frame = best.Count;
            best.Add(arg);
            bestPathScore += value;
            rows?.AddRange(row);
            if (arg != 0)
            {
                if (glosses.Count > 0 && glosses[^1].Id == arg)
                    glosses[^1] = glosses[^1] with { Last = frame };       // same gloss continues (repeat, or across a blank)
                else if (arg != previous)
                    glosses.Add((arg, frame, frame));
            }
            previous = arg;
        }
    }

    void Fail() => throw new GlossaException($"recognition: output frame {best.Count} holds NaN log-probabilities; the model output is broken");
}
