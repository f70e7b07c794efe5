using Glossa.Common;
using Glossa.Training;
using static TorchSharp.torch;

namespace Glossa.Tests.Training;

public sealed class WeightAverageTests
{
    /// <summary>A linear layer and a BatchNorm (running statistics and the integer batch counter).</summary>
    static nn.Module<Tensor, Tensor> Net()
    {
        random.manual_seed(3);
        return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2));
    }

    static Dictionary<string, double[]> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(p => p.Key, p => p.Value.to_type(ScalarType.Float64).data<double>().ToArray());

    /// <summary>A training step stand-in: moves every parameter and updates BatchNorm's statistics with a forward pass.</summary>
    static void Step(nn.Module<Tensor, Tensor> net, int i)
    {
        net.train();
        using (no_grad())
        {
            foreach (var p in net.parameters()) p.add_(0.1 * (i + 1));
            using var x = randn(8, 3);
            using var _ = net.call(x);
        }
    }

    [Fact]
    public void The_shadow_is_the_capped_exponential_average_of_every_float_weight_and_copies_the_batch_counter()
    {
        using var net = Net();
        using var average = new WeightAverage(net, epochs: 1, stepsPerEpoch: 4); // d = 1 - 1/4 = 0.75
        var expected = Snapshot(net);
        var counter = new Dictionary<string, double[]>();
        for (int i = 0; i < 6; i++)
        {
            Step(net, i);
            double d = Math.Min(0.75, (1.0 + i) / (10.0 + i)); // the cap binds for the first steps
            Assert.Equal(d, average.DecayAt(i), 12);
            var now = Snapshot(net);
            foreach (var (key, values) in now)
            {
                if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) { expected[key] = values; continue; }
                expected[key] = expected[key].Zip(values, (e, v) => d * e + (1 - d) * v).ToArray();
            }
            average.Update();
        }
        var live = Snapshot(net);
        using (average.Swap())
        {
            var shadow = Snapshot(net);
            Assert.Equal(expected.Keys.Order(), shadow.Keys.Order());
            foreach (var (key, values) in expected)
                for (int j = 0; j < values.Length; j++)
                    Assert.Equal(values[j], shadow[key][j], 5);
            Assert.Equal(6, shadow["1.num_batches_tracked"][0]);
            Assert.NotEqual(live["0.weight"][0], shadow["0.weight"][0], 3);
        }
        // swapped back: the model's own weights, bit for bit
        var after = Snapshot(net);
        foreach (var (key, values) in live) Assert.Equal(values, after[key]);
    }

    [Fact]
    public void Copy_from_model_restarts_the_shadow_at_the_models_weights()
    {
        using var net = Net();
        using var average = new WeightAverage(net, epochs: 2, stepsPerEpoch: 10);
        for (int i = 0; i < 3; i++) { Step(net, i); average.Update(); }
        average.CopyFromModel();
        var live = Snapshot(net);
        using (average.Swap())
        {
            var shadow = Snapshot(net);
            foreach (var (key, values) in live) Assert.Equal(values, shadow[key]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void A_span_that_is_not_positive_is_refused(double epochs)
    {
        using var net = Net();
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeightAverage(net, epochs, 10));
    }

    [Fact]
    public void The_option_is_a_span_of_zero_or_more_epochs_and_off_by_default()
    {
        var o = new TrainingOptions { Model = "tiny-student", Corpus = "c", OutputDir = "r" };
        Assert.Equal(0, o.WeightAverageEpochs); // off unless asked for
        var e = Assert.Throws<GlossaException>(() => (o with { WeightAverageEpochs = -1 }).Validate());
        Assert.StartsWith("WeightAverageEpochs (--weight-average) must be a finite number of epochs >= 0", e.Message);
        Assert.Throws<GlossaException>(() => (o with { WeightAverageEpochs = double.PositiveInfinity }).Validate());
        (o with { WeightAverageEpochs = 0.5 }).Validate();
        Assert.Equal(0, DemoRecipe.Options("c", "r", null, null, 2, 1, "cache").WeightAverageEpochs); // tried in the demo, not kept (tenth pass)
    }
}
