using Glossa.Frames;
using Glossa.Models;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// What a variant of training (distillation) adds to a plain <c>glossa train</c> run without
/// forking its loop: an extra loss term per step, sections for <c>config.json</c> and lines for
/// the top of the log. Set it on <see cref="TrainingJob.Extension"/> before <see cref="TrainingJob.CreateRun"/>.
/// </summary>
public sealed class TrainingExtension
{
    /// <summary>Short name of the variant, e.g. "distillation" (the log's first line says it).</summary>
    public string Kind { get; init; } = "";

    /// <summary>See <see cref="Trainer.ExtraLoss"/>: a scalar added to each training step's CTC loss, reported apart.</summary>
    public Func<ClipBatch, CslrOutput, Tensor>? ExtraLoss { get; init; }

    /// <summary>Name of the extra loss in logs and TensorBoard (<c>loss/NAME</c>).</summary>
    public string ExtraLossName { get; init; } = "extra";

    /// <summary>Extra top-level sections of config.json (e.g. "distillation": its options and teacher).</summary>
    public IReadOnlyDictionary<string, object?> Config { get; init; } = new Dictionary<string, object?>();

    /// <summary>Lines logged after the job's own preamble (teacher, temperature, weight, ...).</summary>
    public IReadOnlyList<string> Preamble { get; init; } = [];
}
