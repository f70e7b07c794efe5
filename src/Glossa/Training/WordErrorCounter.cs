namespace Glossa.Training;

/// <summary>
/// Plain word-level edit distance for the trainer's running WER (train and validation
/// monitoring). Official numbers come from Glossa.Scoring (sclite rules) in <c>glossa evaluate</c>.
/// </summary>
internal static class WordErrorCounter
{
    /// <summary>Minimum number of substitutions + deletions + insertions turning <paramref name="reference"/> into <paramref name="hypothesis"/>.</summary>
    public static int Errors(IReadOnlyList<string> reference, IReadOnlyList<string> hypothesis)
    {
        int n = reference.Count, m = hypothesis.Count;
        if (n == 0) return m;
        if (m == 0) return n;
        var prev = new int[m + 1];
        var cur = new int[m + 1];
        for (int j = 0; j <= m; j++) prev[j] = j;
        for (int i = 1; i <= n; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= m; j++)
            {
                int sub = prev[j - 1] + (string.Equals(reference[i - 1], hypothesis[j - 1], StringComparison.Ordinal) ? 0 : 1);
                cur[j] = Math.Min(sub, Math.Min(prev[j] + 1, cur[j - 1] + 1));
            }
            (prev, cur) = (cur, prev);
        }
        return prev[m];
    }
}
