namespace Glossa.Scoring;

/// <summary>Correct/substitution/deletion/insertion counts of one utterance or of a whole set.</summary>
/// <param name="Correct">Reference words matched by an equal hypothesis word.</param>
/// <param name="Substitutions">Reference words matched by a different hypothesis word.</param>
/// <param name="Deletions">Reference words left unmatched.</param>
/// <param name="Insertions">Hypothesis words left unmatched.</param>
public readonly record struct ErrorCounts(int Correct, int Substitutions, int Deletions, int Insertions)
{
    /// <summary>N, the number of reference words (C + S + D).</summary>
    public int ReferenceWords => Correct + Substitutions + Deletions;

    /// <summary>Number of hypothesis words (C + S + I).</summary>
    public int HypothesisWords => Correct + Substitutions + Insertions;

    /// <summary>S + D + I.</summary>
    public int Errors => Substitutions + Deletions + Insertions;

    /// <summary>Word error rate in percent, (S + D + I) / N * 100; 0 when N is 0 and there are no errors.</summary>
    public double WerPercent => ReferenceWords == 0 ? (Errors == 0 ? 0 : double.PositiveInfinity) : 100.0 * Errors / ReferenceWords;

    /// <summary>E.g. <c>WER 33.33% (C=2, S=1, D=0, I=0, N=3)</c>.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"WER {WerPercent:F2}% (C={Correct}, S={Substitutions}, D={Deletions}, I={Insertions}, N={ReferenceWords})");

    /// <summary>Component-wise sum.</summary>
    public static ErrorCounts operator +(ErrorCounts a, ErrorCounts b) =>
        new(a.Correct + b.Correct, a.Substitutions + b.Substitutions, a.Deletions + b.Deletions, a.Insertions + b.Insertions);
}
