using System.Text.Json.Serialization;

namespace Glossa.Training;

/// <summary>How a run ended; written as the same snake_case word in summary.json and every --json output.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingStatus>))]
public enum TrainingStatus
{
    /// <summary>All epochs ran.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,
    /// <summary>Validation WER stopped improving for --patience epochs.</summary>
    [JsonStringEnumMemberName("early_stopped")]
    EarlyStopped,
    /// <summary>The training doctor found a fatal problem and --auto-stop was on.</summary>
    [JsonStringEnumMemberName("auto_stopped")]
    AutoStopped,
    /// <summary>Ctrl+C or SIGTERM: the step finished, last was written.</summary>
    [JsonStringEnumMemberName("interrupted")]
    Interrupted,
    /// <summary>A non-finite loss or gradient stopped the run (dump written).</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}
