using Glossa.Corpora;
using Glossa.Decoding;
using Glossa.Frames;
using Glossa.Models.Inference;
using Glossa.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// A checkpoint turned into a ready model: rebuilt from its configuration, weights loaded, on a
/// device, in eval mode, with its vocabulary and the evaluation frame transform it was validated
/// with. Evaluation, recognition, the distillation teacher and the doctor's checkpoint diagnosis
/// all load checkpoints through it. <see cref="LogProbs"/> runs the chosen <see cref="Engine"/>:
/// ONNX Runtime on an in-memory export, or the fused eval path (<see cref="Fast"/>,
/// <see cref="FusedModel"/>: BatchNorm folded, NCHW, inference mode) in the <see cref="Precision"/>
/// asked for; <see cref="Model"/> stays the plain network.
/// </summary>
public sealed class CheckpointModel : IDisposable
{
    /// <summary>The network, in eval mode.</summary>
    public CslrModel Model { get; }
    /// <summary>The checkpoint's vocabulary (index = class id, 0 = blank).</summary>
    public Vocabulary Vocabulary { get; }
    /// <summary>The evaluation transform (resize, centre crop, frame cap) of the run that wrote the checkpoint.</summary>
    public FrameOptions Frames { get; }
    /// <summary>The checkpoint directory, absolute.</summary>
    public string Checkpoint { get; }
    /// <summary>Where the model runs.</summary>
    public Device Device { get; }
    /// <summary>Arithmetic of the fused path's backbone (checked against the hardware at load).</summary>
    public InferencePrecision Precision { get; }
    /// <summary>What runs <see cref="LogProbs"/>: <see cref="InferenceEngine.Torch"/> (the fused path) or <see cref="InferenceEngine.Onnx"/> (ONNX Runtime).</summary>
    public InferenceEngine Engine { get; }

    FusedModel? fast;
    OnnxModel? onnx;

    CheckpointModel(CslrModel model, Vocabulary vocabulary, FrameOptions frames, string checkpoint, Device device, InferencePrecision precision, InferenceEngine engine)
    {
        Precision = precision;
        Engine = engine;
        Model = model;
        Vocabulary = vocabulary;
        Frames = frames;
        Checkpoint = checkpoint;
        Device = device;
    }

    /// <summary>
    /// Loads a checkpoint directory (e.g. RUN/best) onto <paramref name="device"/>. A
    /// <paramref name="precision"/> the hardware cannot run (bf16 without avx512_bf16/AMX or CUDA)
    /// is refused here, with one line, before the weights are read. <paramref name="engine"/> chooses
    /// what runs <see cref="LogProbs"/> (<see cref="EngineSelection.Resolve"/>); the default keeps
    /// the fused TorchSharp path (the distillation teacher and the doctor use <see cref="Model"/> only).
    /// </summary>
    public static CheckpointModel Load(string checkpoint, Device device, InferencePrecision precision = InferencePrecision.Fp32,
        InferenceEngine engine = InferenceEngine.Torch)
    {
        PrecisionSupport.Require(precision, device);
        checkpoint = Path.GetFullPath(checkpoint.TrimEnd('/'));
        var config = ModelCheckpoint.ReadConfig(checkpoint);
        var vocabulary = ModelCheckpoint.ReadVocabulary(checkpoint);
        if (config.NumClasses != vocabulary.Count)
            throw new Common.GlossaException($"{checkpoint}: {ModelCheckpoint.ModelConfigFile} has {config.NumClasses} classes but {ModelCheckpoint.VocabularyFile} {vocabulary.Count}; the checkpoint is inconsistent");
        var frames = ModelCheckpoint.ReadEvalFrames(checkpoint, config.FrameSize);
        engine = EngineSelection.Resolve(engine, config, device, precision);
        var model = ModelCheckpoint.LoadModel(checkpoint);
        model.to(device);
        model.eval();
        var loaded = new CheckpointModel(model, vocabulary, frames, checkpoint, device, precision, engine);
        try
        {
            if (engine == InferenceEngine.Onnx)
                loaded.onnx = OnnxModel.FromModel(model, get_num_threads());
            else if (precision != InferencePrecision.Fp32)
                _ = loaded.Fast;                             // a backbone bf16 cannot run on fails now, not at the first clip
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
        return loaded;
    }

    /// <summary>Turns off gradients of every parameter (a frozen teacher).</summary>
    public void Freeze()
    {
        foreach (var p in Model.parameters())
            p.requires_grad = false;
    }

    /// <summary>The fused eval path of <see cref="Model"/> (built on first use: the teacher and the doctor's diagnosis use <see cref="Model"/> only).</summary>
    public FusedModel Fast => fast ??= FusedModel.Create(Model, Precision);

    /// <summary>
    /// Log-probabilities of a batch (frames (B,T,3,H,W), lengths (B)) through the <see cref="Engine"/>
    /// (ONNX Runtime one clip at a time, or the fused path), on the CPU for decoding.
    /// </summary>
    public LogProbBatch LogProbs(Tensor frames, Tensor lengths)
    {
        if (onnx is not null)
            return onnx.LogProbs(frames, lengths, Model.ComputeOutputLength);
        var fast = Fast;                                     // built outside the step's dispose scope
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        var output = fast.Forward(frames.to(Device), lengths.to(Device));
        return ToBatch(nn.functional.log_softmax(output.Logits, dim: -1), output.Lengths); // (B,T',C)
    }

    /// <summary>Copies (B,T',C) log-probabilities and (B) valid lengths to a <see cref="LogProbBatch"/>.</summary>
    public static LogProbBatch ToBatch(Tensor logProbs, Tensor lengths)
    {
        using var cpu = logProbs.detach().cpu().contiguous();
        using var lens = lengths.cpu().to_type(ScalarType.Int32);
        return new LogProbBatch(cpu.data<float>().ToArray(), lens.data<int>().ToArray(), (int)cpu.shape[1], (int)cpu.shape[2]);
    }

    public void Dispose()
    {
        fast?.Dispose();
        onnx?.Dispose();
        Model.Dispose();
    }
}
