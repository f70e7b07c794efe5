using Glossa.Scoring;

namespace Glossa.Training;

/// <summary>
/// Word errors of the trainer's running WER (train and validation monitoring), counted by the
/// sclite-exact aligner of Glossa.Scoring without gloss cleanup. <c>glossa evaluate</c> reports
/// the official number (corpus cleanup, beam search).
/// </summary>
internal static class WordErrorCounter
{
    static readonly ScoreOptions Plain = new() { Cleanup = CleanupRules.None, KeepAlignments = false };

    /// <summary>Substitutions + deletions + insertions of each hypothesis against its reference, summed, and the reference words.</summary>
    public static (int Errors, int ReferenceWords) Count(IReadOnlyList<string> ids, IReadOnlyList<IReadOnlyList<string>> references, IReadOnlyList<IReadOnlyList<string>> hypotheses)
    {
        var utterances = new List<Utterance>(ids.Count);
        var hyps = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        for (int i = 0; i < ids.Count; i++)
        {
            utterances.Add(new Utterance(ids[i], "train", references[i]));
            hyps[ids[i]] = hypotheses[i];
        }
        var totals = WerScorer.Score(utterances, hyps, Plain).Totals;
        return (totals.Errors, totals.ReferenceWords);
    }
}
