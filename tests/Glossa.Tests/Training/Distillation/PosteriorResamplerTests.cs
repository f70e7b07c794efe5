using Glossa.Training.Distillation;
using static TorchSharp.torch;

namespace Glossa.Tests.Training.Distillation;

public sealed class PosteriorResamplerTests
{
    static readonly double[] Dist = [0.5, 0.2, 0.1, 0.15, 0.05];

    static Tensor Constant(long b, long t) =>
        tensor(Dist, dtype: ScalarType.Float32).reshape(1, 1, 5).expand(b, t, 5).contiguous(); // (B,T,C)

    [Theory]
    [InlineData(7, 3)]
    [InlineData(3, 10)]
    [InlineData(1, 6)]
    [InlineData(9, 1)]
    public void A_constant_posterior_stays_constant(long teacherLength, long studentLength)
    {
        using var scope = NewDisposeScope();
        var probs = Constant(2, 10);
        var output = PosteriorResampler.Resample(probs, [teacherLength, 10], [studentLength, 4], 12);
        Assert.Equal([2L, 12L, 5L], output.shape);
        var values = output.data<float>().ToArray();
        for (int row = 0; row < 2 * 12; row++)
            for (int c = 0; c < 5; c++)
                Assert.Equal(Dist[c], values[row * 5 + c], 1e-6);
    }

    [Fact]
    public void Equal_lengths_are_the_identity_even_with_different_padding()
    {
        using var scope = NewDisposeScope();
        var probs = nn.functional.softmax(randn(2, 6, 4), -1);
        var same = PosteriorResampler.Resample(probs, [6, 4], [6, 4], 6);
        Assert.True(same.allclose(probs, rtol: 0, atol: 0));
        var longer = PosteriorResampler.Resample(probs, [6, 4], [6, 4], 8); // student padded to 8 frames
        Assert.True(longer.narrow(1, 0, 6)[0].allclose(probs[0], rtol: 1e-6, atol: 1e-7));
        Assert.True(longer.narrow(1, 0, 4)[1].allclose(probs[1].narrow(0, 0, 4), rtol: 1e-6, atol: 1e-7));
    }

    [Fact]
    public void Frame_centres_are_matched_linearly()
    {
        using var scope = NewDisposeScope();
        // Teacher: 4 frames whose class-1 probability is 0, 1/3, 2/3, 1 (a ramp in time).
        var ramp = new float[] { 1, 0, 2f / 3, 1f / 3, 1f / 3, 2f / 3, 0, 1 };
        var probs = tensor(ramp).reshape(1, 4, 2);
        var output = PosteriorResampler.Resample(probs, [4], [2], 2).data<float>().ToArray();
        // Student frame s sits at teacher position (s + 0.5) * 4 / 2 - 0.5 = 0.5 and 2.5.
        Assert.Equal(1 / 6.0, output[1], 1e-6);
        Assert.Equal(5 / 6.0, output[3], 1e-6);
        Assert.Equal(1.0, output[0] + output[1], 1e-6);
    }
}
