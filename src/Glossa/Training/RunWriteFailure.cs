using System.Runtime.CompilerServices;
using System.Text.Json;
using Glossa.Common;

namespace Glossa.Training;

/// <summary>
/// Ends a run whose outputs could not be written (disk full, read-only, permission): removes the
/// partial checkpoint and temporary files, keeps <c>best</c> and <c>last</c> at the previous good
/// checkpoints, cuts <c>metrics.jsonl</c> back to <c>last</c>'s epoch, and records
/// <c>summary.json</c> with status failed and the reason (when there is room for it).
/// </summary>
public static class RunWriteFailure
{
    /// <summary><see cref="TrainingOutcome.Cause"/> of a run stopped by an output that could not be written.</summary>
    public const string Cause = "cannot_write";

    // The exceptions Fail made, with what was recorded: a caller that catches one and records it again gets the same outcome.
    static readonly ConditionalWeakTable<Exception, TrainingOutcome> recorded = new();

    /// <summary>
    /// <see cref="Record"/>s the failure and returns the <see cref="OutputException"/> to throw: one line naming the file
    /// that could not be written, the cause, what to do, and which checkpoint --resume continues from.
    /// </summary>
    public static OutputException Fail(string runDir, Exception error)
    {
        var outcome = Record(runDir, error);
        var thrown = new OutputException(outcome.Message, error);
        recorded.AddOrUpdate(thrown, outcome);
        return thrown;
    }

    /// <summary>Cleans up <paramref name="runDir"/> after <paramref name="error"/> and returns the failed outcome.</summary>
    public static TrainingOutcome Record(string runDir, Exception error)
    {
        if (recorded.TryGetValue(error, out var done)) return done;
        string dir = Path.GetFullPath(runDir);
        if (!File.Exists(Path.Combine(dir, RunFolder.ConfigFile))) // no run was started there: nothing to clean or record
            return new TrainingOutcome { Status = TrainingStatus.Failed, Cause = Cause, Message = SafeWrite.Describe(error, dir).Message, RunDir = dir };
        Quietly(() => Checkpoint.CollectGarbage(dir)); // drops the half-written checkpoint folder
        foreach (string tmp in Quietly(() => Directory.GetFiles(dir, "*.tmp*")) ?? [])
            SafeWrite.TryDelete(tmp);
        string last = Path.Combine(dir, "last"), best = Path.Combine(dir, "best");
        var state = Checkpoint.Exists(last) ? Quietly(() => Checkpoint.ReadState(last)) : null;
        // A new checkpoint needs about what the previous one holds; measured after the clean-up, so "free" is what is left.
        long? needed = state is null ? null : Quietly(() => new DirectoryInfo(last).ResolveLinkTarget(true) is DirectoryInfo target
            ? target.EnumerateFiles().Sum(f => f.Length) : 0L);
        string message = SafeWrite.Describe(error, SafeWrite.PathIn(error) ?? dir, needed).Message
            + (state is null ? "" : $"; 'last' still holds epoch {state.Epoch}, --resume continues from it");
        var outcome = new TrainingOutcome { Status = TrainingStatus.Failed, Cause = Cause, Message = message, RunDir = dir };
        Quietly(() => KeepMetricsUpTo(dir, state?.Epoch ?? 0));
        outcome = outcome with
        {
            Epochs = state?.Epoch ?? 0,
            OptimizerSteps = state?.OptimizerSteps ?? 0,
            BestWer = state?.BestWer,
            BestEpoch = state?.BestEpoch ?? 0,
            Best = Checkpoint.Exists(best) ? best : null,
            Last = state is null ? null : last,
        };
        string summary = Path.Combine(dir, RunFolder.SummaryFile);
        Quietly(() => SafeWrite.Text(summary, JsonSerializer.Serialize(outcome, Checkpoint.Json)));
        Quietly(() => File.AppendAllText(Path.Combine(dir, RunFolder.LogFile), $"[{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z] Failed: {message}\n"));
        return outcome;
    }

    /// <summary>Drops metrics lines after <paramref name="epoch"/> and any line cut short by the failure.</summary>
    static void KeepMetricsUpTo(string dir, int epoch)
    {
        string path = Path.Combine(dir, RunFolder.MetricsFile);
        if (!File.Exists(path)) return;
        var keep = File.ReadAllLines(path).Where(l => EpochOf(l) is { } e && e <= epoch).ToList();
        SafeWrite.Text(path, keep.Count > 0 ? string.Join('\n', keep) + "\n" : "");
    }

    static int? EpochOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("epoch", out var e) && e.TryGetInt32(out int n) ? n : null;
        }
        catch (JsonException) { return null; }
    }

    // The disk may still be full: each clean-up step is tried on its own and never hides the original error.
    static void Quietly(Action action) => Quietly<object?>(() => { action(); return null; });

    static T? Quietly<T>(Func<T> func)
    {
        try { return func(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutputException or GlossaException or JsonException) { return default; }
    }
}
