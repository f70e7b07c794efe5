namespace Glossa.Corpora;

/// <summary>What <see cref="SyntheticCorpus.Write"/> wrote.</summary>
/// <param name="OutDir">The release root (pass it to <c>glossa corpus check</c> or <see cref="CorpusLoader.Load(string, CorpusFormat?)"/>).</param>
/// <param name="CorpusRoot">The variant folder <c>OUT/phoenix-2014-multisigner</c>.</param>
/// <param name="Sentences">Sentences per split.</param>
/// <param name="Frames">Frames written in total.</param>
/// <param name="Glosses">The vocabulary used, <c>__ON__</c> and <c>__OFF__</c> included.</param>
/// <param name="Elapsed">Wall time of the whole write.</param>
public sealed record SynthSummary(
    string OutDir,
    string CorpusRoot,
    IReadOnlyDictionary<string, int> Sentences,
    long Frames,
    IReadOnlyList<string> Glosses,
    TimeSpan Elapsed);
