namespace Glossa.Corpora;

/// <summary>What is wrong with a corpus file, line or sample. Names are snake_case in JSON.</summary>
public enum CorpusProblemKind
{
    /// <summary>An annotation or list file the format requires is absent.</summary>
    MissingFile,

    /// <summary>A line does not have the expected columns or values.</summary>
    MalformedLine,

    /// <summary>A sample has no glosses.</summary>
    EmptyAnnotation,

    /// <summary>The same sample id appears twice in one split.</summary>
    DuplicateId,

    /// <summary>The frame folder or video of a sample is absent or holds no frames.</summary>
    MissingFrames,

    /// <summary>A frame file exists but its header cannot be decoded.</summary>
    UnreadableFrame,

    /// <summary>A video file cannot be probed by ffprobe.</summary>
    UnreadableVideo,

    /// <summary>The clip is too short for CTC at the model's temporal stride.</summary>
    CtcInfeasible,

    /// <summary>Warning: a dev/test gloss that the training split never uses.</summary>
    OutOfVocabulary,

    /// <summary>Warning: a declared frame count differs from the frames found on disk.</summary>
    LengthMismatch,

    /// <summary>Warning: a sample listed in one file but not the other (e.g. CSL-Daily split vs. labels).</summary>
    UnassignedSample,

    /// <summary>Warning: an annotation file holds bytes that are not UTF-8 (they would become U+FFFD in the vocabulary).</summary>
    InvalidEncoding,
    /// <summary>Warning: a manifest split name other than train, dev or test (often a typo such as 'trian').</summary>
    UnknownSplit,
    /// <summary>Warning: the same sample id in two splits (test or dev data leaking into training).</summary>
    SharedId,
    /// <summary>Warning: a check was skipped (e.g. video lengths without ffprobe).</summary>
    Skipped,
    /// <summary>Warning: no train, dev or test split (a manifest without dev rows passed the check, then training stopped).</summary>
    MissingSplit,
    /// <summary>Warning: the frames of one clip come in two sizes (each is resized to the model's frame on its own).</summary>
    MixedFrameSizes,
    /// <summary>Warning: samples with an empty signer column (they count as one signer, "unknown", and unseen signers cannot be told).</summary>
    MissingSigner,
}
