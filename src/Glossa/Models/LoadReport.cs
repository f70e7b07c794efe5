namespace Glossa.Models;

/// <summary>What a weight import did: keys copied, keys the model has but the file lacks, keys the file has but the model lacks, and shape conflicts.</summary>
/// <param name="Loaded">Keys copied into the model.</param>
/// <param name="Missing">Model keys absent from the file (left as they were).</param>
/// <param name="Unexpected">File keys with no counterpart in the model (ignored).</param>
/// <param name="ShapeMismatches">"key: file (a, b) vs model (c, d)" for keys present on both sides with different shapes (not copied).</param>
public sealed record LoadReport(IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> ShapeMismatches)
{
    /// <summary>True when every model key was loaded and the file had nothing else.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    /// <summary>One line: counts and the first few keys of each problem list.</summary>
    public string Describe()
    {
        static string Few(IReadOnlyList<string> keys) =>
            keys.Count == 0 ? "" : " (" + string.Join(", ", keys.Take(4)) + (keys.Count > 4 ? ", ..." : "") + ")";
        return $"{Loaded.Count} loaded, {Missing.Count} missing{Few(Missing)}, {Unexpected.Count} unexpected{Few(Unexpected)}, {ShapeMismatches.Count} shape mismatches{Few(ShapeMismatches)}";
    }
}
