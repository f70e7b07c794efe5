namespace Glossa.Scoring;

/// <summary>Which official gloss cleaning a score used.</summary>
public enum CleanupKind
{
    /// <summary>No cleaning (CSL-Daily, custom corpora).</summary>
    None,
    /// <summary>PHOENIX-2014 official script: hypothesis only, one gloss per CTM line.</summary>
    Phoenix2014,
    /// <summary>PHOENIX-2014 rules applied to whole sentences on both sides (popular Python ports).</summary>
    Phoenix2014Sentence,
    /// <summary>PHOENIX-2014-T gloss recognition: both sides cleaned, the reference a little more.</summary>
    Phoenix2014T,
}
