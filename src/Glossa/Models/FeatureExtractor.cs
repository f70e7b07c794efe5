using Glossa.Common;
using Glossa.Corpora;
using Glossa.Frames;
using Glossa.Models.Backbones;
using Glossa.Models.Inference;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// Pre-extracts frozen-backbone features: decodes each clip (resize, centre crop, normalise as the
/// backbone expects), runs the backbone in eval mode and returns (T', C) float32 per video, T' = T
/// for per-frame backbones and ceil(T / stride) for I3D. Per-frame backbones run in chunks of
/// <see cref="ChunkFrames"/> frames to bound memory on long videos, on the inference path
/// (<see cref="InferenceBackbone"/>: BatchNorm folded, NCHW, fp32 or bf16).
/// </summary>
public sealed class FeatureExtractor : IDisposable
{
    readonly Backbone backbone;
    InferenceBackbone? fast;

    /// <summary>Frame preparation (resize, crop, mean/std) used for every clip.</summary>
    public FrameOptions Frames { get; }

    /// <summary>Frames per backbone call for per-frame backbones.</summary>
    public int ChunkFrames { get; init; } = 64;

    /// <summary>The backbone, for its feature width and stride.</summary>
    public Backbone Backbone => backbone;

    /// <summary>Arithmetic of the backbone (bf16 is refused where the CPU lacks it, when the first clip runs or by <see cref="Prepare"/>).</summary>
    public InferencePrecision Precision { get; private init; } = InferencePrecision.Fp32;

    /// <summary>True when each clip is normalised over time before the backbone (a checkpoint whose model has input_norm clip).</summary>
    public bool ClipNormalised { get; private init; }

    /// <summary>The backbone weights' <see cref="WeightIO.Fingerprint"/>, recorded in a feature store's index.</summary>
    public string WeightsFingerprint { get; private init; } = "";

    /// <summary>The load report of the weights, or null when built from a Glossa checkpoint.</summary>
    public LoadReport? Report { get; }

    FeatureExtractor(Backbone backbone, FrameOptions frames, LoadReport? report)
    {
        this.backbone = backbone;
        Frames = frames.Validate();
        Report = report;
        backbone.eval();
    }

    /// <summary>
    /// Builds <paramref name="backboneName"/> (mobilenet_v3_large, mobilenet_v3_small or i3d) and
    /// loads <paramref name="weightsPath"/>: a torchvision / pytorch-i3d state dict (classifier keys
    /// are ignored) or a Glossa checkpoint (its backbone is used). Throws when no backbone key matches.
    /// </summary>
    public static FeatureExtractor Create(string backboneName, string weightsPath, int size, int i3dStride = 4, InferencePrecision precision = InferencePrecision.Fp32)
    {
        if (size < 32)
            throw new GlossaException($"features: frame size {size} must be at least 32");
        LibTorchDefaults.Apply(); // NNPACK off, as for a whole model (a backbone alone printed 40 NNPACK warnings)
        Backbone backbone = backboneName switch
        {
            ModelConfig.MobileNetV3Large => new MobileNetV3(large: true),
            ModelConfig.MobileNetV3Small => new MobileNetV3(large: false),
            ModelConfig.I3d => new InceptionI3d(i3dStride),
            _ => throw new GlossaException($"features: backbone '{backboneName}' is unknown; use mobilenet_v3_large, mobilenet_v3_small or i3d"),
        };
        bool checkpoint = Directory.Exists(weightsPath);
        var state = checkpoint ? CheckpointState(weightsPath) : WeightIO.ReadStateDict(weightsPath);
        LoadReport report;
        string fingerprint;
        try
        {
            // A whole recogniser (a Glossa checkpoint folder, an exported .pt/.safetensors of one) keeps its backbone under
            // "backbone."; other prefixes (encoder., model.) are removed the same way.
            var (source, _) = WeightIO.FitPrefix(state, backbone);
            report = WeightIO.LoadStateDict(backbone, source, strict: false, source: weightsPath);
            fingerprint = WeightIO.Fingerprint(backbone.state_dict());
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        if (report.Loaded.Count == 0 || report.Missing.Count > 0 || report.ShapeMismatches.Count > 0)
            throw new GlossaException($"{weightsPath}: does not fit the {backboneName} backbone ({report.Describe()}); pass weights of that backbone");
        var (mean, std, clipNorm) = checkpoint ? CheckpointNormalisation(weightsPath)
            // ImageNet statistics for torchvision's MobileNetV3; [-1, 1] for I3D (pytorch-i3d's convention).
            : (backbone.PerFrame ? [0.485, 0.456, 0.406] : [0.5, 0.5, 0.5], backbone.PerFrame ? [0.229, 0.224, 0.225] : [0.5, 0.5, 0.5], false);
        var frames = FrameOptions.Square(size * 256 / 224, size) with
        {
            FlipProbability = 0, TemporalRescale = 0,
            Mean = mean,
            Std = std,
        };
        return new FeatureExtractor(backbone, frames, report) { Precision = precision, ClipNormalised = clipNorm, WeightsFingerprint = fingerprint };
    }

    /// <summary>
    /// A Glossa checkpoint's own input normalisation: the mean/std its run fed the model (x/127.5-1 by default, not
    /// ImageNet's), and whether its model normalises each clip (input_norm clip), so its backbone sees what it was trained on.
    /// </summary>
    static (IReadOnlyList<double> Mean, IReadOnlyList<double> Std, bool Clip) CheckpointNormalisation(string checkpoint)
    {
        string path = Path.GetFullPath(checkpoint.TrimEnd('/'));
        var config = ModelCheckpoint.ReadConfig(path);
        var frames = ModelCheckpoint.ReadEvalFrames(path, config.FrameSize);
        return (frames.Mean, frames.Std, config.InputNorm == ModelConfig.InputNormClip);
    }

    /// <summary>The weights of a Glossa checkpoint folder (RUN/best, RUN/last, checkpoints/epoch...), copied out of its model.</summary>
    static Dictionary<string, Tensor> CheckpointState(string checkpoint)
    {
        using var model = ModelCheckpoint.LoadModel(Path.GetFullPath(checkpoint.TrimEnd('/')));
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);
        try { WeightIO.RequireFinite(state, checkpoint); }
        catch { foreach (var t in state.Values) t.Dispose(); throw; }
        return state;
    }

    /// <summary>Features of one sample: (T', C) values and the number of decoded frames.</summary>
    public (float[] Data, long Rows, long Cols, int Frames) Extract(Sample sample, CancellationToken ct = default)
    {
        var clip = FrameSource.For(sample).Decode(Frames.ResizeWidth, Frames.ResizeHeight, null, ct);
        if (clip.Length == 0)
            throw new GlossaException($"{sample.Source}: sample '{sample.Id}' has no frames");
        var rng = ClipRandom.For(0, 0, 0);
        int[] indices = ClipTransform.FrameIndices(clip.Length, Frames, FrameMode.Eval, ref rng);
        int h = Frames.CropHeight, w = Frames.CropWidth;
        var pixels = new float[(long)indices.Length * 3 * h * w];
        ClipTransform.Apply(clip, indices, ClipAugmentation.Centre(Frames), Frames, pixels);
        var runner = Prepare();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(pixels, [indices.Length, 3, h, w]);                          // (T,3,H,W)
        if (ClipNormalised)
            input = ClipNormalization.Apply(input.unsqueeze(0), [indices.Length])[0];      // (T,3,H,W) -> (1,T,3,H,W) -> (T,3,H,W)
        Tensor features;
        if (backbone.PerFrame)
        {
            var parts = new List<Tensor>();
            for (int start = 0; start < indices.Length; start += ChunkFrames)
                parts.Add(runner.Forward(input[start..Math.Min(indices.Length, start + ChunkFrames)])); // (chunk,C)
            features = cat(parts, 0);                                                     // (T,C)
        }
        else
        {
            features = runner.Forward(input.permute(1, 0, 2, 3).unsqueeze(0))[0].transpose(0, 1); // (T,3,H,W) -> (1,3,T,H,W) -> (C,T') -> (T',C)
        }
        features = features.contiguous();
        return (features.data<float>().ToArray(), features.shape[0], features.shape[1], indices.Length);
    }

    /// <summary>Builds the inference form of the backbone once (throws the one-line bf16 refusal where it cannot run).</summary>
    public InferenceBackbone Prepare() => fast ??= InferenceBackbone.Create(backbone, Precision);

    public void Dispose()
    {
        fast?.Dispose();
        backbone.Dispose();
    }
}
