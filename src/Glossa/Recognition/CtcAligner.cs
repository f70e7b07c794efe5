namespace Glossa.Recognition;

/// <summary>
/// CTC forced alignment (Viterbi): the most probable path of a given label sequence through
/// per-frame log-probabilities, giving each label's first and last frame. Beam-search outputs
/// have no alignment of their own; this gives them timings.
/// </summary>
public static class CtcAligner
{
    /// <summary>
    /// First and last frame of each label of <paramref name="labels"/> in the best CTC path over
    /// <paramref name="logProbs"/> (frames x classes, row-major). Returns null when the labels
    /// cannot fit in the frames (each label needs a frame, repeats a blank between).
    /// </summary>
    public static (int First, int Last)[]? Align(ReadOnlySpan<float> logProbs, int frames, int classes, IReadOnlyList<int> labels, int blank = 0)
    {
        int l = labels.Count;
        if (l == 0) return [];
        int s = 2 * l + 1;                                  // blank, l1, blank, l2, ..., blank
        int Label(int state) => state % 2 == 0 ? blank : labels[state / 2];
        var score = new double[s];
        var next = new double[s];
        var back = new byte[(long)frames * s];             // 0 = stay, 1 = from state-1, 2 = from state-2
        Array.Fill(score, double.NegativeInfinity);
        score[0] = logProbs[blank];
        if (s > 1) score[1] = logProbs[labels[0]];
        for (int t = 1; t < frames; t++)
        {
            var row = logProbs.Slice(t * classes, classes);
            for (int j = 0; j < s; j++)
            {
                double bestPrev = score[j];
                byte from = 0;
                if (j >= 1 && score[j - 1] > bestPrev) { bestPrev = score[j - 1]; from = 1; }
                if (j >= 2 && j % 2 == 1 && labels[j / 2] != labels[j / 2 - 1] && score[j - 2] > bestPrev) { bestPrev = score[j - 2]; from = 2; }
                next[j] = bestPrev + row[Label(j)];
                back[(long)t * s + j] = from;
            }
            (score, next) = (next, score);
        }
        int state = s == 1 || score[s - 1] >= score[s - 2] ? s - 1 : s - 2;
        if (double.IsNegativeInfinity(score[state])) return null;
        var spans = new (int First, int Last)[l];
        for (int i = 0; i < l; i++) spans[i] = (-1, -1);
        for (int t = frames - 1; t >= 0; t--)
        {
            if (state % 2 == 1)
            {
                int i = state / 2;
                spans[i] = (t, spans[i].Last < 0 ? t : spans[i].Last);
            }
            if (t > 0) state -= back[(long)t * s + state];
        }
        return spans.Any(x => x.First < 0) ? null : spans;
    }
}
