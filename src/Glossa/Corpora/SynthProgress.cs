namespace Glossa.Corpora;

/// <summary>Progress of <see cref="SyntheticCorpus.Write"/>.</summary>
/// <param name="SentencesDone">Sentences rendered so far.</param>
/// <param name="SentencesTotal">Sentences to render.</param>
/// <param name="FramesWritten">Frames written so far.</param>
public sealed record SynthProgress(int SentencesDone, int SentencesTotal, long FramesWritten);
