namespace Glossa.Corpora;

/// <summary>
/// One sentence of a corpus: a clip (a sorted list of frame files, or one video file) and its
/// gloss sequence. This is the unit every later stage (frames, batches, scoring) refers to.
/// </summary>
/// <param name="Id">Utterance id as the corpus names it (unique within a split).</param>
/// <param name="Split">train, dev or test.</param>
/// <param name="Signer">Signer or speaker id ("unknown" if the corpus has none).</param>
/// <param name="Glosses">Gloss tokens, already split on whitespace (double spaces removed).</param>
/// <param name="FramePaths">Absolute paths of the frames in temporal order; empty when <paramref name="VideoPath"/> is set.</param>
/// <param name="VideoPath">A video file (mp4, avi, ...) decoded through ffmpeg, or null when frames are files.</param>
/// <param name="Source">Where the sample was declared: "file:line", for error messages.</param>
public sealed record Sample(
    string Id,
    string Split,
    string Signer,
    IReadOnlyList<string> Glosses,
    IReadOnlyList<string> FramePaths,
    string? VideoPath,
    string Source)
{
    /// <summary>Number of frames when known without decoding (frame folders); -1 for videos.</summary>
    public int FrameCount => VideoPath is null ? FramePaths.Count : -1;

    /// <summary>The reference the scorer reads (id, signer, glosses, where it was declared).</summary>
    public Scoring.Utterance ToUtterance() => new(Id, Signer, Glosses, Source);
}
