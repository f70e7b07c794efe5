using Glossa.Common;

namespace Glossa.Tests.Common;

public sealed class EditDistanceTests
{
    [Theory]
    [InlineData("train", "train", 0)]
    [InlineData("trian", "train", 1)]          // neighbours swapped: one slip, not two
    [InlineData("--time-budgte", "--time-budget", 1)]
    [InlineData("gloss", "glosses", 2)]
    [InlineData("", "dev", 3)]
    [InlineData("dev", "test", 3)]
    [InlineData("ca", "abc", 3)]               // optimal string alignment: a swapped pair is not edited again
    public void Counts_typing_slips(string a, string b, int expected)
    {
        Assert.Equal(expected, EditDistance.Of(a, b));
        Assert.Equal(expected, EditDistance.Of(b, a));
    }
}
