using System.Diagnostics;
using Glossa.Frames;
using Glossa.Models;
using static TorchSharp.torch;

namespace Glossa.Training.Distillation;

/// <summary>
/// The per-step distillation term a <see cref="Trainer"/> adds to the student's CTC loss:
/// teacher log-posteriors (from the frozen teacher under no-grad, or from the disk cache),
/// softened at T, resampled to the student's output length, then
/// <c>weight x T^2 x KL(teacher_T || student_T)</c> over the valid student frames.
/// </summary>
public sealed class DistillationTerm : IDisposable
{
    readonly Teacher teacher;
    readonly DistillationOptions options;
    readonly TeacherCache? cache;
    readonly Device device;

    /// <summary>Seconds spent running the teacher (0 once the cache is full).</summary>
    public double TeacherSeconds { get; private set; }

    /// <summary>The frozen teacher.</summary>
    public Teacher Teacher => teacher;

    /// <summary>The disk cache, when on.</summary>
    public TeacherCache? Cache => cache;

    public DistillationTerm(Teacher teacher, DistillationOptions options, Device device, TeacherCache? cache = null)
    {
        this.teacher = teacher;
        this.options = options.Validate();
        this.device = device;
        this.cache = cache;
    }

    /// <summary>The weighted distillation loss of a training step (a scalar with gradients into <paramref name="student"/>'s logits).</summary>
    public Tensor Compute(ClipBatch batch, CslrOutput student)
    {
        using var scope = NewDisposeScope();
        var (logProbs, teacherLengths) = TeacherLogProbs(batch);                     // (B,T_t,C)
        if (logProbs.shape[2] != student.Logits.shape[2])
            throw new Common.GlossaException($"{teacher.Checkpoint}: the teacher gives {logProbs.shape[2]} classes, the student {student.Logits.shape[2]}");
        long[] studentLengths = student.Lengths.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        var soft = DistillationLoss.SoftTargets(logProbs, options.Temperature);        // (B,T_t,C)
        var target = PosteriorResampler.Resample(soft, teacherLengths, studentLengths, student.Logits.shape[1]); // (B,T',C)
        var loss = DistillationLoss.Compute(student.Logits, target, student.Lengths, options.Temperature, options.NonBlankOnly) * options.Weight;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The teacher's log-posteriors of the batch: all from the cache when every clip is there, else one teacher pass (whose results fill the cache).</summary>
    public (Tensor LogProbs, long[] Lengths) TeacherLogProbs(ClipBatch batch)
    {
        int classes = teacher.Vocabulary.Count;
        if (cache is not null)
        {
            var rows = new float[batch.Count][];
            var frames = new int[batch.Count];
            bool all = true;
            for (int b = 0; b < batch.Count && all; b++)
                all = cache.TryLoad(batch.Ids[b], classes, out rows[b], out frames[b]);
            if (all)
                return (Pad(rows, frames, classes), frames.Select(f => (long)f).ToArray());
        }
        var clock = Stopwatch.StartNew();
        var (logProbs, lengths) = teacher.Posteriors(batch.Frames.to(device), batch.Lengths.to(device));
        TeacherSeconds += clock.Elapsed.TotalSeconds;
        if (cache is not null)
        {
            using var cpu = logProbs.cpu().contiguous();
            var all = cpu.data<float>().ToArray();
            int tt = (int)cpu.shape[1];
            for (int b = 0; b < batch.Count; b++)
                cache.Store(batch.Ids[b], all.AsSpan(b * tt * classes, (int)lengths[b] * classes), (int)lengths[b], classes);
        }
        return (logProbs, lengths);
    }

    /// <summary>Stacks clips of different lengths into (B,T_max,C), repeating each clip's last frame (masked out later).</summary>
    Tensor Pad(float[][] rows, int[] frames, int classes)
    {
        int max = frames.Max();
        var flat = new float[rows.Length * max * classes];
        for (int b = 0; b < rows.Length; b++)
            for (int t = 0; t < max; t++)
                Array.Copy(rows[b], Math.Min(t, frames[b] - 1) * classes, flat, (b * max + t) * classes, classes);
        return tensor(flat, device: device).reshape(rows.Length, max, classes); // (B*T*C) -> (B,T,C)
    }

    public void Dispose() => teacher.Dispose();
}
