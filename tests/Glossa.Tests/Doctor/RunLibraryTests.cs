using System.Text.Json.Nodes;
using Glossa.Doctor;
using Glossa.Training;

namespace Glossa.Tests.Doctor;

/// <summary>
/// The doctor judged on its labelled run library (bench/doctor/library.py): real <c>glossa train</c> runs on
/// synthetic worlds whose failure was planted by the recipe, kept small in Doctor/Library (metrics, config,
/// run context, summary, label), plus published histories (bench/doctor/published). The thresholds were not
/// tuned on any single one of these runs; the figures are in docs/doctor.md.
/// </summary>
public sealed class RunLibraryTests
{
    static string Repo([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    static string LibraryDir => Path.Combine(Repo(), "tests", "Glossa.Tests", "Doctor", "Library");
    static string Published => Path.Combine(Repo(), "bench", "doctor", "published");

    sealed record Labelled(string Name, string Label, IReadOnlyList<string> Expected, HealthMonitor Doctor);

    /// <summary>Every library run that finished at least one epoch (a run that failed on its first step has no history to replay).</summary>
    static List<Labelled> Library()
    {
        var list = new List<Labelled>();
        foreach (var dir in Directory.GetDirectories(LibraryDir).Order(StringComparer.Ordinal))
        {
            var label = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "label.json")))!;
            string metrics = Path.Combine(dir, RunFolder.MetricsFile);
            if (!File.Exists(metrics) || File.ReadAllText(metrics).Trim().Length == 0) continue;
            var run = RunRecord.Load(dir);
            list.Add(new(Path.GetFileName(dir), (string)label["label"]!, label["expected_rules"]!.AsArray().Select(x => (string)x!).ToList(),
                HealthMonitor.Diagnose(run.History, run.Context)));
        }
        return list;
    }

    static bool Fires(HealthMonitor d, string rule) => d.Findings.Any(f => f.Rule == rule && f.Severity >= Severity.Warning);

    static Finding? First(HealthMonitor d) => d.Findings.FirstOrDefault(f => f.Severity >= Severity.Warning);

    [Fact]
    public void The_library_has_at_least_30_runs_on_at_least_two_worlds_with_every_planted_problem()
    {
        var labels = Directory.GetDirectories(LibraryDir).Select(d => JsonNode.Parse(File.ReadAllText(Path.Combine(d, "label.json")))!).ToList();
        Assert.True(labels.Count >= 30, $"{labels.Count} runs");
        Assert.True(labels.Select(l => (string)l["world"]!).Where(w => !w.StartsWith("small", StringComparison.Ordinal)).Distinct().Count() >= 2);
        foreach (var planted in new[] { "healthy", "overfitting", "blank_collapse", "underfitting", "ctc_infeasible", "no_signal", "non_finite", "data_mismatch" })
            Assert.Contains(labels, l => (string)l["label"]! == planted);
    }

    /// <summary>bench/doctor/results.json: what happened when the first advice was followed (library.py loop).</summary>
    static JsonObject Loop() => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Repo(), "bench", "doctor", "results.json")))!["loop"]!;

    [Fact]
    public void A_healthy_recipe_is_healthy_and_at_most_told_to_train_longer_which_did_not_make_it_worse()
    {
        var loop = Loop();
        foreach (var run in Library().Where(r => r.Label == "healthy"))
        {
            Assert.True(run.Doctor.Verdict == Verdict.Healthy, $"{run.Name}: {First(run.Doctor)?.Rule}: {First(run.Doctor)?.Title}");
            // Live, no epoch of a healthy recipe was ever told to stop.
            Assert.DoesNotContain(run.Doctor.Raised, f => f.Severity == Severity.Critical);
            // A healthy run still improving fast when its schedule ended gets an info note to train longer, nothing else.
            foreach (var note in run.Doctor.Findings)
            {
                Assert.True(note.Rule == RuleIds.Underfitting && note.Actions[0].Command!.Contains("--epochs"), $"{run.Name}: {note.Rule}: {note.Title}");
                if (loop[run.Name] is JsonObject entry && entry["best_wer_after"] is JsonNode after)
                    Assert.True((double)after <= (double)entry["best_wer_before"]!, $"{run.Name}: {entry.ToJsonString()}");
            }
        }
    }

    [Fact]
    public void Failing_runs_are_not_called_healthy_and_the_planted_problem_is_found_first()
    {
        var failing = Library().Where(r => r.Label != "healthy").ToList();
        Assert.NotEmpty(failing);
        Assert.True(failing.All(r => r.Doctor.Verdict != Verdict.Healthy), string.Join("; ", failing.Where(r => r.Doctor.Verdict == Verdict.Healthy).Select(r => r.Name)));
        var missed = failing.Where(r => !r.Expected.Contains(First(r.Doctor)?.Rule ?? "")).ToList();
        Assert.True(missed.Count == 0, string.Join("; ", missed.Select(r => $"{r.Name}: {First(r.Doctor)?.Rule}")));
    }

    [Fact]
    public void Shuffled_labels_are_not_learning_with_a_data_check_never_more_epochs()
    {
        var runs = Library().Where(r => r.Label == "no_signal").ToList();
        Assert.True(runs.Count >= 2);
        foreach (var run in runs)
        {
            var first = First(run.Doctor)!;
            Assert.Equal(RuleIds.NotLearning, first.Rule);
            Assert.Equal(Severity.Critical, first.Severity);
            Assert.Contains("label prior", first.Title);
            Assert.Contains("corpus check", first.Actions[0].Command);
            Assert.DoesNotContain(run.Doctor.Findings, f => f.Rule == RuleIds.Underfitting);
        }
    }

    [Fact]
    public void Runs_with_signal_on_the_same_plateau_are_not_called_no_signal()
    {
        // The over-regularised runs and the short schedules sit at the label-prior WER too, but their loss is still above
        // the frame-blind floor or falling fast through it (docs/doctor.md): they keep their own finding.
        foreach (var run in Library().Where(r => r.Label is "underfitting" or "healthy" or "data_mismatch"))
            Assert.DoesNotContain(run.Doctor.Raised, f => f.Rule == RuleIds.NotLearning && f.Title.Contains("label prior"));
    }

    [Fact]
    public void A_run_stopped_by_its_short_schedule_is_told_to_train_longer_never_a_lower_rate_or_a_smaller_model()
    {
        var runs = Library().Where(r => r.Name.EndsWith("-short-schedule", StringComparison.Ordinal)).ToList();
        Assert.True(runs.Count >= 2);
        foreach (var run in runs)
            AssertTrainLonger(run.Name, run.Doctor);
    }

    [Fact]
    public void The_reported_stalled_schedule_run_is_told_to_train_longer()
    {
        var context = RunRecord.LoadContext(null, Path.Combine(Published, "issue-stalled-schedule.config.json"));
        var history = HistoryReader.Read(Path.Combine(Published, "issue-stalled-schedule.csv"));
        var doctor = HealthMonitor.Diagnose(history, context);
        AssertTrainLonger("issue-stalled-schedule", doctor);
        Assert.DoesNotContain(doctor.Findings, f => f.Rule == RuleIds.Capacity);
    }

    static void AssertTrainLonger(string name, HealthMonitor doctor)
    {
        var first = First(doctor);
        Assert.True(first?.Rule == RuleIds.Underfitting, $"{name}: first finding {first?.Rule}: {first?.Title}");
        string cmd = first!.Actions[0].Command!;
        Assert.Contains("--epochs", cmd);
        foreach (var f in doctor.Findings)
            foreach (var a in f.Actions.Where(a => a.Command is not null))
            {
                Assert.DoesNotContain("--hidden-dim 64", a.Command);
                Assert.DoesNotContain("mobilenetv3-student", a.Command);
                var lr = System.Text.RegularExpressions.Regex.Match(a.Command!, @"--learning-rate ([0-9.e-]+)");
                if (lr.Success && f.Rule == RuleIds.Underfitting)
                    Assert.True(double.Parse(lr.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1e-4, $"{name}: {a.Command}");
            }
    }

    [Fact]
    public void Peer_shaped_healthy_histories_from_another_toolkit_are_healthy()
    {
        foreach (var name in new[] { "peer-vac-shaped.csv", "peer-corrnet-shaped.csv" })
        {
            var doctor = HealthMonitor.Diagnose(HistoryReader.Read(Path.Combine(Published, name)));
            Assert.True(doctor.Verdict == Verdict.Healthy, $"{name}: {First(doctor)?.Title}");
        }
    }
}
