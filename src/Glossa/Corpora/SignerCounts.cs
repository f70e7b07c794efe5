namespace Glossa.Corpora;

/// <summary>
/// Who signs a run's clips: the training split's signers, the validation split's, and how many of the
/// validation signers never sign a training clip (all of them in a signer-independent split such as
/// PHOENIX-2014's SI5, none in the multi-signer split).
/// </summary>
/// <param name="Training">Distinct signers of the training clips.</param>
/// <param name="Validation">Distinct signers of the validation clips.</param>
/// <param name="Unseen">Validation signers absent from the training clips.</param>
public sealed record SignerCounts(int Training, int Validation, int Unseen)
{
    /// <summary>
    /// The counts of two splits, or null when either names no signer (a corpus without signer ids gives
    /// "unknown" or nothing: then nothing is known about who signs what).
    /// </summary>
    public static SignerCounts? Of(IEnumerable<Sample> training, IEnumerable<Sample> validation)
    {
        var train = Named(training);
        var val = Named(validation);
        if (train.Count == 0 || val.Count == 0) return null;
        return new SignerCounts(train.Count, val.Count, val.Count(s => !train.Contains(s)));
    }

    /// <summary>True when every validation signer is absent from the training clips (a signer-independent split).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool AllUnseen => Validation > 0 && Unseen == Validation;

    /// <summary>The distinct signer ids of <paramref name="samples"/>; "unknown" and empty ids name no signer.</summary>
    public static HashSet<string> Named(IEnumerable<Sample> samples) =>
        samples.Select(s => s.Signer.Trim()).Where(s => s.Length > 0 && !s.Equals("unknown", StringComparison.OrdinalIgnoreCase))
            .ToHashSet(StringComparer.Ordinal);
}
