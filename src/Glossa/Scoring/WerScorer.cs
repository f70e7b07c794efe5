using Glossa.Common;

namespace Glossa.Scoring;

/// <summary>
/// Scores hypotheses against references the way the official scripts + sclite do: cleaning,
/// [EMPTY] fill, sclite's weighted alignment and tie-breaking, case-insensitive words.
/// </summary>
public static class WerScorer
{
    /// <summary>The word the official script writes for an utterance without hypothesis words.</summary>
    public const string EmptyWord = "[EMPTY]";

    /// <summary>Scores <paramref name="hypotheses"/> (id -> words) against <paramref name="references"/> with the given cleanup.</summary>
    public static ScoreReport Score(IReadOnlyList<Utterance> references, IReadOnlyDictionary<string, IReadOnlyList<string>> hypotheses, CleanupRules cleanup) =>
        Score(references, hypotheses, ScoreOptions.With(cleanup));

    /// <summary>Scores with explicit options.</summary>
    /// <exception cref="GlossaException">Duplicate reference ids, hypothesis ids absent from the reference, or (with <see cref="ScoreOptions.RequireAllHypotheses"/>) a missing hypothesis.</exception>
    public static ScoreReport Score(IReadOnlyList<Utterance> references, IReadOnlyDictionary<string, IReadOnlyList<string>> hypotheses, ScoreOptions options)
    {
        options.Validate();
        var ids = new Dictionary<string, Utterance>(references.Count, AsciiCase.Comparer); // sclite's rule: U1 and u1 are one id
        foreach (var u in references)
            if (!ids.TryAdd(u.Id, u))
                throw new GlossaException($"{Where(u)}reference id '{u.Id}' appears twice (first at {ids[u.Id].Source}); ids must be unique");
        foreach (string id in hypotheses.Keys)
            if (!ids.ContainsKey(id))
                throw new GlossaException($"hypothesis id '{id}' is not in the reference; check that both come from the same split");

        var scores = new UtteranceScore[references.Count];
        var cleanup = options.Cleanup;
        Parallel.For(0, references.Count, new ParallelOptions { MaxDegreeOfParallelism = references.Count < 20_000 ? 1 : -1 }, i =>
        {
            var u = references[i];
            IReadOnlyList<string> hyp = hypotheses.TryGetValue(u.Id, out var h) ? cleanup.CleanHypothesis(h)
                : options.RequireAllHypotheses ? throw new GlossaException($"{Where(u)}utterance '{u.Id}' has no hypothesis")
                : [];
            IReadOnlyList<string> reference = cleanup.CleanReference(u.Words);
            if (reference.Count == 0 && cleanup.Kind == CleanupKind.Phoenix2014T) reference = [EmptyWord];
            if (hyp.Count == 0 && options.FillEmpty) hyp = [EmptyWord];
            if (options.KeepAlignments)
            {
                var columns = ScliteAligner.Align(reference, hyp);
                scores[i] = new UtteranceScore(u.Id, u.Speaker, reference, hyp, CountOf(columns), columns);
            }
            else
            {
                scores[i] = new UtteranceScore(u.Id, u.Speaker, reference, hyp, ScliteAligner.Count(reference, hyp), []);
            }
        });
        return new ScoreReport(cleanup, scores);
    }

    static string Where(Utterance u) => u.Source.Length > 0 ? u.Source + ": " : "";

    static ErrorCounts CountOf(IReadOnlyList<AlignedWord> columns)
    {
        int c = 0, s = 0, d = 0, i = 0;
        foreach (var w in columns)
        {
            switch (w.Op)
            {
                case EditOp.Correct: c++; break;
                case EditOp.Substitution: s++; break;
                case EditOp.Deletion: d++; break;
                default: i++; break;
            }
        }
        return new ErrorCounts(c, s, d, i);
    }
}
