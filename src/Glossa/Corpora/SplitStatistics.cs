namespace Glossa.Corpora;

/// <summary>Figures of one split, as printed by <c>glossa corpus check</c>.</summary>
/// <param name="Sentences">Valid samples in the split.</param>
/// <param name="Frames">Total frames (videos counted only when probed).</param>
/// <param name="MeanFrames">Mean clip length in frames.</param>
/// <param name="MaxFrames">Longest clip in frames.</param>
/// <param name="MeanGlosses">Mean number of glosses per sentence.</param>
/// <param name="MaxGlosses">Most glosses in one sentence.</param>
/// <param name="Glosses">Distinct glosses used.</param>
/// <param name="GlossTokens">Gloss occurrences.</param>
/// <param name="Signers">Distinct signers.</param>
/// <param name="OutOfVocabulary">Distinct glosses not found in the training split (0 for train).</param>
/// <param name="VideosWithoutLength">Video samples whose frame count is unknown (ffprobe skipped or failed).</param>
/// <param name="UnseenSigners">Distinct signers of the split who sign nothing in the training split (0 for train): all of them in a signer-independent split.</param>
public sealed record SplitStatistics(
    int Sentences,
    long Frames,
    double MeanFrames,
    int MaxFrames,
    double MeanGlosses,
    int MaxGlosses,
    int Glosses,
    long GlossTokens,
    int Signers,
    int OutOfVocabulary,
    int VideosWithoutLength,
    int UnseenSigners = 0);
