using Glossa.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Tests.Training;

public sealed class NonFiniteProbeTests
{
    sealed class Block : nn.Module<Tensor, Tensor>
    {
        readonly nn.Module<Tensor, Tensor> stem, body;
        readonly TorchSharp.Modules.LSTM lstm;
        readonly nn.Module<Tensor, Tensor> head;
        public Block() : base("block")
        {
            stem = nn.Sequential(nn.Linear(4, 8), nn.ReLU());
            body = nn.Sequential(nn.Linear(8, 8), nn.Tanh());
            lstm = nn.LSTM(8, 4, batchFirst: true);
            head = nn.Linear(4, 3);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x)
        {
            var h = body.call(stem.call(x));   // (B,T,4) -> (B,T,8)
            var (o, _, _) = lstm.call(h);      // (B,T,8) -> (B,T,4)
            return head.call(o);               // (B,T,4) -> (B,T,3)
        }
    }

    [Fact]
    public void Names_the_first_module_with_a_non_finite_output()
    {
        using var model = new Block();
        using var x = torch.randn(2, 5, 4);
        Assert.Null(NonFiniteProbe.Locate(model, () => model.call(x).Dispose()));

        using (no_grad())
            model.named_parameters().Single(p => p.name == "body.0.weight").parameter[3, 2] = float.NaN;
        using var probe = new NonFiniteProbe(model);
        Assert.True(probe.HookedModules >= 7);
        using (no_grad()) model.call(x).Dispose();
        Assert.Equal("body.0", probe.FirstModule); // not body, lstm or head, which only pass the NaN on
        Assert.Equal(["body.0.weight"], NonFiniteProbe.NonFiniteParameters(model));

        probe.Dispose();
        using (no_grad()) model.call(x).Dispose();
        Assert.Equal("body.0", probe.FirstModule); // hooks removed: nothing new recorded
        probe.Reset();
        using (no_grad()) model.call(x).Dispose();
        Assert.Null(probe.FirstModule);
    }

    [Fact]
    public void Catches_a_nan_made_inside_the_recurrent_layer()
    {
        using var model = new Block();
        using (no_grad())
            model.named_parameters().Single(p => p.name.StartsWith("lstm.") && p.name.Contains("weight_hh")).parameter[0, 0] = float.PositiveInfinity;
        using var x = torch.randn(2, 5, 4);
        Assert.Equal("lstm", NonFiniteProbe.Locate(model, () => model.call(x).Dispose()));
    }
}
