using static TorchSharp.torch;

namespace Glossa.Tests.Build;

/// <summary>The GLIBCXX fix of build/PatchLibTorchSharp.targets must make libtorch load in the test output too.</summary>
public class TorchLoadTests
{
    [Fact]
    public void LibTorchLoadsAndComputes()
    {
        using var a = arange(6, dtype: float32).reshape(2, 3);
        using var s = a.sum();
        Assert.Equal(15f, s.item<float>());
    }
}
