using System.Globalization;
using System.Text;

namespace Glossa.Scoring;

/// <summary>The result of <see cref="WerScorer"/>: totals, per-utterance alignments, confusions, writers for pra-like and summary files.</summary>
public sealed class ScoreReport
{
    internal ScoreReport(CleanupRules cleanup, IReadOnlyList<UtteranceScore> utterances)
    {
        Cleanup = cleanup;
        Utterances = utterances;
        var total = new ErrorCounts();
        foreach (var u in utterances) total += u.Counts;
        Totals = total;
    }

    /// <summary>The cleaning rules applied.</summary>
    public CleanupRules Cleanup { get; }

    /// <summary>One entry per reference utterance, in reference order.</summary>
    public IReadOnlyList<UtteranceScore> Utterances { get; }

    /// <summary>Sum over all utterances (sclite's "Sum/Avg" row).</summary>
    public ErrorCounts Totals { get; }

    /// <summary>Word error rate in percent.</summary>
    public double WerPercent => Totals.WerPercent;

    /// <summary>Totals per speaker, in order of first appearance; speakers named as sclite names them, ASCII letters in lower case (SpkA and spka are one speaker, spka).</summary>
    public IReadOnlyList<KeyValuePair<string, ErrorCounts>> PerSpeaker()
    {
        var map = new Dictionary<string, ErrorCounts>(StringComparer.Ordinal);
        foreach (var u in Utterances)
        {
            string speaker = AsciiCase.Lower(u.Speaker);
            map[speaker] = map.GetValueOrDefault(speaker) + u.Counts;
        }
        return map.ToList();
    }

    /// <summary>The most frequent errors of one kind (substitutions, deletions or insertions), most frequent first, ties by word.</summary>
    public IReadOnlyList<Confusion> TopErrors(EditOp kind, int count = 20)
    {
        var map = new Dictionary<(string?, string?), int>();
        foreach (var u in Utterances)
            foreach (var w in u.Alignment)
                if (w.Op == kind)
                {
                    var key = (w.Reference is null ? null : AsciiCase.Upper(w.Reference), w.Hypothesis is null ? null : AsciiCase.Upper(w.Hypothesis));
                    map[key] = map.GetValueOrDefault(key) + 1;
                }
        return map.OrderByDescending(p => p.Value)
            .ThenBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
            .Take(count).Select(p => new Confusion(p.Key.Item1, p.Key.Item2, p.Value)).ToList();
    }

    /// <summary>The same line as <see cref="OneLine"/>.</summary>
    public override string ToString() => OneLine();

    /// <summary>One line: "WER 23.45% (S=.., D=.., I=.., N=..)".</summary>
    public string OneLine() => string.Create(CultureInfo.InvariantCulture,
        $"WER {WerPercent:F2}% (S={Totals.Substitutions}, D={Totals.Deletions}, I={Totals.Insertions}, N={Totals.ReferenceWords}, utterances={Utterances.Count}, cleanup={Cleanup.Name})");

    /// <summary>Writes per-utterance alignments in the spirit of sclite's pra: correct words lower-case, errors upper-case, *** for gaps.</summary>
    public void WritePra(TextWriter w)
    {
        foreach (var u in Utterances)
        {
            var c = u.Counts;
            w.WriteLine($"id: ({u.Speaker}-{u.Id})");
            w.WriteLine($"Scores: (#C #S #D #I) {c.Correct} {c.Substitutions} {c.Deletions} {c.Insertions}");
            var r = new StringBuilder("REF:  ");
            var h = new StringBuilder("HYP:  ");
            var e = new StringBuilder("Eval: ");
            foreach (var col in u.Alignment)
            {
                bool ok = col.Op == EditOp.Correct;
                string rs = col.Reference is null ? "***" : ok ? AsciiCase.Lower(col.Reference) : AsciiCase.Upper(col.Reference);
                string hs = col.Hypothesis is null ? "***" : ok ? AsciiCase.Lower(col.Hypothesis) : AsciiCase.Upper(col.Hypothesis);
                string es = col.Op switch { EditOp.Correct => "", EditOp.Substitution => "S", EditOp.Deletion => "D", _ => "I" };
                int width = Math.Max(rs.Length, hs.Length);
                r.Append(rs.PadRight(width + 1));
                h.Append(hs.PadRight(width + 1));
                e.Append(es.PadRight(width + 1));
            }
            w.WriteLine(r.ToString().TrimEnd());
            w.WriteLine(h.ToString().TrimEnd());
            w.WriteLine(e.ToString().TrimEnd());
            w.WriteLine();
        }
    }

    /// <summary>Writes a summary: totals, per speaker, and the most frequent errors.</summary>
    public void WriteSummary(TextWriter w, int topErrors = 20)
    {
        var inv = CultureInfo.InvariantCulture;
        w.WriteLine(OneLine());
        w.WriteLine($"cleanup: {Cleanup.Description}");
        w.WriteLine();
        w.WriteLine(string.Format(inv, "{0,-20} {1,6} {2,7} {3,7} {4,7} {5,7} {6,7} {7,8}", "speaker", "#utt", "#ref", "corr", "sub", "del", "ins", "wer%"));
        foreach (var (speaker, c) in PerSpeaker().Append(new("Sum", Totals)))
        {
            int utts = speaker == "Sum" ? Utterances.Count : Utterances.Count(u => AsciiCase.Lower(u.Speaker) == speaker);
            w.WriteLine(string.Format(inv, "{0,-20} {1,6} {2,7} {3,7} {4,7} {5,7} {6,7} {7,8:F2}",
                speaker, utts, c.ReferenceWords, c.Correct, c.Substitutions, c.Deletions, c.Insertions, c.WerPercent));
        }
        foreach (var (title, kind) in new[] { ("substitutions (ref -> hyp)", EditOp.Substitution), ("deletions", EditOp.Deletion), ("insertions", EditOp.Insertion) })
        {
            w.WriteLine();
            w.WriteLine($"most frequent {title}:");
            var top = TopErrors(kind, topErrors);
            if (top.Count == 0 && topErrors > 0)
                w.WriteLine("  (none)");
            foreach (var c in top)
                w.WriteLine(string.Format(inv, "{0,6}  {1}", c.Count,
                    kind == EditOp.Substitution ? $"{c.Reference} -> {c.Hypothesis}" : c.Reference ?? c.Hypothesis));
        }
    }
}
