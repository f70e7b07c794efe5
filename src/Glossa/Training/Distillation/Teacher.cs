using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Training.Distillation;

/// <summary>
/// A frozen teacher: the model of a training checkpoint, rebuilt from the configuration it
/// carries, in eval mode (dropout off, BatchNorm on its running statistics), every parameter
/// with <c>requires_grad = false</c>, and only ever run under <c>no_grad</c>. When the student is
/// trained on a different frame size, each batch is resized for the teacher on the fly
/// (bilinear), so both always see the same clip.
/// </summary>
public sealed class Teacher : IDisposable
{
    /// <summary>The teacher network.</summary>
    public CslrModel Model { get; }
    /// <summary>The vocabulary stored with the checkpoint.</summary>
    public Vocabulary Vocabulary { get; }
    /// <summary>The checkpoint directory (absolute).</summary>
    public string Checkpoint { get; }
    /// <summary>Square frame side the teacher was trained on.</summary>
    public int FrameSize { get; }
    /// <summary>Number of parameters.</summary>
    public long Parameters { get; }

    Teacher(CslrModel model, Vocabulary vocabulary, string checkpoint, int frameSize)
    {
        Model = model;
        Vocabulary = vocabulary;
        Checkpoint = checkpoint;
        FrameSize = frameSize;
        Parameters = model.parameters().Sum(p => p.numel());
    }

    /// <summary>Loads a checkpoint (e.g. <c>TEACHER_RUN/best</c>) as a frozen teacher on <paramref name="device"/>.</summary>
    public static Teacher Load(string checkpoint, Device device)
    {
        var inference = CheckpointModel.Load(checkpoint, device);
        inference.Freeze();
        return new Teacher(inference.Model, inference.Vocabulary, inference.Checkpoint, inference.Model.Config.FrameSize);
    }

    /// <summary>
    /// Throws a one-line error unless the teacher's classes are the student's: same size and the
    /// same gloss at every index (the distillation target is matched class by class).
    /// </summary>
    public void RequireVocabulary(Vocabulary student, string studentSource) => RequireSameClasses(Vocabulary, Checkpoint, student, studentSource);

    /// <summary>
    /// <see cref="RequireVocabulary"/> without loading the teacher's model (what <c>distill --dry-run</c> checks):
    /// <paramref name="teacher"/> is the vocabulary stored with the checkpoint <paramref name="checkpoint"/>.
    /// </summary>
    public static void RequireSameClasses(Vocabulary teacher, string checkpoint, Vocabulary student, string studentSource)
    {
        if (teacher.Count != student.Count)
            throw new GlossaException($"{checkpoint}: the teacher has {teacher.Count} classes but the student's vocabulary ({studentSource}) has {student.Count}; distil on the corpus the teacher was trained on");
        for (int i = 0; i < student.Count; i++)
            if (!string.Equals(teacher.Tokens[i], student.Tokens[i], StringComparison.Ordinal))
                throw new GlossaException($"{checkpoint}: class {i} is '{teacher.Tokens[i]}' for the teacher but '{student.Tokens[i]}' for the student ({studentSource}); both have {student.Count} classes but differ in order, distil on the corpus the teacher was trained on");
    }

    /// <summary>
    /// The teacher's log-posteriors for a batch, without gradients.
    /// </summary>
    /// <param name="frames">(B,T,3,H,W) the student's batch (any square side; resized to <see cref="FrameSize"/> if needed).</param>
    /// <param name="lengths">(B) int64 valid frames.</param>
    /// <returns>(B,T_t,C) log-probabilities and the valid teacher frames per clip.</returns>
    public (Tensor LogProbs, long[] Lengths) Posteriors(Tensor frames, Tensor lengths)
    {
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        var input = Resize(frames, FrameSize);
        var output = Model.call(input, lengths);
        var logProbs = nn.functional.log_softmax(output.Logits, dim: -1); // (B,T_t,C)
        long[] lens = output.Lengths.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        return (logProbs.MoveToOuterDisposeScope(), lens);
    }

    /// <summary>Bilinear resize of every frame of (B,T,3,H,W) to (B,T,3,side,side); the input itself when it already has that size.</summary>
    public static Tensor Resize(Tensor frames, int side)
    {
        if (frames.shape[3] == side && frames.shape[4] == side)
            return frames.alias();
        long b = frames.shape[0], t = frames.shape[1];
        var flat = frames.reshape(b * t, 3, frames.shape[3], frames.shape[4]);                      // (B,T,3,H,W) -> (B*T,3,H,W)
        var resized = nn.functional.interpolate(flat, size: [side, side], mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.reshape(b, t, 3, side, side);                                               // (B*T,3,s,s) -> (B,T,3,s,s)
    }

    public void Dispose() => Model.Dispose();
}
