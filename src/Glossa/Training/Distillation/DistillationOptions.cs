using Glossa.Common;

namespace Glossa.Training.Distillation;

/// <summary>
/// What <c>glossa distill</c> adds to the training options: the frozen teacher and the
/// distillation term <c>weight x T^2 x KL(teacher_T || student_T)</c> added to the student's CTC
/// loss. Call <see cref="Validate"/> before any work starts.
/// </summary>
public sealed record DistillationOptions
{
    /// <summary>The teacher's checkpoint directory (e.g. <c>RUN/best</c>), written by <c>glossa train</c>.</summary>
    public string Teacher { get; init; } = "";

    /// <summary>Softmax temperature T applied to both teacher and student logits (peers' sequence distillation uses 8).</summary>
    public double Temperature { get; init; } = 8.0;

    /// <summary>Weight of the distillation term next to the CTC loss (the term already carries Hinton's T^2).</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Distil over the non-blank classes only: both distributions renormalised over classes 1..C-1.</summary>
    public bool NonBlankOnly { get; init; }

    /// <summary>Keep the teacher's posteriors on disk: each clip's are computed once and read back in later epochs.</summary>
    public bool CacheTeacher { get; init; }

    /// <summary>Folder of the teacher cache; null = <c>teacher-cache/</c> inside the run folder. Share it between runs of the same teacher.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Checks every field; throws a <see cref="GlossaException"/> naming the option and what to do.</summary>
    public DistillationOptions Validate()
    {
        static void Fail(string message) => throw new GlossaException(message);
        if (string.IsNullOrWhiteSpace(Teacher)) Fail("Teacher (--teacher) is required: a checkpoint directory such as TEACHER_RUN/best");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) Fail($"Temperature (--kd-temperature) must be positive (got {Temperature}); 8 is the peers' value");
        if (!(Weight >= 0) || double.IsInfinity(Weight)) Fail($"Weight (--kd-weight) must be >= 0 (got {Weight}); 0 trains with CTC alone");
        if (CacheDir is { Length: 0 }) Fail("CacheDir (--teacher-cache-dir) is empty; give a folder or leave it out");
        if (CacheDir is not null && !CacheTeacher) Fail("CacheDir (--teacher-cache-dir) needs CacheTeacher (--cache-teacher)");
        return this;
    }
}
