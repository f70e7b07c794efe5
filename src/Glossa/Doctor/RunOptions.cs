using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Training;

namespace Glossa.Doctor;

/// <summary>
/// The options a run really used, as typed values: the resolved <see cref="TrainingOptions"/> of a Glossa
/// <c>config.json</c> (options under <c>training</c>, the model's own config under <c>model</c>), or a flat
/// options object from another toolkit (<c>learning_rate</c>/<c>lr</c>, <c>epochs</c>, <c>dropout</c>, ...).
/// The advice reads the configured peak rate and the schedule from here, never from the rate the schedule
/// had decayed to by the last epoch.
/// </summary>
public sealed record RunOptions
{
    /// <summary>The resolved training options of a Glossa run; null for another toolkit's config.</summary>
    public TrainingOptions? Training { get; init; }
    /// <summary>Configured peak learning rate (after warm-up).</summary>
    public double? PeakLearningRate { get; init; }
    /// <summary>Configured number of epochs.</summary>
    public int? Epochs { get; init; }
    /// <summary>Learning-rate shape after the warm-up (cosine, step, constant, or another toolkit's name).</summary>
    public string? Schedule { get; init; }
    /// <summary>Dropout in use (the option, else the model's own).</summary>
    public double? Dropout { get; init; }
    /// <summary>Weight decay.</summary>
    public double? WeightDecay { get; init; }
    /// <summary>CTC label smoothing.</summary>
    public double? LabelSmoothing { get; init; }
    /// <summary>Hidden size of the temporal model (the option, else the model's own).</summary>
    public int? HiddenDim { get; init; }
    /// <summary>Frame side in pixels (the option, else the model's own).</summary>
    public int? FrameSize { get; init; }
    /// <summary>The model's temporal conv layers (e.g. <c>K5-P2-K5-P2</c>; empty: none), when the run is Glossa's.</summary>
    public string? TemporalConv { get; init; }
    /// <summary>The model's backbone (e.g. <c>i3d</c>, <c>tiny_cnn</c>), when the run is Glossa's.</summary>
    public string? Backbone { get; init; }
    /// <summary>Temporal stride of an I3D backbone, when the run is Glossa's.</summary>
    public int? I3dStride { get; init; }
    /// <summary>Early-stopping patience in epochs (0 = off), when known.</summary>
    public int? Patience { get; init; }

    /// <summary>Nothing known.</summary>
    public static RunOptions None { get; } = new();

    /// <summary>Reads the typed options from a run's config (lenient: what cannot be read stays unknown).</summary>
    public static RunOptions From(JsonObject? config)
    {
        if (config is null) return None;
        var model = config["model"] as JsonObject;
        if (config["training"] is JsonObject t && ReadTraining(t) is { } o)
        {
            return new RunOptions
            {
                Training = o,
                PeakLearningRate = o.LearningRate,
                Epochs = o.Epochs,
                Schedule = o.Schedule.ToString().ToLowerInvariant(),
                Dropout = o.Dropout ?? Number(model, "dropout"),
                WeightDecay = o.WeightDecay,
                LabelSmoothing = o.LabelSmoothing,
                HiddenDim = o.HiddenDim ?? (int?)Number(model, "hidden_dim"),
                FrameSize = o.FrameSize ?? (int?)Number(model, "frame_size"),
                Patience = o.Patience,
                TemporalConv = Text(model, "temporal_conv"),
                Backbone = Text(model, "backbone"),
                I3dStride = (int?)Number(model, "i3d_temporal_stride"),
            };
        }
        // Another toolkit's flat options object.
        return new RunOptions
        {
            PeakLearningRate = Number(config, "learning_rate", "lr", "base_lr", "peak_lr"),
            Epochs = (int?)Number(config, "epochs", "num_epochs", "max_epochs", "num_epoch"),
            Schedule = Text(config, "schedule", "lr_schedule", "lr_scheduler", "scheduler"),
            Dropout = Number(config, "dropout", "drop_rate"),
            WeightDecay = Number(config, "weight_decay", "wd"),
            LabelSmoothing = Number(config, "label_smoothing"),
            HiddenDim = (int?)Number(config, "hidden_dim", "hidden_size"),
            FrameSize = (int?)Number(config, "frame_size", "image_size", "input_size"),
            Patience = (int?)Number(config, "patience", "early_stopping_patience"),
        };
    }

    static TrainingOptions? ReadTraining(JsonObject training)
    {
        try { return training.Deserialize<TrainingOptions>(Checkpoint.Json); }
        catch (JsonException) { return null; } // a config from another Glossa version: the flat reading below still helps
        catch (NotSupportedException) { return null; }
    }

    static double? Number(JsonObject? o, params string[] keys)
    {
        foreach (var k in keys)
            if (o?[k] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d))
                return d;
        return null;
    }

    static string? Text(JsonObject? o, params string[] keys)
    {
        foreach (var k in keys)
            if (o?[k] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                return v.GetValue<string>().ToLowerInvariant();
        return null;
    }
}
