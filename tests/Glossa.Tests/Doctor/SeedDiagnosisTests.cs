using Glossa.Doctor;

namespace Glossa.Tests.Doctor;

public sealed class SeedDiagnosisTests
{
    [Fact]
    public void Seed_history_gives_overfitting_and_blank_collapse_and_stop()
    {
        var monitor = HealthMonitor.Diagnose(Histories.Seed());
        var rules = monitor.Findings.Select(f => f.Rule).ToList();
        Assert.Contains(RuleIds.Overfitting, rules);
        Assert.Contains(RuleIds.BlankCollapse, rules);
        Assert.Equal(Verdict.Stop, monitor.Verdict);
        Assert.True(monitor.ShouldStop(out var reason));
        Assert.StartsWith("doctor: ", reason);

        var over = monitor.Findings.Single(f => f.Rule == RuleIds.Overfitting);
        Assert.Equal(Severity.Critical, over.Severity);
        // The evidence quotes the seed's own numbers: best val loss 4.90 at epoch 25, 5.29 at 60, gap 0.71 -> 2.93.
        Assert.Contains(over.Evidence, e => e.Name == "best_val_loss" && e.Value == 4.90 && e.Epoch == 25);
        Assert.Contains(over.Evidence, e => e.Name == "val_loss" && e.Value == 5.29 && e.Epoch == 60);
        Assert.Contains(over.Evidence, e => e.Name == "gap" && Math.Abs(e.Value - 2.93) < 1e-9 && e.Epoch == 60);

        var blank = monitor.Findings.Single(f => f.Rule == RuleIds.BlankCollapse);
        Assert.Equal(Severity.Critical, blank.Severity);
        Assert.Contains(blank.Evidence, e => e.Name == "blank_ratio" && e.Value == 0.93);
        // Better advice than the seed's: collapse is not only overfitting; a lower rate with warm-up comes first.
        Assert.Contains("not only overfitting", blank.Explanation);
        var first = blank.Actions[0].Command!;
        Assert.Contains("--learning-rate", first);
        Assert.Contains("--warmup-epochs", first);
        Assert.Contains("--dropout 0.5", first); // the gap 0.71 -> 2.93 adds regularisation
    }

    [Fact]
    public void Seed_run_folder_with_context_builds_the_commands_from_its_config()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse("""
            {"model":"i3d-teacher","corpus":"/data/phoenix2014","hidden_dim":512,"dropout":0.3,"learning_rate":0.0003,
             "weight_decay":0.0001,"batch_size":8,"epochs":150,"patience":30,"output_dir":"checkpoints/teacher","augment":true,"mixed":false}
            """)!.AsObject();
        var context = new RunContext { ParameterCount = 27_260_000, TrainingSamples = 4376, ModelName = "i3d-teacher", Config = config };
        var monitor = HealthMonitor.Diagnose(Histories.Seed(), context);
        var capacity = monitor.Findings.Single(f => f.Rule == RuleIds.Capacity);
        Assert.Equal(Severity.Warning, capacity.Severity);
        Assert.Contains(capacity.Evidence, e => e.Name == "params_per_sample" && Math.Abs(e.Value - 6229.4) < 1);

        var over = monitor.Findings.Single(f => f.Rule == RuleIds.Overfitting);
        string cmd = over.Actions[0].Command!;
        Assert.StartsWith("./glossa train --model i3d-teacher --corpus /data/phoenix2014 --hidden-dim 512 --dropout 0.5 --learning-rate 0.0003 --weight-decay 0.001", cmd);
        Assert.EndsWith("--output-dir checkpoints/teacher_v2", cmd);
        Assert.Contains("--augment", cmd);
        Assert.DoesNotContain("--mixed", cmd);
        // The smaller-model advice halves the seed's hidden size, as the seed suggested (512 -> 256).
        Assert.Contains(over.Actions, a => a.Command is { } c && c.Contains("--hidden-dim 256"));
        // The collapse advice lowers the configured rate (3e-4 -> 1e-4).
        Assert.Contains("--learning-rate 0.0001", monitor.Findings.Single(f => f.Rule == RuleIds.BlankCollapse).Actions[0].Command);
    }
}
