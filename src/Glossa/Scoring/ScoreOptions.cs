using Glossa.Common;

namespace Glossa.Scoring;

/// <summary>How <see cref="WerScorer"/> scores.</summary>
public sealed record ScoreOptions
{
    /// <summary>Gloss cleaning rules (default: none).</summary>
    public CleanupRules Cleanup { get; init; } = CleanupRules.None;

    /// <summary>
    /// Give an utterance whose hypothesis is missing or empty the single word [EMPTY], as the
    /// official script does (1 substitution + n-1 deletions). When false, sclite's behaviour
    /// without the fill is used: all reference words are deletions.
    /// </summary>
    public bool FillEmpty { get; init; } = true;

    /// <summary>Keep per-utterance alignment columns (needed for pra output and confusions).</summary>
    public bool KeepAlignments { get; init; } = true;

    /// <summary>Fail when a reference utterance has no hypothesis at all (a partial decode). Default false: missing ones count as empty, like the official script.</summary>
    public bool RequireAllHypotheses { get; init; }

    /// <summary>Default options with the given cleanup.</summary>
    public static ScoreOptions With(CleanupRules cleanup) => new() { Cleanup = cleanup };

    /// <summary>Checks the options.</summary>
    public void Validate()
    {
        if (Cleanup is null) throw new GlossaException("score options: cleanup must be set (none, phoenix2014, phoenix2014-sentence, phoenix2014t)");
    }
}
