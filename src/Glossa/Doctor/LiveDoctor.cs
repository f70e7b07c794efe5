using Glossa.Training;

namespace Glossa.Doctor;

/// <summary>
/// The training doctor as a run's live monitor: a <see cref="HealthMonitor"/> fed every epoch,
/// built from what <see cref="TrainingJob"/> found (clips rejected for CTC, label counts, model
/// size), and the run context saved in the run folder so <c>glossa diagnose RUN_DIR</c> knows what
/// the live doctor knew.
/// </summary>
public sealed class LiveDoctor : ITrainingMonitor
{
    readonly string runDir;

    /// <summary>The monitor holding the findings.</summary>
    public HealthMonitor Monitor { get; }

    LiveDoctor(HealthMonitor monitor, string runDir)
    {
        Monitor = monitor;
        this.runDir = runDir;
    }

    /// <summary>A doctor for <paramref name="job"/>'s run.</summary>
    public static LiveDoctor For(TrainingJob job)
    {
        var options = job.Options;
        var context = new RunContext
        {
            ModelName = job.Model.Config.Name,
            ParameterCount = job.Model.parameters().Sum(p => p.numel()),
            TrainingSamples = job.TrainSamples.Count,
            TemporalStride = job.Model.TemporalStride,
            // The training split's share: those clips are what training loses (rejected validation clips are listed in the preamble).
            InfeasibleClips = job.TrainRejected.Count,
            CheckedClips = job.TrainSamples.Count + job.TrainRejected.Count,
            InfeasibleExamples = job.TrainRejected.Take(5).Select(r => r.Sample.Id).ToList(),
            CorpusVocabularySize = job.Vocabulary.Count,
            CheckpointVocabularySize = options.Resume ? job.Vocabulary.Count : null,
            ValidationUnknownGlosses = job.ValidationGlosses.Unknown,
            ValidationGlosses = job.ValidationGlosses.Total,
            ValidationUnknownGlossCounts = job.ValidationGlosses.Unknown > 0 ? UnknownGlosses(job) : null,
            Signers = job.Signers,
            LabelCounts = RunContext.CountLabels(job.TrainSamples),
            Config = Config(job),
            CommandLine = options.CommandLine,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        return new LiveDoctor(new HealthMonitor(context), Path.GetFullPath(options.OutputDir));
    }

    /// <summary>
    /// The validation glosses the vocabulary lacks, with their counts, read again from the validation split's annotations (the
    /// job keeps only their number); null when the annotations cannot be read now (the count alone is then reported).
    /// </summary>
    static IReadOnlyDictionary<string, int>? UnknownGlosses(TrainingJob job)
    {
        var o = job.Options;
        try
        {
            var format = o.CorpusFormat is { } f ? Corpora.CorpusLoader.ParseFormat(f) : (Corpora.CorpusFormat?)null;
            var split = Corpora.CorpusLoader.LoadSplit(o.Corpus, format, o.ValSplit, annotationsOnly: true).Split(o.ValSplit);
            return RunContext.CountUnknown(split, job.Vocabulary);
        }
        catch (Common.GlossaException) { return null; }
    }

    /// <summary>
    /// What config.json holds for the run, the extension's sections included: a distillation's teacher and --kd-* options
    /// make the live doctor's commands <c>distill</c> commands, as <c>glossa diagnose</c>'s are (they were <c>train</c>
    /// commands, which drop the teacher).
    /// </summary>
    static System.Text.Json.Nodes.JsonObject Config(TrainingJob job)
    {
        var config = RunFolder.ConfigObject(job.Options, job.Model.Config.ToJson(), job.Vocabulary);
        foreach (var (section, value) in job.Extension?.Config ?? new Dictionary<string, object?>())
            config[section] = System.Text.Json.JsonSerializer.SerializeToNode(value, Checkpoint.Json);
        return config;
    }

    /// <inheritdoc/>
    public void Replay(IReadOnlyList<EpochMetrics> history)
    {
        foreach (var m in history) Monitor.Observe(m);
    }

    /// <inheritdoc/>
    public (IReadOnlyList<string> Lines, string? StopReason) Observe(EpochMetrics metrics)
    {
        // Saved once the run folder exists.
        RunRecord.SaveContext(runDir, Monitor.Context);
        var lines = Monitor.Observe(metrics).SelectMany(f => f.ToLogLines()).ToList();
        return (lines, Monitor.ShouldStop(out string reason) ? reason : null);
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> NonFinite(NonFiniteLossException e) =>
        Monitor.ReportNonFinite(e.Epoch, e.Step, e.Module, e.Quantity, e.Value).ToLogLines().ToList();
}
