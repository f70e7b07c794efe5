using Glossa.Models.Temporal;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

/// <summary>CPU LSTM inference agrees with a float64 LSTM at the hidden sizes oneDNN 3.7.1's AVX-512 inference kernel gets wrong.</summary>
public class RecurrentKernelTests
{
    [Theory]
    [InlineData(16, 16)]
    [InlineData(64, 8)]
    [InlineData(256, 48)]
    [InlineData(64, 128)]
    public void InferenceMatchesFloat64(int inputDim, int hidden)
    {
        manual_seed(3);
        using var lstm = nn.LSTM(inputDim, hidden, numLayers: 2, batchFirst: true, bidirectional: true);
        using var reference = nn.LSTM(inputDim, hidden, numLayers: 2, batchFirst: true, bidirectional: true);
        reference.load_state_dict(lstm.state_dict());
        reference.to(float64);
        lstm.eval();
        reference.eval();
        using var _ = no_grad();
        using var x = rand(2, 30, inputDim).mul_(2).sub_(1);                 // (B,T,D)
        using var expected = reference.call(x.to(float64)).Item1;             // (B,T,2H)
        using var actual = RecurrentKernel.Run(x.device, () => lstm.call(x).Item1);
        double diff = (actual.to(float64) - expected).abs().max().item<double>();
        Assert.True(diff < 1e-5, $"LSTM {inputDim}->{hidden}: max |diff| {diff:E2} against float64");
        Assert.True(RecurrentKernel.Available, "libtorch_cpu exports at::Context::setUserEnabledMkldnn");
    }

    [Fact]
    public void TrainingPathIsLeftAlone()
    {
        int calls = 0;
        bool? enabledInside = null;
        using var x = ones(1);
        RecurrentKernel.Run(x.device, () => { calls++; enabledInside = is_grad_enabled(); return 0; });
        Assert.Equal(1, calls);
        Assert.True(enabledInside);
    }
}
