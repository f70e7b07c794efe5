using Glossa.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Models.Backbones;

/// <summary>
/// The I3D network in pytorch-i3d's InceptionI3d layout (keys <c>Conv3d_1a_7x7.conv3d.weight</c>,
/// <c>Mixed_3b.b1a.bn.running_var</c>, <c>logits.conv3d.bias</c>), so rgb_imagenet.pt and
/// rgb_charades.pt load into it. Convolutions and max-pools use TensorFlow "SAME" padding, so each
/// strided layer maps T frames to ceil(T / s). The published network strides 8 in time
/// (Conv3d_1a, MaxPool3d_4a, MaxPool3d_5a); with a temporal stride of 4 MaxPool3d_5a keeps time,
/// with 2 MaxPool3d_4a does too. Pools have no parameters, so the stride never changes the weights.
/// As a backbone it returns features averaged over space: (B, 3, T, H, W) -> (B, C, T').
/// </summary>
public sealed class InceptionI3d : Backbone
{
    // pytorch-i3d uses eps 0.001, momentum 0.01 for every BatchNorm3d.
    const double BnEps = 0.001, BnMomentum = 0.01;

    /// <summary>The blocks in order, with their names (state-dict prefixes).</summary>
    static readonly string[] Endpoints =
    [
        "Conv3d_1a_7x7", "MaxPool3d_2a_3x3", "Conv3d_2b_1x1", "Conv3d_2c_3x3", "MaxPool3d_3a_3x3",
        "Mixed_3b", "Mixed_3c", "MaxPool3d_4a_3x3", "Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e", "Mixed_4f",
        "MaxPool3d_5a_2x2", "Mixed_5b", "Mixed_5c",
    ];

    readonly List<(string Name, nn.Module<Tensor, Tensor> Module)> blocks = [];
    readonly int featureDim;
    readonly int[] temporalStrides;

    /// <summary>Name of the last block run.</summary>
    public string FinalEndpoint { get; }

    /// <inheritdoc/>
    public override int FeatureDim => featureDim;
    /// <inheritdoc/>
    public override bool PerFrame => false;
    /// <inheritdoc/>
    public override int TemporalStride => temporalStrides.Aggregate(1, (a, s) => a * s);

    /// <param name="temporalStride">8 (published), 4 or 2.</param>
    /// <param name="finalEndpoint">Mixed_5c (1024-d) or Mixed_4f (832-d).</param>
    /// <param name="logitClasses">When positive, also build pytorch-i3d's <c>logits</c> 1x1x1 conv (400 for Kinetics/ImageNet checkpoints, 157 for Charades).</param>
    /// <param name="inChannels">Input channels (3 for RGB).</param>
    public InceptionI3d(int temporalStride = 4, string finalEndpoint = "Mixed_5c", int logitClasses = 0, int inChannels = 3) : base("i3d")
    {
        int last = Array.IndexOf(Endpoints, finalEndpoint);
        if (last < 0)
            throw new GlossaException($"i3d: final endpoint '{finalEndpoint}' is unknown; use one of {string.Join(", ", Endpoints)}");
        if (temporalStride is not (2 or 4 or 8) || (temporalStride == 8 && last < Array.IndexOf(Endpoints, "MaxPool3d_5a_2x2")))
            throw new GlossaException($"i3d: temporal stride {temporalStride} is not available with final endpoint {finalEndpoint}");
        FinalEndpoint = finalEndpoint;
        long pool4aT = temporalStride >= 4 ? 2 : 1, pool5aT = temporalStride == 8 ? 2 : 1;

        var all = new nn.Module<Tensor, Tensor>[]
        {
            new Unit3D(inChannels, 64, [7, 7, 7], [2, 2, 2]),
            new SamePadMaxPool3d([1, 3, 3], [1, 2, 2]),
            new Unit3D(64, 64, [1, 1, 1]),
            new Unit3D(64, 192, [3, 3, 3]),
            new SamePadMaxPool3d([1, 3, 3], [1, 2, 2]),
            new InceptionModule(192, [64, 96, 128, 16, 32, 32]),
            new InceptionModule(256, [128, 128, 192, 32, 96, 64]),
            new SamePadMaxPool3d([3, 3, 3], [pool4aT, 2, 2]),
            new InceptionModule(480, [192, 96, 208, 16, 48, 64]),
            new InceptionModule(512, [160, 112, 224, 24, 64, 64]),
            new InceptionModule(512, [128, 128, 256, 24, 64, 64]),
            new InceptionModule(512, [112, 144, 288, 32, 64, 64]),
            new InceptionModule(528, [256, 160, 320, 32, 128, 128]),
            new SamePadMaxPool3d([2, 2, 2], [pool5aT, 2, 2]),
            new InceptionModule(832, [256, 160, 320, 32, 128, 128]),
            new InceptionModule(832, [384, 192, 384, 48, 128, 128]),
        };
        int[] channels = [64, 64, 64, 192, 192, 256, 480, 480, 512, 512, 512, 528, 832, 832, 832, 1024];
        int[] strides = [2, 1, 1, 1, 1, 1, 1, (int)pool4aT, 1, 1, 1, 1, 1, (int)pool5aT, 1, 1];
        for (int i = 0; i <= last; i++)
        {
            blocks.Add((Endpoints[i], all[i]));
            register_module(Endpoints[i], all[i]);
        }
        for (int i = last + 1; i < all.Length; i++)
            all[i].Dispose();
        featureDim = channels[last];
        temporalStrides = strides[..(last + 1)];
        if (logitClasses > 0)
        {
            // Only so pytorch-i3d checkpoints load strictly (their logits.* keys); recognition uses the features.
            register_module("logits", new Unit3D(featureDim, logitClasses, [1, 1, 1], activation: false, batchNorm: false, bias: true));
        }
    }

    /// <summary>Output frames: each strided layer maps T to ceil(T / s) ("SAME" padding).</summary>
    public override long OutputLength(long frames)
    {
        foreach (int s in temporalStrides)
            frames = (frames + s - 1) / s;
        return frames;
    }

    /// <summary>(B, 3, T, H, W) -> (B, C, T', h, w): the last block's output before pooling.</summary>
    public Tensor FeatureMap(Tensor x)
    {
        using var scope = NewDisposeScope();
        foreach (var (_, block) in blocks)
            x = block.call(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>(B, 3, T, H, W) -> (B, C, T'): features averaged over space.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return FeatureMap(x).mean([3, 4]).MoveToOuterDisposeScope(); // (B, C, T', h, w) -> (B, C, T')
    }

    /// <summary>TensorFlow "SAME" padding for one dimension, split front/back like pytorch-i3d.</summary>
    static (long Front, long Back) SamePad(long size, long kernel, long stride)
    {
        long pad = size % stride == 0 ? Math.Max(kernel - stride, 0) : Math.Max(kernel - size % stride, 0);
        return (pad / 2, pad - pad / 2);
    }

    static Tensor PadSame(Tensor x, long[] kernel, long[] stride)
    {
        var (tf, tb) = SamePad(x.shape[2], kernel[0], stride[0]);
        var (hf, hb) = SamePad(x.shape[3], kernel[1], stride[1]);
        var (wf, wb) = SamePad(x.shape[4], kernel[2], stride[2]);
        if (tf + tb + hf + hb + wf + wb == 0)
            return x.alias();
        return nn.functional.pad(x, [wf, wb, hf, hb, tf, tb]);
    }

    /// <summary>pytorch-i3d's Unit3D: SAME-padded Conv3d, optional BatchNorm3d (key <c>bn</c>) and ReLU.</summary>
    sealed class Unit3D : nn.Module<Tensor, Tensor>
    {
        readonly Conv3d conv3d;
        readonly BatchNorm3d? bn;
        readonly long[] kernel, stride;
        readonly bool activation;

        public Unit3D(int input, int output, long[] kernel, long[]? stride = null, bool activation = true, bool batchNorm = true, bool bias = false)
            : base(nameof(Unit3D))
        {
            this.kernel = kernel;
            this.stride = stride ?? [1, 1, 1];
            this.activation = activation;
            conv3d = nn.Conv3d(input, output, (kernel[0], kernel[1], kernel[2]), stride: (this.stride[0], this.stride[1], this.stride[2]), bias: bias);
            if (batchNorm)
                bn = nn.BatchNorm3d(output, eps: BnEps, momentum: BnMomentum);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = conv3d.call(PadSame(x, kernel, stride));
            if (bn is not null)
                y = bn.call(y);
            if (activation)
                y = y.relu_();   // in place: neither BatchNorm's nor the convolution's backward reads its output
            return y.MoveToOuterDisposeScope();
        }
    }

    /// <summary>pytorch-i3d's MaxPool3dSamePadding (no parameters).</summary>
    sealed class SamePadMaxPool3d : nn.Module<Tensor, Tensor>
    {
        readonly long[] kernel, stride;

        public SamePadMaxPool3d(long[] kernel, long[] stride) : base(nameof(SamePadMaxPool3d))
        {
            this.kernel = kernel;
            this.stride = stride;
        }

        public override Tensor forward(Tensor x)
        {
            using var padded = PadSame(x, kernel, stride);
            return MaxPooling.Pool3d(padded, kernel, stride, [0, 0, 0]);
        }
    }

    /// <summary>pytorch-i3d's InceptionModule: branches b0, b1a-b1b, b2a-b2b, b3a(pool)-b3b concatenated on channels.</summary>
    sealed class InceptionModule : nn.Module<Tensor, Tensor>
    {
        readonly Unit3D b0, b1a, b1b, b2a, b2b, b3b;
        readonly SamePadMaxPool3d b3a;

        public InceptionModule(int input, int[] c) : base(nameof(InceptionModule))
        {
            b0 = new Unit3D(input, c[0], [1, 1, 1]);
            b1a = new Unit3D(input, c[1], [1, 1, 1]);
            b1b = new Unit3D(c[1], c[2], [3, 3, 3]);
            b2a = new Unit3D(input, c[3], [1, 1, 1]);
            b2b = new Unit3D(c[3], c[4], [3, 3, 3]);
            b3a = new SamePadMaxPool3d([3, 3, 3], [1, 1, 1]);
            b3b = new Unit3D(input, c[5], [1, 1, 1]);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = cat([b0.call(x), b1b.call(b1a.call(x)), b2b.call(b2a.call(x)), b3b.call(b3a.call(x))], 1);
            return y.MoveToOuterDisposeScope();
        }
    }
}
