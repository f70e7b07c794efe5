using Glossa.Decoding;

namespace Glossa.Recognition;

/// <summary>
/// The committed (final) output frames of one input, in order: the best path so far
/// (<see cref="GreedyPath"/>, built as frames arrive so streaming can print glosses at once) and
/// the full log-probability rows only when a beam search needs them.
/// </summary>
internal sealed class OutputTrack
{
    readonly int classes;
    readonly List<float>? rows;
    readonly GreedyPath path;

    public OutputTrack(int classes, bool keepRows)
    {
        this.classes = classes;
        rows = keepRows ? [] : null;
        path = new GreedyPath(classes);
    }

    /// <summary>Committed output frames.</summary>
    public int Count => path.Frames;

    /// <summary>Best-path glosses so far: class id and first/last output frame where it was the best class.</summary>
    public IReadOnlyList<(int Id, int First, int Last)> Glosses => path.Segments;

    /// <summary>Sum over frames of the best class's log-probability (the best path's score).</summary>
    public double BestPathScore => path.Score;

    /// <summary>All committed rows (frames x classes), when kept.</summary>
    public float[] Rows() => rows?.ToArray() ?? throw new InvalidOperationException("rows were not kept");

    /// <summary>Appends output frames [from, to) of <paramref name="logProbs"/> (frames x classes, row-major).</summary>
    public void Append(ReadOnlySpan<float> logProbs, int from, int to)
    {
        path.Append(logProbs, from, to);
        if (rows is not null)
            for (int t = from; t < to; t++) rows.AddRange(logProbs.Slice(t * classes, classes));
    }
}
