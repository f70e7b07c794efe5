namespace Glossa.Scoring;

/// <summary>How often one error occurred: a substitution (both words), a deletion (Hypothesis null) or an insertion (Reference null).</summary>
/// <param name="Reference">Reference word, or null for an insertion.</param>
/// <param name="Hypothesis">Hypothesis word, or null for a deletion.</param>
/// <param name="Count">Occurrences over the scored set.</param>
public sealed record Confusion(string? Reference, string? Hypothesis, int Count);
