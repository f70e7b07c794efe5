namespace Glossa.Models;

/// <summary>One video of a <see cref="FeatureStore"/>, as listed in its index.</summary>
/// <param name="Id">The sample id.</param>
/// <param name="File">The .npy file name inside the split folder.</param>
/// <param name="Frames">Decoded input frames; null when the file was already present and kept.</param>
/// <param name="FeatureFrames">Rows of the matrix (T').</param>
/// <param name="Dim">Columns of the matrix (the backbone's feature width).</param>
public sealed record FeatureStoreEntry(string Id, string File, int? Frames, long FeatureFrames, long Dim);
