using Glossa.Bench;

namespace Glossa.Tests.Cli;

/// <summary>The PyTorch anchor of `model bench --rounds`: the ratio is taken against the fastest configuration after pooling.</summary>
public sealed class BenchAnchorTests
{
    static ReferenceRunner.Result Run(string best, params (string Name, double[] Ms)[] configs) =>
        new(configs.Single(c => c.Name == best).Ms.Order().ElementAt(configs.Single(c => c.Name == best).Ms.Length / 2), best,
            configs.ToDictionary(c => c.Name, c => c.Ms.Order().ElementAt(c.Ms.Length / 2)), configs.ToDictionary(c => c.Name, c => c.Ms.ToList()));

    [Fact]
    public void Later_rounds_pool_into_the_fastest_and_a_slower_pool_hands_the_anchor_on()
    {
        var first = Run("jemalloc", ("default", [2600, 2700, 2650]), ("jemalloc", [1000, 1010, 1020]), ("tuned", [1100, 1120, 1130]));
        var steady = first.Pooled(Run("jemalloc", ("jemalloc", [1005, 1015, 990])));
        Assert.Equal("jemalloc", steady.Best);
        Assert.Equal(1007.5, steady.BestMs);                          // median of all six jemalloc steps
        var slower = steady.Pooled(Run("jemalloc", ("jemalloc", [1500, 1510, 1490, 1520, 1530, 1540, 1550])));
        Assert.Equal("tuned", slower.Best);                           // jemalloc's pooled median rose above tuned's 1120
        Assert.Equal(1120, slower.BestMs);
        Assert.Equal(2650, slower.Configs["default"]);
    }
}
