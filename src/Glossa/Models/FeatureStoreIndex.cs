namespace Glossa.Models;

/// <summary>
/// <c>index.json</c> of a <see cref="FeatureStore"/> split folder: what extracted the features, how the
/// frames were prepared, and every video's file and shape.
/// </summary>
public sealed record FeatureStoreIndex
{
    /// <summary>Backbone name (mobilenet_v3_large, mobilenet_v3_small or i3d).</summary>
    public required string Backbone { get; init; }

    /// <summary>Full path of the weights the backbone was loaded from.</summary>
    public required string Weights { get; init; }

    /// <summary>SHA-256 of the backbone weights used (<see cref="WeightIO.Fingerprint"/>): the same path may hold other weights later.</summary>
    public string WeightsSha256 { get; init; } = "";

    /// <summary>Root folder of the corpus.</summary>
    public required string Corpus { get; init; }

    /// <summary>The split extracted (train, dev, test).</summary>
    public required string Split { get; init; }

    /// <summary>Crop size in pixels.</summary>
    public int Size { get; init; }

    /// <summary>Input frames per feature row (1 for per-frame backbones).</summary>
    public int TemporalStride { get; init; }

    /// <summary>Columns of every matrix.</summary>
    public int FeatureDim { get; init; }

    /// <summary>Per-channel mean the frames were normalised with.</summary>
    public IReadOnlyList<double> Mean { get; init; } = [];

    /// <summary>Per-channel standard deviation the frames were normalised with.</summary>
    public IReadOnlyList<double> Std { get; init; } = [];

    /// <summary>The videos, in corpus order.</summary>
    public IReadOnlyList<FeatureStoreEntry> Videos { get; init; } = [];

    /// <summary>The header of a store filled by <paramref name="extractor"/> (no videos yet).</summary>
    public static FeatureStoreIndex For(FeatureExtractor extractor, string backbone, string weights, string corpus, string split) => new()
    {
        Backbone = backbone,
        Weights = Path.GetFullPath(weights),
        Corpus = corpus,
        Split = split,
        Size = extractor.Frames.CropWidth,
        TemporalStride = extractor.Backbone.TemporalStride,
        FeatureDim = extractor.Backbone.FeatureDim,
        Mean = extractor.Frames.Mean,
        Std = extractor.Frames.Std,
        WeightsSha256 = extractor.WeightsFingerprint,
    };

    /// <summary>
    /// The settings that make this store's files differ from <paramref name="other"/>'s ("backbone a vs b", ...): files
    /// made with one are not the other's. Empty when they agree.
    /// </summary>
    public IReadOnlyList<string> Differences(FeatureStoreIndex other)
    {
        var found = new List<string>();
        void Compare(string name, string mine, string theirs) { if (mine != theirs) found.Add($"{name} {mine} vs {theirs}"); }
        Compare("backbone", Backbone, other.Backbone);
        Compare("weights", Weights, other.Weights);
        if (Weights == other.Weights) Compare("weights content (sha256)", Short(WeightsSha256), Short(other.WeightsSha256));
        Compare("size", Size.ToString(), other.Size.ToString());
        Compare("temporal stride", TemporalStride.ToString(), other.TemporalStride.ToString());
        Compare("mean", string.Join("/", Mean), string.Join("/", other.Mean));
        Compare("std", string.Join("/", Std), string.Join("/", other.Std));
        return found;
    }

    static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash.Length == 0 ? "(unrecorded)" : hash;
}
