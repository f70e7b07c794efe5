namespace Glossa.Recognition;

/// <summary>One alternative of an N-best list.</summary>
/// <param name="Glosses">The gloss sequence.</param>
/// <param name="Score">Natural-log score: the beam's total score, or the best path's log-probability for greedy decoding.</param>
public sealed record NBestEntry(IReadOnlyList<string> Glosses, double Score);
