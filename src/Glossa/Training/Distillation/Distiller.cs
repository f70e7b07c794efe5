using System.Globalization;
using System.Text.Json.Nodes;
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

    /// <summary>The key of the teacher's weights fingerprint (<see cref="Models.WeightIO.Fingerprint"/>) in <see cref="ConfigSection"/>.</summary>
    const string WeightsKey = "teacher_weights_sha256";

    /// <summary>The section of config.json (and config.resume.json) that records a distillation run's teacher and options.</summary>
    public const string ConfigSection = "distillation";

    /// <summary>
    /// The recorded distillation of the run in <paramref name="runDir"/> (the <see cref="ConfigSection"/> of its latest
    /// configuration, <see cref="RunFolder.ReadLatestConfig"/>); null for a run trained without a teacher.
    /// </summary>
    public static JsonObject? Recorded(string runDir) => RunFolder.ReadLatestConfig(Path.GetFullPath(runDir))?[ConfigSection] as JsonObject;

    /// <summary>
    /// Refuses <c>glossa train --resume</c> of a distillation run: it would go on without the teacher, silently training
    /// another objective while config.json (and compare) still say it is distilled.
    /// </summary>
    public static void RequireNoTeacher(TrainingOptions training)
    {
        string dir = Path.GetFullPath(training.OutputDir);
        if (!training.Resume || !Checkpoint.Exists(Path.Combine(dir, "last"))) return;
        if (Recorded(dir) is not { } own) return;
        throw new GlossaException($"{dir}: the run is distilled from {own["teacher"]?.GetValue<string>() ?? "a teacher"} ({RunFolder.ConfigFile}); 'glossa train --resume' would drop its teacher: " +
            $"resume it with 'glossa distill --resume --output-dir {training.OutputDir}' (its teacher and --kd-* options are the run's own), or start a new run in another --output-dir");
    }

    /// <summary>
    /// The distillation options a run uses: <paramref name="given"/> for a new run; on <c>--resume</c>, the run's own
    /// (its recorded teacher, temperature, weight, classes and cache) for every option not in <paramref name="explicitOptions"/>
    /// (primary names such as <c>--kd-weight</c>), with a <c>resume:</c> line for each given one that changes. Refuses in
    /// one line a teacher added to a run trained without one, or another teacher than the run's; and
    /// <c>--cache-teacher</c> with the run's own augmentation (<see cref="RequireCacheAllowed"/>).
    /// </summary>
    public static (DistillationOptions Options, IReadOnlyList<string> Notes) ForRun(DistillationOptions given, IReadOnlySet<string> explicitOptions, TrainingOptions training)
    {
        if (!training.Resume)
        {
            RequireCacheAllowed(given.Validate(), training);
            return (given, []);
        }
        var runs = TrainingJob.RunsOwn(training); // "nothing to resume" first; then the run's own options (its augmentation)
        string dir = Path.GetFullPath(training.OutputDir);
        var own = Recorded(dir) ?? throw new GlossaException($"{dir}: the run was trained without a teacher ({RunFolder.ConfigFile} has no '{ConfigSection}' section); " +
            "a teacher cannot be added on --resume: resume it with 'glossa train --resume', or start a distillation in another --output-dir");
        string teacher = own["teacher"]?.GetValue<string>() ?? throw new GlossaException($"{Path.Combine(dir, RunFolder.ConfigFile)}: its '{ConfigSection}' section names no teacher; pass --teacher");
        var notes = new List<string>();
        if (explicitOptions.Contains("--teacher") && !SameCheckpoint(given.Teacher, teacher))
            throw new GlossaException($"--teacher {given.Teacher} differs from the run's teacher {teacher} ({RunFolder.ConfigFile}); the teacher cannot change on --resume " +
                "(the run's epochs so far learnt from its own): drop --teacher, or start a new distillation in another --output-dir");
        T Pick<T>(string option, T value, T old, Func<T, string> show)
        {
            if (!explicitOptions.Contains(option)) return old;
            if (!EqualityComparer<T>.Default.Equals(value, old)) notes.Add($"  resume: {option} {show(value)} (was {show(old)})");
            return value;
        }
        static string Number(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        static string Flag(bool v) => v ? "true" : "false";
        string? ownCache = own["cache"] is JsonValue c && c.TryGetValue<string>(out var cache) ? cache : null;
        // The run's own teacher-cache/ is recorded as an absolute path: a run folder moved since keeps its cache inside.
        if (ownCache is not null && Path.GetFileName(Path.TrimEndingDirectorySeparator(ownCache)) == CacheFolder
            && Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(ownCache))) == Path.GetFileName(dir))
            ownCache = Path.Combine(dir, CacheFolder);
        bool cacheTeacher = Pick("--cache-teacher", given.CacheTeacher, ownCache is not null, Flag);
        var options = new DistillationOptions
        {
            Teacher = teacher,
            Temperature = Pick("--kd-temperature", given.Temperature, own["temperature"]?.GetValue<double>() ?? given.Temperature, Number),
            Weight = Pick("--kd-weight", given.Weight, own["weight"]?.GetValue<double>() ?? given.Weight, Number),
            NonBlankOnly = Pick("--kd-non-blank", given.NonBlankOnly, own["non_blank_only"]?.GetValue<bool>() ?? false, Flag),
            CacheTeacher = cacheTeacher,
            // The run's cache folder (its own teacher-cache/ or a shared one) unless another is given.
            CacheDir = !cacheTeacher ? null : explicitOptions.Contains("--teacher-cache-dir") ? given.CacheDir : ownCache,
        }.Validate();
        RequireCacheAllowed(options, runs);
        return (options, notes);
    }

    /// <summary>True when two checkpoint paths name the same folder (spelt alike, or one a link to the other).</summary>
    static bool SameCheckpoint(string a, string b)
    {
        static string Real(string p)
        {
            string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(p));
            try { return new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full; }
            catch (IOException) { return full; }
        }
        return string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal)
            || string.Equals(Real(a), Real(b), StringComparison.Ordinal);
    }

    /// <summary>Attaches the teacher to <paramref name="job"/>; the returned term owns the teacher (dispose it after the run).</summary>
    /// <param name="job">The prepared training job.</param>
    /// <param name="options">The distillation options (on --resume, <see cref="ForRun"/>'s).</param>
    /// <param name="notes">Lines for the log after the distillation's own (<see cref="ForRun"/>'s <c>resume:</c> lines).</param>
    public static DistillationTerm Attach(TrainingJob job, DistillationOptions options, IReadOnlyList<string>? notes = null)
    {
        RequireCacheAllowed(options.Validate(), job.Options);
        var teacher = Teacher.Load(options.Teacher, job.Device);
        try
        {
            teacher.RequireVocabulary(job.Vocabulary, job.Options.Resume ? $"{job.Options.OutputDir}/last" : $"train split of {job.Options.Corpus}");
            string fingerprint = Models.WeightIO.Fingerprint(teacher.Model.state_dict());
            // The same path with other weights (the teacher retrained or overwritten since) is another teacher: the run's
            // epochs so far learnt from the recorded one. Runs recorded before 2026-12-08 have no fingerprint to compare.
            if (job.Options.Resume && Recorded(job.Options.OutputDir)?[WeightsKey] is JsonValue recorded && recorded.TryGetValue<string>(out var was) && was != fingerprint)
                throw new GlossaException($"{teacher.Checkpoint}: the teacher's weights differ from those the run was distilled from ({RunFolder.ConfigFile}: {WeightsKey}); " +
                    "it was retrained or replaced since: put the run's teacher back, or start a new distillation in another --output-dir");
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
            lines.AddRange(notes ?? []);
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
                    [ConfigSection] = new Dictionary<string, object?>
                    {
                        ["teacher"] = teacher.Checkpoint,
                        ["teacher_model"] = teacher.Model.Config.Name,
                        [WeightsKey] = fingerprint,
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
