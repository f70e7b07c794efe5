namespace Glossa.Training;

/// <summary>
/// The end of a run that a compute budget ends, annealed: over the last <c>share</c> of the
/// budget the rate follows a half-cosine from 1 down to <see cref="Floor"/> times the rate in use,
/// set epoch by epoch from the share of the budget that will have been used halfway through the
/// next epoch. A run ended by the budget at a high constant rate stops wherever the noise of its
/// last steps left it; annealed, it settles (<see cref="TrainingOptions.BudgetAnnealShare"/>).
/// </summary>
public static class BudgetAnneal
{
    /// <summary>Smallest multiplier: the rate at the budget's end is 5% of the rate in use before the anneal.</summary>
    public const double Floor = 0.05;

    /// <summary>The multiplier for an epoch whose middle falls at <paramref name="usedShare"/> of the budget (1 before the anneal starts).</summary>
    public static double Scale(double usedShare, double share)
    {
        if (!(share > 0) || !(usedShare > 1 - share)) return 1;
        double progress = Math.Min(1, (usedShare - (1 - share)) / share);
        return Floor + (1 - Floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
