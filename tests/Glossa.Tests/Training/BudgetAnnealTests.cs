using Glossa.Common;
using Glossa.Training;

namespace Glossa.Tests.Training;

public sealed class BudgetAnnealTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.69, 1.0)]     // before the last 30%: the rate in use
    [InlineData(0.85, 0.525)]   // halfway through the anneal: (1 + 0.05) / 2
    [InlineData(1.0, 0.05)]     // the budget's end: the floor
    [InlineData(1.3, 0.05)]     // past it (a slow last epoch): still the floor
    public void The_last_share_of_the_budget_follows_a_half_cosine_down_to_the_floor(double used, double expected)
    {
        Assert.Equal(expected, BudgetAnneal.Scale(used, share: 0.3), 6);
    }

    [Fact]
    public void It_falls_with_every_epoch_of_the_anneal_and_is_off_at_share_zero()
    {
        double[] scales = [.. Enumerable.Range(0, 11).Select(i => BudgetAnneal.Scale(0.7 + 0.03 * i, 0.3))];
        for (int i = 1; i < scales.Length; i++) Assert.True(scales[i] < scales[i - 1], $"{scales[i]} after {scales[i - 1]}");
        Assert.Equal(1.0, BudgetAnneal.Scale(0.99, share: 0));
    }

    [Fact]
    public void The_option_needs_a_budget_and_a_share_below_one()
    {
        var o = new TrainingOptions { Model = "tiny-student", Corpus = "c", OutputDir = "r" };
        var e = Assert.Throws<GlossaException>(() => (o with { BudgetAnnealShare = 0.3 }).Validate());
        Assert.Contains("BudgetAnnealShare (--budget-anneal) needs TimeBudgetMinutes (--time-budget)", e.Message);
        Assert.Throws<GlossaException>(() => (o with { BudgetAnnealShare = 1, TimeBudgetMinutes = 5 }).Validate());
        (o with { BudgetAnnealShare = 0.3, TimeBudgetMinutes = 5 }).Validate();
    }
}
