namespace Glossa.Decoding;

/// <summary>One entry of an N-best list.</summary>
/// <param name="Ids">Class ids (blank-free, repeats collapsed when the options say so).</param>
/// <param name="Score">Total natural-log score: acoustic + LM weight x LM log-prob + insertion bonus x length.</param>
/// <param name="AcousticScore">Natural-log CTC probability of the prefix (sum over its alignments kept by the beam).</param>
public sealed record Hypothesis(int[] Ids, double Score, double AcousticScore)
{
    /// <summary>The class ids and scores, e.g. <c>ids 3 5 7 (score -2.1, acoustic -2.4)</c>; map ids to glosses with the vocabulary.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{(Ids.Length == 0 ? "(no ids)" : "ids " + string.Join(' ', Ids))} (score {Score:0.###}, acoustic {AcousticScore:0.###})");
}
