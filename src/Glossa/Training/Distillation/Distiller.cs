using Glossa.Common;
using Glossa.Training;

namespace Glossa.Training.Distillation;

/// <summary>
/// Turns a prepared <c>glossa train</c> job into a distillation run: loads the frozen teacher,
/// checks it knows the student's classes, and attaches the distillation term, its configuration
/// (written to config.json) and its log lines. Everything else (run folder, logs, TensorBoard,
/// resume, early stopping, Ctrl+C, evaluation) is the training stack's, unchanged.
/// </summary>
public static class Distiller
{
    /// <summary>Folder of the teacher cache inside the run folder, unless <see cref="DistillationOptions.CacheDir"/> says otherwise.</summary>
    public const string CacheFolder = "teacher-cache";

    /// <summary>Refuses <c>--cache-teacher</c> with training augmentation: every epoch shows the teacher different frames, so cached posteriors would be stale.</summary>
    public static void RequireCacheAllowed(DistillationOptions options, TrainingOptions training)
    {
        if (options.CacheTeacher && training.Augment)
            throw new GlossaException("--cache-teacher needs --no-augment: with augmentation each epoch shows the teacher different frames, so cached posteriors would be stale");
    }

    /// <summary>Attaches the teacher to <paramref name="job"/>; the returned term owns the teacher (dispose it after the run).</summary>
    public static DistillationTerm Attach(TrainingJob job, DistillationOptions options)
    {
        RequireCacheAllowed(options.Validate(), job.Options);
        var teacher = Teacher.Load(options.Teacher, job.Device);
        try
        {
            teacher.RequireVocabulary(job.Vocabulary, job.Options.Resume ? $"{job.Options.OutputDir}/last" : $"train split of {job.Options.Corpus}");
            int studentSide = job.Options.FrameSize ?? job.Model.Config.FrameSize;
            TeacherCache? cache = null;
            if (options.CacheTeacher)
            {
                string dir = options.CacheDir ?? Path.Combine(job.Options.OutputDir, CacheFolder);
                cache = new TeacherCache(dir, string.Join('|', TeacherCache.CheckpointIdentity(teacher.Checkpoint), teacher.Checkpoint,
                    $"side={studentSide}", $"max={job.Options.MaxFrames}", $"corpus={Path.GetFullPath(job.Options.Corpus)}"));
            }
            var term = new DistillationTerm(teacher, options, job.Device, cache);
            var c = System.Globalization.CultureInfo.InvariantCulture;
            var lines = new List<string>
            {
                $"  teacher {teacher.Model.Config.Name} from {teacher.Checkpoint}: {teacher.Parameters:N0} parameters, temporal stride {teacher.Model.TemporalStride}, {teacher.FrameSize}x{teacher.FrameSize} frames, frozen (eval, no grad)",
                string.Format(c, "  distillation: weight {0:G4} x T^2 x KL(teacher_T || student_T), T = {1:G4}, {2}; teacher posteriors {3}",
                    options.Weight, options.Temperature, options.NonBlankOnly ? "over non-blank classes (renormalised)" : "over all classes",
                    cache is null ? "computed on the fly" : $"cached in {cache.Directory}"),
            };
            if (teacher.FrameSize != studentSide)
                lines.Add($"  the teacher sees each batch resized from {studentSide}x{studentSide} to {teacher.FrameSize}x{teacher.FrameSize} (bilinear)");
            job.Extension = new TrainingExtension
            {
                Kind = "distillation",
                ExtraLoss = term.Compute,
                ExtraLossName = "distill",
                Preamble = lines,
                Config = new Dictionary<string, object?>
                {
                    ["distillation"] = new Dictionary<string, object?>
                    {
                        ["teacher"] = teacher.Checkpoint,
                        ["teacher_model"] = teacher.Model.Config.Name,
                        ["teacher_parameters"] = teacher.Parameters,
                        ["teacher_frame_size"] = teacher.FrameSize,
                        ["teacher_temporal_stride"] = teacher.Model.TemporalStride,
                        ["temperature"] = options.Temperature,
                        ["weight"] = options.Weight,
                        ["non_blank_only"] = options.NonBlankOnly,
                        ["cache"] = cache?.Directory,
                    },
                },
            };
            return term;
        }
        catch
        {
            teacher.Dispose();
            throw;
        }
    }
}
