using Glossa.Common;
using Glossa.Doctor;
using Glossa.Corpora;
using Glossa.Training;

namespace Glossa.Tests.Doctor;

public sealed class HistoryReaderTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("glossa-history-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string Write(string name, string text)
    {
        string p = Path.Combine(dir, name);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void Reads_csv_with_aliases_empty_cells_and_nan()
    {
        var h = HistoryReader.Read(Write("h.csv", "epoch,loss,dev_loss,wer,blank_ratio,extra\n1,44.59,7.19,,,x\n2,4.19,4.90,92.5%,0.93,y\n3,nan,inf,,,z\n"));
        Assert.Equal(3, h.Count);
        Assert.Equal(44.59, h[0].TrainLoss);
        Assert.Null(h[0].ValWer);
        Assert.Equal(92.5, h[1].ValWer);
        Assert.Equal(0.93, h[1].BlankRatio);
        Assert.True(double.IsNaN(h[2].TrainLoss));
        Assert.True(double.IsPositiveInfinity(h[2].ValLoss!.Value));
    }

    [Fact]
    public void Reads_json_array_and_json_lines_with_samples()
    {
        var arr = HistoryReader.Read(Write("h.json", """[{"epoch":1,"train_loss":3.5,"val_loss":"NaN"},{"epoch":2,"train_loss":2.5,"val_wer":80}]"""));
        Assert.Equal(2, arr.Count);
        Assert.True(double.IsNaN(arr[0].ValLoss!.Value));
        var lines = HistoryReader.Read(Write("metrics.jsonl",
            "{\"epoch\":1,\"train_loss\":3.0,\"samples\":[{\"id\":\"a\",\"target\":\"MILD NORD\",\"pred\":\"\"}]}\n\n{\"epoch\":2,\"train_loss\":2.0,\"steps\":80,\"loss_terms\":{\"ctc\":2.0,\"conv_ctc\":2.4,\"align\":0.5}}\n"));
        Assert.Equal(2, lines.Count);
        Assert.Equal("MILD NORD", lines[0].Samples![0].Target);
        Assert.Equal(80, lines[1].Steps);
        Assert.Null(lines[0].LossTerms);
        Assert.Equal(0.5, lines[1].LossTerms!["align"]);                       // VAC's terms reach the doctor (loss.png)
        Assert.Equal(["align", "conv_ctc"], DiagnosisPlots.AuxiliaryTerms(lines));
    }

    [Theory]
    [InlineData("h.csv", "epoch,train_loss,val_loss\n1,3.0,2.0\n2,abc,2.0\n", "line 3, column 'train_loss': 'abc' is not a number")]
    [InlineData("h.csv", "epoch,train_loss\n1,3.0\n2,2.0,9\n", "line 3: 3 fields but the header has 2")]
    [InlineData("h.csv", "epoch,val_loss\n1,3.0\n", "no 'train_loss' column")]
    [InlineData("h.csv", "epoch,train_loss\n1.5,3.0\n", "line 2: missing or invalid 'epoch'")]
    [InlineData("h.jsonl", "{\"epoch\":1,\"train_loss\":3}\n{\"epoch\":2,\"train_loss\":\n", "line 2: not valid JSON")]
    [InlineData("h.jsonl", "{\"epoch\":1}\n", "line 1: missing 'train_loss'")]
    [InlineData("h.json", "[{\"epoch\":1,\"train_loss\":3},{\"epoch\":2,\"train_loss\":{}}]", "element 1 (epoch object #2): field 'train_loss' must be a number")]
    [InlineData("h.json", "[]", "no epochs")]
    public void Malformed_input_is_named(string name, string text, string message)
    {
        string path = Write(name, text);
        var e = Assert.Throws<GlossaException>(() => HistoryReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Metrics_written_by_the_trainer_read_back_with_non_finite_values_and_samples()
    {
        var m1 = Histories.Healthy()[0] with { Samples = [new("dev/1", "A B", "")] };
        var m2 = Histories.Healthy()[1] with { TrainLoss = double.NaN, ValLoss = double.PositiveInfinity };
        using (var writer = Glossa.Training.RunFolder.Open(dir, resume: false, overwrite: true)) // the trainer's writer
        {
            writer.AppendMetrics(m1);
            writer.AppendMetrics(m2);
        }
        var back = RunRecord.Load(dir).History;
        Assert.Equal(m1.Steps, back[0].Steps);
        Assert.Equal(m1.BlankRatio, back[0].BlankRatio);
        Assert.Equal("A B", back[0].Samples![0].Target);
        Assert.True(double.IsNaN(back[1].TrainLoss));
        Assert.True(double.IsPositiveInfinity(back[1].ValLoss!.Value));
        Assert.Equal(RuleIds.NonFinite, HealthMonitor.Diagnose(back).Findings[0].Rule);
    }

    [Fact]
    public void Duplicate_epochs_are_an_error()
    {
        var h = HistoryReader.Read(Write("d.csv", "epoch,train_loss\n1,3\n1,2\n"));
        var e = Assert.Throws<GlossaException>(() => HealthMonitor.Diagnose(h));
        Assert.Contains("epoch 1 appears twice", e.Message);
    }

    [Fact]
    public void Run_folder_reads_metrics_config_and_context()
    {
        File.WriteAllLines(Path.Combine(dir, RunFolder.MetricsFile), ["{\"epoch\":1,\"train_loss\":3.0,\"val_loss\":2.5}"]);
        File.WriteAllText(Path.Combine(dir, RunFolder.ConfigFile), "{\"model\":\"mobilenet-student\",\"temporal_stride\":4,\"corpus\":\"/c\"}");
        RunRecord.SaveContext(dir, new RunContext { ParameterCount = 8_000_000, TrainingSamples = 4376, LabelCounts = new Dictionary<string, int> { ["A"] = 3 }, Signers = new SignerCounts(8, 1, 1) });
        var run = RunRecord.Load(dir);
        Assert.Single(run.History);
        Assert.Equal("mobilenet-student", run.Context.ModelName);
        Assert.Equal(4, run.Context.TemporalStride);
        Assert.Equal(8_000_000, run.Context.ParameterCount);
        Assert.Equal(3, run.Context.LabelCounts!["A"]);
        Assert.Equal(new SignerCounts(8, 1, 1), run.Context.Signers);
        Assert.True(run.Context.UnseenValidationSigners);
        Assert.Equal("/c", new TrainCommandBuilder(run.Context).Get("corpus"));

        // A run folder copied from elsewhere: the advice's new run goes beside the folder as it is now.
        File.WriteAllText(Path.Combine(dir, RunFolder.ConfigFile), "{\"training\":{\"model\":\"tiny-student\",\"corpus\":\"/c\",\"output_dir\":\"/elsewhere/run\"}}");
        Assert.EndsWith($"--output-dir {dir.TrimEnd('/')}_v2", new TrainCommandBuilder(RunRecord.Load(dir).Context).Build());
        File.WriteAllText(Path.Combine(dir, RunFolder.ConfigFile), $"{{\"training\":{{\"model\":\"tiny-student\",\"output_dir\":\"{dir}/\"}}}}");
        Assert.EndsWith($"--output-dir {dir.TrimEnd('/')}_v2", new TrainCommandBuilder(RunRecord.Load(dir).Context).Build());

        // Diagnosed from another folder than the one it trained in (cd elsewhere; glossa diagnose ../runs/a): the relative
        // corpus and teacher are rebased like the output folder (the commands had kept --corpus c1 and stopped on it).
        Directory.CreateDirectory(Path.Combine(dir, "c1"));
        Directory.CreateDirectory(Path.Combine(dir, "t", "best"));
        string runA = Path.Combine(dir, "runs", "a");
        Directory.CreateDirectory(runA);
        File.WriteAllLines(Path.Combine(runA, RunFolder.MetricsFile), ["{\"epoch\":1,\"train_loss\":3.0,\"val_loss\":2.5}"]);
        File.WriteAllText(Path.Combine(runA, RunFolder.ConfigFile),
            "{\"training\":{\"model\":\"tiny-student\",\"corpus\":\"c1\",\"cache_dir\":\"no-such-cache\",\"output_dir\":\"runs/a\"},\"distillation\":{\"teacher\":\"t/best\"}}");
        var moved = new TrainCommandBuilder(RunRecord.Load(runA).Context);
        Assert.Equal(Path.Combine(dir, "c1"), Path.GetFullPath(moved.Get("corpus")!));
        Assert.Contains($"--teacher {Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(dir, "t", "best"))} ", moved.Build());
        Assert.Equal("no-such-cache", moved.Get("cache-dir")); // found nowhere: left as the run had it

        var empty = Directory.CreateTempSubdirectory("glossa-norun-").FullName;
        try
        {
            var e = Assert.Throws<GlossaException>(() => RunRecord.Load(empty));
            Assert.Contains("no metrics.jsonl", e.Message);
            Assert.Contains("--history", e.Message);
        }
        finally { Directory.Delete(empty); }
    }
}
