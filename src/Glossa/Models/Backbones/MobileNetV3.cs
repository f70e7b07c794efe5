using Glossa.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// torchvision's MobileNetV3 (Large or Small) with its state-dict layout (<c>features.0.0.weight</c>,
/// <c>features.4.block.2.fc1.weight</c>, <c>classifier.3.bias</c>, ...), so torchvision ImageNet
/// checkpoints load strictly. As a backbone it returns globally pooled features (N, 960) or (N, 576);
/// the ImageNet classifier is only built when asked for (parity tests, full-model checkpoints).
/// </summary>
public sealed class MobileNetV3 : Backbone
{
    /// <summary>One inverted-residual block of torchvision's table.</summary>
    sealed record BlockSpec(int Input, int Kernel, int Expanded, int Output, bool SqueezeExcite, bool HardSwish, int Stride);

    static readonly BlockSpec[] LargeTable =
    [
        new(16, 3, 16, 16, false, false, 1), new(16, 3, 64, 24, false, false, 2), new(24, 3, 72, 24, false, false, 1),
        new(24, 5, 72, 40, true, false, 2), new(40, 5, 120, 40, true, false, 1), new(40, 5, 120, 40, true, false, 1),
        new(40, 3, 240, 80, false, true, 2), new(80, 3, 200, 80, false, true, 1), new(80, 3, 184, 80, false, true, 1),
        new(80, 3, 184, 80, false, true, 1), new(80, 3, 480, 112, true, true, 1), new(112, 3, 672, 112, true, true, 1),
        new(112, 5, 672, 160, true, true, 2), new(160, 5, 960, 160, true, true, 1), new(160, 5, 960, 160, true, true, 1),
    ];

    static readonly BlockSpec[] SmallTable =
    [
        new(16, 3, 16, 16, true, false, 2), new(16, 3, 72, 24, false, false, 2), new(24, 3, 88, 24, false, false, 1),
        new(24, 5, 96, 40, true, true, 2), new(40, 5, 240, 40, true, true, 1), new(40, 5, 240, 40, true, true, 1),
        new(40, 5, 120, 48, true, true, 1), new(48, 5, 144, 48, true, true, 1), new(48, 5, 288, 96, true, true, 2),
        new(96, 5, 576, 96, true, true, 1), new(96, 5, 576, 96, true, true, 1),
    ];

    // torchvision uses eps 0.001, momentum 0.01 for every BatchNorm of MobileNetV3.
    const double BnEps = 0.001, BnMomentum = 0.01;

    readonly Sequential features;
    readonly Sequential? classifier;
    readonly int featureDim;

    /// <summary>The convolutional layers (<c>features.*</c>), before the global average.</summary>
    internal Sequential Features => features;

    /// <summary>True for MobileNetV3-Large, false for -Small.</summary>
    public bool Large { get; }

    /// <inheritdoc/>
    public override int FeatureDim => featureDim;
    /// <inheritdoc/>
    public override bool PerFrame => true;

    /// <param name="large">Large (True) or Small.</param>
    /// <param name="widthMult">torchvision's width_mult: channels scaled and rounded to multiples of 8.</param>
    /// <param name="imageNetClasses">When positive, also build torchvision's classifier head with this many classes.</param>
    public MobileNetV3(bool large, double widthMult = 1.0, int imageNetClasses = 0) : base(large ? "mobilenet_v3_large" : "mobilenet_v3_small")
    {
        Large = large;
        var table = large ? LargeTable : SmallTable;
        int Adjust(int c) => MakeDivisible(c * widthMult);

        var layers = new List<nn.Module<Tensor, Tensor>>();
        int first = Adjust(table[0].Input);
        layers.Add(ConvBnAct(3, first, 3, 2, 1, Activation.HardSwish));
        foreach (var b in table)
            layers.Add(new InvertedResidual(Adjust(b.Input), b.Kernel, Adjust(b.Expanded), Adjust(b.Output), b.SqueezeExcite, b.HardSwish, b.Stride));
        int lastIn = Adjust(table[^1].Output);
        featureDim = 6 * lastIn;
        layers.Add(ConvBnAct(lastIn, featureDim, 1, 1, 1, Activation.HardSwish));
        features = nn.Sequential(layers);

        if (imageNetClasses > 0)
        {
            int lastChannel = Adjust(large ? 1280 : 1024);
            classifier = nn.Sequential(
                nn.Linear(featureDim, lastChannel), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(lastChannel, imageNetClasses));
        }
        RegisterComponents();
        InitialiseLikeTorchvision();
    }

    /// <summary>(N, 3, H, W) -> (N, C): the features map averaged over space.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var map = features.call(x);                     // (N, C, h, w)
        return map.mean([2, 3]).MoveToOuterDisposeScope(); // (N, C, h, w) -> (N, C)
    }

    /// <summary>(N, 3, H, W) -> (N, classes): torchvision's full forward (needs the classifier head).</summary>
    public Tensor ImageNetLogits(Tensor x)
    {
        if (classifier is null)
            throw new GlossaException("mobilenet_v3: this backbone was built without its ImageNet classifier");
        using var scope = NewDisposeScope();
        return classifier.call(forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's _make_divisible with divisor 8.</summary>
    internal static int MakeDivisible(double v, int divisor = 8)
    {
        int rounded = Math.Max(divisor, (int)(v + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * v)
            rounded += divisor;
        return rounded;
    }

    enum Activation { None, ReLU, HardSwish }

    static Sequential ConvBnAct(int input, int output, int kernel, int stride, int groups, Activation act)
    {
        var conv = nn.Conv2d(input, output, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false);
        if (ChannelsLastDepthwise.Pays(input, output, kernel, groups))
            ChannelsLastDepthwise.Route(conv);      // 5x5 depthwise: oneDNN's NCHW weight gradient is a slow gemm fallback
        var bn = nn.BatchNorm2d(output, eps: BnEps, momentum: BnMomentum);
        return act switch
        {
            Activation.ReLU => nn.Sequential(conv, bn, nn.ReLU(inplace: true)),
            Activation.HardSwish => nn.Sequential(conv, bn, nn.Hardswish(inplace: true)),
            _ => nn.Sequential(conv, bn),
        };
    }

    void InitialiseLikeTorchvision()
    {
        using var _ = no_grad();
        foreach (var (_, m) in named_modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut);
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias);
                    break;
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, 0.01);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
            }
        }
    }

    /// <summary>torchvision's InvertedResidual: expand 1x1, depthwise kxk, optional squeeze-excite, project 1x1.</summary>
    internal sealed class InvertedResidual : nn.Module<Tensor, Tensor>
    {
        readonly Sequential block;
        readonly bool residual;

        /// <summary>expand / depthwise / [squeeze-excite] / project, for the inference path that folds its BatchNorms.</summary>
        internal Sequential Block => block;

        /// <summary>True when the input is added to the block's output.</summary>
        internal bool Residual => residual;

        public InvertedResidual(int input, int kernel, int expanded, int output, bool se, bool hardSwish, int stride) : base(nameof(InvertedResidual))
        {
            residual = stride == 1 && input == output;
            var act = hardSwish ? Activation.HardSwish : Activation.ReLU;
            var layers = new List<nn.Module<Tensor, Tensor>>();
            if (expanded != input)
                layers.Add(ConvBnAct(input, expanded, 1, 1, 1, act));
            layers.Add(ConvBnAct(expanded, expanded, kernel, stride, expanded, act));
            if (se)
                layers.Add(new SqueezeExcitation(expanded, MakeDivisible(expanded / 4)));
            layers.Add(ConvBnAct(expanded, output, 1, 1, 1, Activation.None));
            block = nn.Sequential(layers);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            if (!residual)
                return block.call(x);
            return block.call(x).add_(x);
        }
    }

    /// <summary>torchvision's SqueezeExcitation with ReLU and Hardsigmoid (keys fc1, fc2).</summary>
    internal sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
    {
        readonly Conv2d fc1;
        readonly Conv2d fc2;

        /// <summary>The squeeze (ReLU) and excite (Hardsigmoid) 1x1 convolutions.</summary>
        internal (Conv2d Squeeze, Conv2d Excite) Convolutions => (fc1, fc2);

        public SqueezeExcitation(int channels, int squeeze) : base(nameof(SqueezeExcitation))
        {
            fc1 = nn.Conv2d(channels, squeeze, 1);
            fc2 = nn.Conv2d(squeeze, channels, 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var s = x.mean([2, 3], keepdim: true);  // (N, C, h, w) -> (N, C, 1, 1)
            s = nn.functional.relu(fc1.call(s));
            s = nn.functional.hardsigmoid(fc2.call(s));
            return x.mul(s).MoveToOuterDisposeScope();
        }
    }
}
