namespace Glossa.Recognition;

/// <summary>One alternative of an N-best list.</summary>
/// <param name="Glosses">The gloss sequence.</param>
/// <param name="Score">Natural-log score: the beam's total score, or the best path's log-probability for greedy decoding.</param>
public sealed record NBestEntry(IReadOnlyList<string> Glosses, double Score)
{
    /// <summary>The glosses and the score, e.g. <c>SONNE REGEN (score -3.214)</c>; "(no glosses)" for an empty sequence.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{(Glosses.Count == 0 ? "(no glosses)" : string.Join(' ', Glosses))} (score {Score:0.###})");
}
