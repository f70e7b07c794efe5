using Glossa.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// torchvision's ResNet-18 with its state-dict keys (<c>conv1.weight</c>, <c>bn1.*</c>,
/// <c>layer{1..4}.{0,1}.conv{1,2}.weight</c>, <c>layer{2..4}.0.downsample.{0,1}.*</c>, <c>fc.*</c>),
/// so torchvision's ImageNet file loads strictly. As a per-frame backbone it returns the globally
/// pooled 512-d features (N, 512). With <c>corrNet</c> it becomes CorrNet's clip backbone: the
/// correlation and identification modules (<c>correlation.{0,1,2}</c>, <c>identification.{0,1,2}</c>)
/// are added residually after stages 2, 3 and 4, and the input is the whole clip (B, 3, T, H, W).
/// A width multiplier scales every stage (64, 128, 256, 512 channels at 1.0) for small experiments.
/// </summary>
public sealed class ResNet18 : Backbone
{
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly Sequential layer1;
    readonly Sequential layer2;
    readonly Sequential layer3;
    readonly Sequential layer4;
    readonly Linear? fc;
    readonly ModuleList<CorrelationModule>? correlation;
    readonly ModuleList<IdentificationModule>? identification;
    readonly int featureDim;

    /// <inheritdoc/>
    public override int FeatureDim => featureDim;
    /// <inheritdoc/>
    public override bool PerFrame => correlation is null;

    /// <summary>True when the CorrNet modules are in (the backbone then reads whole clips).</summary>
    public bool CorrNet => correlation is not null;

    /// <param name="widthMult">Scales the stage widths 64/128/256/512 (1.0 is torchvision's network).</param>
    /// <param name="corrNet">Insert CorrNet's correlation and identification modules after stages 2, 3 and 4.</param>
    /// <param name="imageNetClasses">When positive, also build torchvision's <c>fc</c> head (parity tests, full checkpoints).</param>
    public ResNet18(double widthMult = 1.0, bool corrNet = false, int imageNetClasses = 0) : base(corrNet ? "resnet18_corrnet" : "resnet18")
    {
        int[] widths = [.. new[] { 64, 128, 256, 512 }.Select(c => Math.Max(8, (int)Math.Round(c * widthMult)))];
        conv1 = nn.Conv2d(3, widths[0], 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(widths[0]);
        layer1 = Stage(widths[0], widths[0], 1);
        layer2 = Stage(widths[0], widths[1], 2);
        layer3 = Stage(widths[1], widths[2], 2);
        layer4 = Stage(widths[2], widths[3], 2);
        featureDim = widths[3];
        if (imageNetClasses > 0)
            fc = nn.Linear(featureDim, imageNetClasses);
        if (corrNet)
        {
            correlation = new ModuleList<CorrelationModule>([.. widths[1..].Select(c => new CorrelationModule(c))]);
            identification = new ModuleList<IdentificationModule>([.. widths[1..].Select(c => new IdentificationModule(c))]);
        }
        RegisterComponents();
        InitialiseLikeTorchvision();
    }

    /// <summary>
    /// Per frame: (N, 3, H, W) -> (N, C). With CorrNet: (B, 3, T, H, W) -> (B, C, T) (time kept,
    /// so the temporal stride stays 1).
    /// </summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (correlation is null)
        {
            var map = Stem(x);
            foreach (var stage in new[] { layer1, layer2, layer3, layer4 })
                map = stage.call(map);
            return map.mean([2, 3]).MoveToOuterDisposeScope();                           // (N,C,h,w) -> (N,C)
        }
        long b = x.shape[0], t = x.shape[2];
        var frames = x.permute(0, 2, 1, 3, 4).reshape(b * t, x.shape[1], x.shape[3], x.shape[4]); // (B,3,T,H,W) -> (B*T,3,H,W)
        var y = layer1.call(Stem(frames));
        var stages = new[] { layer2, layer3, layer4 };
        for (int i = 0; i < stages.Length; i++)
        {
            y = stages[i].call(y);                                                        // (B*T,C,h,w)
            var clip = y.reshape(b, t, y.shape[1], y.shape[2], y.shape[3]).permute(0, 2, 1, 3, 4); // -> (B,C,T,h,w)
            clip = clip + correlation[i].call(clip) + identification![i].call(clip);
            y = clip.permute(0, 2, 1, 3, 4).reshape(b * t, y.shape[1], y.shape[2], y.shape[3]); // (B,C,T,h,w) -> (B*T,C,h,w)
        }
        var pooled = y.mean([2, 3]).reshape(b, t, -1).transpose(1, 2);                 // (B*T,C) -> (B,C,T)
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>(N, 3, H, W) -> (N, classes): torchvision's full forward (needs the fc head; per-frame only).</summary>
    public Tensor ImageNetLogits(Tensor x)
    {
        if (fc is null || correlation is not null)
            throw new GlossaException("resnet18: this backbone was built without its ImageNet classifier");
        using var scope = NewDisposeScope();
        return fc.call(forward(x)).MoveToOuterDisposeScope();
    }

    // ReLU and the residual sum run in place, as torchvision's (BatchNorm's backward reads its input,
    // not its output), so a training step allocates and writes two fewer maps per block. The pooling
    // takes libtorch's vectorised channels-last kernel (MaxPooling): same values and gradients, ~4x faster.
    Tensor Stem(Tensor x) =>
        MaxPooling.Pool2d(bn1.call(conv1.call(x)).relu_(), [3, 3], [2, 2], [1, 1]);      // (N,3,H,W) -> (N,C,H/4,W/4)

    static Sequential Stage(int input, int output, int stride) =>
        nn.Sequential(new BasicBlock(input, output, stride), new BasicBlock(output, output, 1));

    void InitialiseLikeTorchvision()
    {
        using var _ = no_grad();
        foreach (var (name, m) in named_modules())
        {
            // The CorrNet modules initialise themselves (their scales start at 0).
            if (name.StartsWith("correlation", StringComparison.Ordinal) || name.StartsWith("identification", StringComparison.Ordinal))
                continue;
            switch (m)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias);
                    break;
            }
        }
    }

    /// <summary>torchvision's BasicBlock: two 3x3 convs with BatchNorm, a 1x1 downsample when the shape changes.</summary>
    sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        readonly Conv2d conv1;
        readonly BatchNorm2d bn1;
        readonly Conv2d conv2;
        readonly BatchNorm2d bn2;
        readonly Sequential? downsample;

        public BasicBlock(int input, int output, int stride) : base(nameof(BasicBlock))
        {
            conv1 = nn.Conv2d(input, output, 3, stride: stride, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(output);
            conv2 = nn.Conv2d(output, output, 3, stride: 1, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(output);
            if (stride != 1 || input != output)
                downsample = nn.Sequential(nn.Conv2d(input, output, 1, stride: stride, bias: false), nn.BatchNorm2d(output));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = bn1.call(conv1.call(x)).relu_();
            y = bn2.call(conv2.call(y));
            var identity = downsample is null ? x : downsample.call(x);
            return y.add_(identity).relu_().MoveToOuterDisposeScope();                  // in place, as torchvision
        }
    }
}
