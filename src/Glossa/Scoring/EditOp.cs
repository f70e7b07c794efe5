namespace Glossa.Scoring;

/// <summary>What one aligned column of a reference/hypothesis alignment is.</summary>
public enum EditOp : byte
{
    /// <summary>Reference and hypothesis words are equal (case-insensitively, like sclite).</summary>
    Correct,
    /// <summary>A reference word was recognised as a different word.</summary>
    Substitution,
    /// <summary>A reference word has no hypothesis counterpart.</summary>
    Deletion,
    /// <summary>A hypothesis word has no reference counterpart.</summary>
    Insertion,
}
