namespace Glossa.Corpora;

/// <summary>The on-disk corpus layouts Glossa reads (see docs/corpus-formats.md).</summary>
public enum CorpusFormat
{
    /// <summary>RWTH-PHOENIX-Weather 2014, multisigner or signer-independent (SI5) variant.</summary>
    Phoenix2014,

    /// <summary>RWTH-PHOENIX-Weather 2014-T (the gloss column is <c>orth</c>).</summary>
    Phoenix2014T,

    /// <summary>CSL-Daily (Chinese glosses, <c>sentence_label/video_map.txt</c>).</summary>
    CslDaily,

    /// <summary>Glossa's generic manifest (<c>glossa-manifest.csv</c>).</summary>
    Manifest,
}
