using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// A loaded corpus: its format, the folder it was read from, and its splits: train, dev and test first (CSL-Daily's
/// split file lists dev first, and every table followed it), then whatever else a manifest names, in file order. Produced by <see cref="CorpusLoader.Load(string, CorpusFormat?)"/>.
/// </summary>
public sealed class Corpus
{
    /// <summary>Creates a corpus from already-read splits.</summary>
    public Corpus(CorpusFormat format, string root, string name, IReadOnlyDictionary<string, IReadOnlyList<Sample>> splits)
    {
        Format = format;
        Root = root;
        Name = name;
        var ordered = new Dictionary<string, IReadOnlyList<Sample>>(StringComparer.Ordinal);
        foreach (string first in new[] { "train", "dev", "test" })
            if (splits.TryGetValue(first, out var samples)) ordered[first] = samples;
        foreach (var (split, samples) in splits)
            ordered.TryAdd(split, samples);
        Splits = ordered;
    }

    /// <summary>The format the corpus was read as.</summary>
    public CorpusFormat Format { get; }

    /// <summary>Absolute path of the folder holding the annotations (the variant folder for PHOENIX).</summary>
    public string Root { get; }

    /// <summary>A short name, e.g. <c>phoenix-2014-multisigner</c>, <c>PHOENIX-2014-T</c>, <c>CSL-Daily</c>.</summary>
    public string Name { get; }

    /// <summary>Samples per split name, each list in annotation-file order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Sample>> Splits { get; }

    /// <summary>The samples of one split (e.g. "train"); a clear error if the corpus has no such split.</summary>
    public IReadOnlyList<Sample> Split(string name)
    {
        if (Splits.TryGetValue(name, out var samples)) return samples;
        string available = Splits.Count == 0 ? "none" : string.Join(", ", Splits.Keys);
        throw new GlossaException($"{Root}: corpus '{Name}' has no split '{name}' (available: {available})");
    }

    /// <summary>True when the split exists.</summary>
    public bool HasSplit(string name) => Splits.ContainsKey(name);
}
