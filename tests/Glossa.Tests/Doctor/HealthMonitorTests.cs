using Glossa.Common;
using Glossa.Doctor;

namespace Glossa.Tests.Doctor;

public sealed class HealthMonitorTests
{
    [Fact]
    public void Observe_returns_a_finding_once_and_again_only_when_it_escalates()
    {
        var monitor = new HealthMonitor();
        var returned = Histories.Collapsed(9).Select(m => (m.Epoch, Fresh: monitor.Observe(m).Where(f => f.Rule == RuleIds.BlankCollapse).ToList())).ToList();
        var epochs = returned.Where(r => r.Fresh.Count > 0).Select(r => (r.Epoch, r.Fresh.Single().Severity)).ToList();
        Assert.Equal([(5, Severity.Warning), (6, Severity.Critical)], epochs);
        // The held finding keeps its latest evidence and remembers when it was first seen.
        var held = monitor.Findings.Single(f => f.Rule == RuleIds.BlankCollapse);
        Assert.Equal(9, held.Epoch);
        Assert.Equal(5, held.FirstEpoch);
        Assert.True(monitor.ShouldStop(out var reason));
        Assert.Equal("doctor: blank_collapse: " + held.Title + " (epoch 9)", reason);
    }

    [Fact]
    public void A_resumed_run_replaces_the_epochs_it_observes_again_and_resolved_findings_leave()
    {
        var monitor = new HealthMonitor();
        var h = Histories.Healthy().Take(6).ToList();
        foreach (var m in h.Take(4)) monitor.Observe(m);
        monitor.Observe(h[4] with { TrainLossMax = h[4].TrainLoss * 20 });
        monitor.Observe(h[5] with { TrainLossMax = h[5].TrainLoss * 20 });
        Assert.Equal(6, monitor.History.Count);
        Assert.Contains(monitor.Findings, f => f.Rule == RuleIds.Unstable);
        // Resume from epoch 4: epochs 4.. are replaced; the spikes of epochs 5 and 6 are gone, and so is the finding.
        monitor.Observe(h[3]);
        Assert.Equal(4, monitor.History.Count);
        Assert.DoesNotContain(monitor.Findings, f => f.Rule == RuleIds.Unstable);
        Assert.Contains(monitor.Raised, f => f.Rule == RuleIds.Unstable);
        Assert.Equal(Verdict.Healthy, monitor.Verdict);
    }

    [Fact]
    public void A_finding_that_resolves_and_comes_back_at_the_same_level_is_not_reported_again()
    {
        var monitor = new HealthMonitor();
        var h = Histories.Healthy().Take(10).ToList();
        Assert.Equal(10, h.Count);
        // Loss spikes in two epochs; the rule looks at 5 epochs, so it resolves at epoch 7 and fires again at 10.
        var spiked = new HashSet<int> { 2, 3, 9, 10 };
        var fresh = new List<int>();
        var held = new List<int>();
        foreach (var m in h)
        {
            if (monitor.Observe(spiked.Contains(m.Epoch) ? m with { TrainLossMax = m.TrainLoss * 20 } : m).Any(f => f.Rule == RuleIds.Unstable)) fresh.Add(m.Epoch);
            if (monitor.Findings.Any(f => f.Rule == RuleIds.Unstable)) held.Add(m.Epoch);
        }
        Assert.Equal([3, 4, 5, 6, 10], held);
        Assert.Equal([3], fresh);
        Assert.Single(monitor.Raised, f => f.Rule == RuleIds.Unstable);
    }

    [Fact]
    public void Options_validate_themselves()
    {
        var e = Assert.Throws<GlossaException>(() => new HealthMonitor(options: new DoctorOptions { BlankCollapseRatio = 1.5 }));
        Assert.Contains("blank_collapse_ratio", e.Message);
        Assert.Throws<GlossaException>(() => new DoctorOptions { CollapseWarnEpochs = 6, CollapseCriticalEpochs = 5 }.Validate());
    }

    [Fact]
    public void Log_lines_carry_severity_rule_epoch_evidence_and_commands()
    {
        var monitor = HealthMonitor.Diagnose(Histories.Seed());
        var lines = monitor.Findings.Single(f => f.Rule == RuleIds.Overfitting).ToLogLines().ToList();
        Assert.StartsWith("[doctor] CRITICAL overfitting: epoch 60: val_loss best at epoch 25", lines[0]);
        Assert.Contains("best_val_loss = 4.9 (epoch 25)", lines[1]);
        Assert.Contains(lines, l => l.Trim().StartsWith("[doctor]     ./glossa train"));
    }

    [Fact]
    public void Capacity_is_named_only_as_a_cause_of_an_overfitting_the_history_shows()
    {
        var big = new RunContext { ModelName = "i3d-teacher", ParameterCount = 27_264_560, TrainingSamples = 4376 };
        // Many parameters per clip on a run that generalises, or on one still early: no finding, the verdict stays healthy.
        var healthy = HealthMonitor.Diagnose(Histories.Healthy(), big);
        Assert.DoesNotContain(healthy.Raised, f => f.Rule == RuleIds.Capacity);
        Assert.Equal(Verdict.Healthy, healthy.Verdict);
        Assert.DoesNotContain(HealthMonitor.Diagnose(Histories.Healthy().Take(2), big).Findings, f => f.Rule == RuleIds.Capacity);
        // With the reference run's overfitting history it is an info note (never a verdict change) that says what it measures.
        var capacity = HealthMonitor.Diagnose(Histories.Seed(), big).Findings.Single(f => f.Rule == RuleIds.Capacity);
        Assert.Equal(Severity.Info, capacity.Severity);
        Assert.Contains("noted beside the overfitting", capacity.Title);
        Assert.Contains("trainable parameters per training clip", capacity.Explanation);
    }
}
