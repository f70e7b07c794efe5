using Glossa.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

/// <summary>
/// The channels-last max pooling gives exactly what libtorch's plain max_pool2d / max_pool3d give:
/// values, and gradients through the argmax positions, ties after a ReLU included.
/// </summary>
public class MaxPoolingTests
{
    [Theory]
    [InlineData(3, 16, 17, 23, 3, 2, 1, false)]  // ResNet-18's stem pooling on odd sizes
    [InlineData(2, 64, 28, 28, 3, 2, 1, true)]   // after a ReLU: many tied zeros in a window
    [InlineData(1, 8, 9, 9, 2, 2, 0, true)]
    [InlineData(2, 5, 12, 7, 3, 1, 1, false)]
    public void Pool2dMatchesMaxPool2d(int n, int c, int h, int w, int k, int s, int p, bool relu)
    {
        manual_seed(11);
        using var scope = NewDisposeScope();
        var data = randn(n, c, h, w);
        if (relu) data = data.relu();
        long[] kernel = [k, k], stride = [s, s], padding = [p, p];
        var (expected, expectedGrad, actual, actualGrad) = Both(data,
            x => nn.functional.max_pool2d(x, kernel, stride, padding),
            x => MaxPooling.Pool2d(x, kernel, stride, padding));
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(actual.is_contiguous());
        Assert.Equal(0.0, (actual - expected).abs().max().item<float>());
        Assert.Equal(0.0, (actualGrad - expectedGrad).abs().max().item<float>());
        using (no_grad())
            Assert.Equal(0.0, (MaxPooling.Pool2d(data, kernel, stride, padding) - expected).abs().max().item<float>());
    }

    [Theory]
    [InlineData(2, 8, 9, 14, 14, new long[] { 1, 3, 3 }, new long[] { 1, 2, 2 })]  // I3D's spatial pools
    [InlineData(1, 12, 6, 7, 7, new long[] { 3, 3, 3 }, new long[] { 1, 1, 1 })]   // I3D's branch pools
    [InlineData(1, 4, 8, 8, 8, new long[] { 2, 2, 2 }, new long[] { 2, 2, 2 })]
    public void Pool3dMatchesMaxPool3d(int n, int c, int d, int h, int w, long[] kernel, long[] stride)
    {
        manual_seed(12);
        using var scope = NewDisposeScope();
        var data = randn([n, c, d, h, w]).relu();
        long[] padding = [0, 0, 0];
        var (expected, expectedGrad, actual, actualGrad) = Both(data,
            x => nn.functional.max_pool3d(x, kernel, stride, padding),
            x => MaxPooling.Pool3d(x, kernel, stride, padding));
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(0.0, (actual - expected).abs().max().item<float>());
        Assert.Equal(0.0, (actualGrad - expectedGrad).abs().max().item<float>());
    }

    [Fact]
    public void NonFiniteValuesPropagateAsInThePlainOperator()
    {
        using var scope = NewDisposeScope();
        var data = randn(1, 3, 6, 6);
        data[0, 1, 2, 2] = tensor(float.NaN);
        var expected = nn.functional.max_pool2d(data, [3, 3], [2, 2], [1, 1]);
        var actual = MaxPooling.Pool2d(data.requires_grad_(true), [3, 3], [2, 2], [1, 1]);
        Assert.Equal(expected.isnan().sum().item<long>(), actual.isnan().sum().item<long>());
        Assert.True(expected.isnan().sum().item<long>() > 0);
    }

    [Fact]
    public void NonContiguousInputTakesThePlainOperator()
    {
        using var scope = NewDisposeScope();
        var data = randn(2, 4, 10, 10).transpose(2, 3);                  // not contiguous
        var expected = nn.functional.max_pool2d(data, [3, 3], [2, 2], [1, 1]);
        Assert.Equal(0.0, (MaxPooling.Pool2d(data, [3, 3], [2, 2], [1, 1]) - expected).abs().max().item<float>());
    }

    /// <summary>Output and input gradient (for a random output gradient) of the plain and the tested pooling.</summary>
    static (Tensor Expected, Tensor ExpectedGrad, Tensor Actual, Tensor ActualGrad) Both(Tensor data, Func<Tensor, Tensor> plain, Func<Tensor, Tensor> tested)
    {
        var a = data.clone().requires_grad_(true);
        var b = data.clone().requires_grad_(true);
        var expected = plain(a);
        var actual = tested(b);
        var grad = randn_like(expected);
        expected.backward([grad]);
        actual.backward([grad]);
        return (expected.detach(), a.grad!, actual.detach(), b.grad!);
    }
}
