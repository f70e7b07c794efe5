namespace Glossa.Scoring;

/// <summary>A reference utterance: its id, speaker (signer) and words, as in one STM line.</summary>
/// <param name="Id">Utterance id (the STM "file" field).</param>
/// <param name="Speaker">Speaker or signer id (the STM speaker field); sclite groups per speaker.</param>
/// <param name="Words">Reference words (glosses) in order.</param>
/// <param name="Source">Where it was read ("file:line"), for error messages; empty when built in memory.</param>
public sealed record Utterance(string Id, string Speaker, IReadOnlyList<string> Words, string Source = "")
{
    /// <summary>E.g. <c>u1 (signer01): SONNE REGEN</c>.</summary>
    public override string ToString() => $"{Id} ({Speaker}): {(Words.Count == 0 ? "(no words)" : string.Join(' ', Words))}";
}
