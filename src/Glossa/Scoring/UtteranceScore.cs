namespace Glossa.Scoring;

/// <summary>The scored alignment of one utterance (one block of sclite's pra output).</summary>
/// <param name="Id">Utterance id.</param>
/// <param name="Speaker">Speaker (signer) id.</param>
/// <param name="Reference">Reference words after cleaning (what was aligned).</param>
/// <param name="Hypothesis">Hypothesis words after cleaning and [EMPTY] fill (what was aligned).</param>
/// <param name="Counts">C/S/D/I of this utterance.</param>
/// <param name="Alignment">Aligned columns in order; empty when alignments were not kept.</param>
public sealed record UtteranceScore(
    string Id,
    string Speaker,
    IReadOnlyList<string> Reference,
    IReadOnlyList<string> Hypothesis,
    ErrorCounts Counts,
    IReadOnlyList<AlignedWord> Alignment)
{
    /// <summary>E.g. <c>u1 (signer01): WER 50.00% (C=1, S=1, D=0, I=0, N=2); REF: SONNE REGEN; HYP: SONNE WIND</c>.</summary>
    public override string ToString() =>
        $"{Id} ({Speaker}): {Counts}; REF: {string.Join(' ', Reference)}; HYP: {string.Join(' ', Hypothesis)}";
}
