namespace Glossa.Scoring;

/// <summary>One column of an alignment, as in sclite's pra output.</summary>
/// <param name="Op">Correct, substitution, deletion or insertion.</param>
/// <param name="Reference">The reference word, or null for an insertion.</param>
/// <param name="Hypothesis">The hypothesis word, or null for a deletion.</param>
public sealed record AlignedWord(EditOp Op, string? Reference, string? Hypothesis);
