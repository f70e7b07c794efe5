using System.Buffers;

namespace Glossa.Scoring;

/// <summary>
/// Minimum-cost word alignment with sclite's default costs (substitution 4, insertion 3,
/// deletion 3, match 0) and sclite's tie-breaking, so that the chosen path, and therefore the
/// S/D/I split, is the one sclite reports. Words compare case-insensitively over ASCII letters,
/// like sclite's default (its text is treated as bytes, only A-Z fold).
/// </summary>
/// <remarks>
/// The tie rule (learnt from SCTK's net_dp.c and checked against the binary): in an inner cell
/// the diagonal move (match or substitution) wins when its cost is not larger than both others;
/// otherwise deletion wins when strictly cheaper than insertion, else insertion. The first row
/// is all insertions, the first column all deletions; the trace starts at the last cell.
/// </remarks>
public static class ScliteAligner
{
    /// <summary>Cost of a substitution.</summary>
    public const int SubstitutionCost = 4;
    /// <summary>Cost of an insertion or a deletion.</summary>
    public const int InsertionDeletionCost = 3;

    const byte Diag = 0, Del = 1, Ins = 2;

    /// <summary>Aligns and returns the columns in order.</summary>
    public static IReadOnlyList<AlignedWord> Align(IReadOnlyList<string> reference, IReadOnlyList<string> hypothesis)
    {
        var result = new List<AlignedWord>(Math.Max(reference.Count, hypothesis.Count) + 4);
        Run(reference, hypothesis, result);
        return result;
    }

    /// <summary>Counts only (no column list): the same path as <see cref="Align"/>.</summary>
    public static ErrorCounts Count(IReadOnlyList<string> reference, IReadOnlyList<string> hypothesis) =>
        Run(reference, hypothesis, null);

    /// <summary>True when two words are equal under sclite's default case-insensitive comparison.</summary>
    public static bool WordsEqual(string a, string b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            char x = a[i], y = b[i];
            if (x == y) continue;
            if ((uint)(x - 'a') <= 'z' - 'a') x = (char)(x - 32);
            if ((uint)(y - 'a') <= 'z' - 'a') y = (char)(y - 32);
            if (x != y) return false;
        }
        return true;
    }

    static ErrorCounts Run(IReadOnlyList<string> r, IReadOnlyList<string> h, List<AlignedWord>? columns)
    {
        int n = r.Count, m = h.Count, w = m + 1;
        int cells = (n + 1) * w;
        int[] cost = ArrayPool<int>.Shared.Rent(cells);
        byte[] back = ArrayPool<byte>.Shared.Rent(cells);
        try
        {
            cost[0] = 0;
            for (int b = 1; b <= m; b++) { cost[b] = cost[b - 1] + InsertionDeletionCost; back[b] = Ins; }
            for (int a = 1; a <= n; a++)
            {
                int row = a * w, prev = row - w;
                cost[row] = cost[prev] + InsertionDeletionCost; back[row] = Del;
                string ra = r[a - 1];
                for (int b = 1; b <= m; b++)
                {
                    int sub = cost[prev + b - 1] + (WordsEqual(ra, h[b - 1]) ? 0 : SubstitutionCost);
                    int del = cost[prev + b] + InsertionDeletionCost;
                    int ins = cost[row + b - 1] + InsertionDeletionCost;
                    if (sub <= del && sub <= ins) { cost[row + b] = sub; back[row + b] = Diag; }
                    else if (del < ins) { cost[row + b] = del; back[row + b] = Del; }
                    else { cost[row + b] = ins; back[row + b] = Ins; }
                }
            }
            return Trace(r, h, back, w, columns);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(cost);
            ArrayPool<byte>.Shared.Return(back);
        }
    }

    static ErrorCounts Trace(IReadOnlyList<string> r, IReadOnlyList<string> h, byte[] back, int w, List<AlignedWord>? columns)
    {
        int a = r.Count, b = h.Count, c = 0, s = 0, d = 0, i = 0;
        int start = columns?.Count ?? 0;
        while (a > 0 || b > 0)
        {
            switch (back[a * w + b])
            {
                case Diag:
                    bool eq = WordsEqual(r[a - 1], h[b - 1]);
                    if (eq) c++; else s++;
                    columns?.Add(new AlignedWord(eq ? EditOp.Correct : EditOp.Substitution, r[a - 1], h[b - 1]));
                    a--; b--;
                    break;
                case Del:
                    d++;
                    columns?.Add(new AlignedWord(EditOp.Deletion, r[a - 1], null));
                    a--;
                    break;
                default:
                    i++;
                    columns?.Add(new AlignedWord(EditOp.Insertion, null, h[b - 1]));
                    b--;
                    break;
            }
        }
        columns?.Reverse(start, columns.Count - start);
        return new ErrorCounts(c, s, d, i);
    }
}
