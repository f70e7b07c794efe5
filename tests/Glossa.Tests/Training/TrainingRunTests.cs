using System.Text.Json;
using Glossa.Training;
using static TorchSharp.torch;

namespace Glossa.Tests.Training;

public sealed class TrainingRunTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("glossa-run-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    static TrainingOptions Options(string dir, int epochs) => new()
    {
        Model = "tiny-test",
        OutputDir = dir,
        Epochs = epochs,
        BatchSize = 4,
        LearningRate = 3e-3,
        WarmupEpochs = 0.5,
        Dropout = 0.1,
        LabelSmoothing = 0.05,
        AccumulationSteps = 2,
        PlateauPatience = 1,
        Seed = 11,
        HistogramEvery = 1,
        LogSamples = 2,
    };

    static TrainingOutcome Train(TrainingOptions o, Func<int, int, bool>? plantNaN = null, int stopAfterEpoch = 0, int stopAtBatch = 0, Action<int, int>? epochStarting = null)
    {
        var vocab = TinyData.Vocabulary();
        var data = TinyData.Data(vocab, TinyData.Clips(vocab, 12, 1), TinyData.Clips(vocab, 4, 2), o.BatchSize, 5, plantNaN);
        random.manual_seed(o.Seed);
        using var model = new TinyCslrModel(vocab.Count, dropoutP: o.Dropout ?? 0.1);
        using var cts = new CancellationTokenSource();
        var run = new TrainingRun(o, model, "{\"name\":\"tiny-test\"}", vocab, data, CPU)
        {
            // A stop request during the epoch's last batch: the epoch completes, is validated and saved, then the run ends.
            Progress = p => { if (p.Epoch == stopAfterEpoch && p.Batch == (stopAtBatch > 0 ? stopAtBatch : data.TrainBatchesPerEpoch)) cts.Cancel(); },
            EpochStarting = epochStarting,
        };
        return run.Run(cts.Token);
    }

    // The log's "Gap:" (val loss - train loss): a new user's log read "Gap: -+0.00" for a gap of -0.003.
    [Theory]
    [InlineData(-0.003, "+0.00")]
    [InlineData(0.004, "+0.00")]
    [InlineData(-0.0051, "-0.01")]
    [InlineData(0.4151, "+0.42")]
    [InlineData(-1.2, "-1.20")]
    [InlineData(double.NaN, "NaN")]
    public void The_gap_is_printed_with_one_sign(double gap, string printed) =>
        Assert.Equal(printed, TrainingRun.SignedTwoDecimals(gap));

    [Fact]
    public void A_disk_that_fills_mid_run_stops_it_with_one_line_and_leaves_the_summary_last_checkpoint_and_metrics()
    {
        // A full disk in epoch 2 had ended a library user's run with a raw IOException and no summary.json.
        string disk = Path.Combine(root, "disk"), dir = Path.Combine(disk, "run");
        using (Glossa.Tests.Cli.FaultWorld.FullDisk(disk, 8))
        {
            void FillDisk(int epoch, int _)
            {
                if (epoch != 2) return;
                try { Glossa.Tests.Cli.FaultWorld.Fill(disk, leaveKiB: 0); }
                catch (IOException) { } // the filler may take the very last page itself
            }
            var e = Assert.Throws<Glossa.Common.OutputException>(() => Train(Options(dir, 3) with { HistogramEvery = 0 }, epochStarting: FillDisk));
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains("no space left", e.Message);
            Assert.Matches($"while writing {System.Text.RegularExpressions.Regex.Escape(dir)}/\\S+", e.Message); // the file, not only the folder
            Assert.Contains("'last' still holds epoch 1", e.Message);

            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, RunFolder.SummaryFile)));
            Assert.Equal("failed", summary.RootElement.GetProperty("status").GetString());
            Assert.Equal(RunWriteFailure.Cause, summary.RootElement.GetProperty("cause").GetString());
            Assert.Equal(e.Message, summary.RootElement.GetProperty("message").GetString());
            Assert.Equal(1, Checkpoint.ReadState(Path.Combine(dir, "last")).Epoch);
            Assert.Equal([1], RunFolder.ReadMetrics(dir).Select(m => m.Epoch));
            Assert.Contains(e.Message, File.ReadAllText(Path.Combine(dir, RunFolder.LogFile)));
            Assert.False(File.Exists(Path.Combine(dir, ".glossa-reserve")));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp*"));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1.5)] // with a weight average: validation reads the average, training goes on from the model's own weights
    public void Resume_reproduces_the_uninterrupted_runs_next_epoch_exactly(double average)
    {
        string straight = Path.Combine(root, "straight"), split = Path.Combine(root, "split");
        var full = Train(Options(straight, 3) with { WeightAverageEpochs = average });
        Assert.Equal(TrainingStatus.Completed, full.Status);
        var stopped = Train(Options(split, 3) with { WeightAverageEpochs = average }, stopAfterEpoch: 2);
        Assert.Equal(TrainingStatus.Interrupted, stopped.Status);
        Assert.False(Checkpoint.ReadState(Path.Combine(split, "last")).Interrupted);
        Assert.Equal(average > 0, File.Exists(Path.Combine(split, "last", Glossa.Models.ModelCheckpoint.TrainingWeightsFile)));
        var resumed = Train(Options(split, 3) with { Resume = true, WeightAverageEpochs = average });
        Assert.Equal(3, resumed.Epochs);

        var a = RunFolder.ReadMetrics(straight);
        var b = RunFolder.ReadMetrics(split);
        Assert.Equal(3, b.Count);
        for (int i = 0; i < 3; i++)
        {
            Console.WriteLine($"epoch {i + 1}: {a[i].TrainLoss:R} {b[i].TrainLoss:R} {a[i].ValLoss:R} {b[i].ValLoss:R}");
        }
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a[i].TrainLoss, b[i].TrainLoss); // bit-exact on CPU
            Assert.Equal(a[i].ValLoss, b[i].ValLoss);
            Assert.Equal(a[i].LearningRate, b[i].LearningRate);
            Assert.Equal(a[i].Steps, b[i].Steps);
        }
    }

    [Theory]
    [InlineData(1, 0, 0)] // inside an accumulation window (2 batches): nothing of epoch 2 is applied, it restarts from its saved generator state
    [InlineData(2, 2, 0)] // after a complete window: epoch 2 continues at its third batch
    [InlineData(2, 2, 1)] // the same with a weight average, saved and restored mid-epoch
    public void An_epoch_interrupted_part_way_continues_on_resume_exactly(int stopAtBatch, int committed, double average)
    {
        string straight = Path.Combine(root, "straight"), split = Path.Combine(root, "split");
        Assert.Equal(TrainingStatus.Completed, Train(Options(straight, 3) with { WeightAverageEpochs = average }).Status);
        var stopped = Train(Options(split, 3) with { WeightAverageEpochs = average }, stopAfterEpoch: 2, stopAtBatch: stopAtBatch);
        Assert.Equal(TrainingStatus.Interrupted, stopped.Status);
        var state = Checkpoint.ReadState(Path.Combine(split, "last"));
        Assert.True(state.Interrupted);
        Assert.Equal(1, state.Epoch);
        Assert.Equal(committed, state.PartialEpoch!.BatchesDone);
        Assert.Equal(2, RunFolder.ReadMetrics(split).Count + 1); // epoch 2 has no metrics yet

        var resumed = Train(Options(split, 3) with { Resume = true, WeightAverageEpochs = average });
        Assert.Equal(TrainingStatus.Completed, resumed.Status);
        Assert.Contains($"continuing the interrupted epoch 2 at batch {committed + 1}", File.ReadAllText(Path.Combine(split, "training.log")));
        var a = RunFolder.ReadMetrics(straight);
        var b = RunFolder.ReadMetrics(split);
        Assert.Equal(3, b.Count);
        // the resumed epoch's time covers the batches trained before the interruption too (its clips/s and data wait with it)
        Assert.True(committed == 0 ? state.PartialEpoch.Seconds == 0 : state.PartialEpoch.Seconds > 0, $"saved {state.PartialEpoch.Seconds} s");
        Assert.True(b[1].Seconds >= state.PartialEpoch.Seconds, $"epoch 2 took {b[1].Seconds} s, {state.PartialEpoch.Seconds} s of them before the interruption");
        Assert.InRange(b[1].DataWaitShare!.Value, 0, 1);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a[i].TrainLoss, b[i].TrainLoss); // the epoch's sums carry over the interruption: bit-exact on CPU
            Assert.Equal(a[i].TrainLossMax, b[i].TrainLossMax);
            Assert.Equal(a[i].TrainWer, b[i].TrainWer);
            Assert.Equal(a[i].GradNormMean, b[i].GradNormMean);
            Assert.Equal(a[i].ValLoss, b[i].ValLoss);
            Assert.Equal(a[i].Steps, b[i].Steps);
        }
    }

    [Fact]
    public void Run_folder_holds_config_vocab_log_metrics_tensorboard_checkpoints_and_summary()
    {
        string dir = Path.Combine(root, "run");
        var outcome = Train(Options(dir, 2));
        foreach (string f in new[] { "config.json", "vocab.txt", "training.log", "metrics.jsonl", "summary.json" })
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        // TensorBoard: every record's CRC holds; scalars equal metrics.jsonl; histograms and text are well formed.
        string events = Assert.Single(Directory.GetFiles(Path.Combine(dir, "tensorboard"), "events.out.tfevents*", SearchOption.AllDirectories));
        var (version, entries) = TensorBoardEvents.Read(events);
        Assert.Equal("brain.Event:2", version);
        var history = RunFolder.ReadMetrics(dir);
        foreach (var m in history)
        {
            Assert.Equal((float)m.TrainLoss, entries.Single(e => e.Tag == "loss/train" && e.Step == m.Epoch).Scalar);
            Assert.Equal((float)m.ValWer!.Value, entries.Single(e => e.Tag == "wer/val" && e.Step == m.Epoch).Scalar);
            Assert.Equal((float)m.BlankRatio!.Value, entries.Single(e => e.Tag == "val/blank_ratio" && e.Step == m.Epoch).Scalar);
            Assert.Contains("Target: ", entries.Single(e => e.Tag == "val/samples/text_summary" && e.Step == m.Epoch).Text);
            var histograms = entries.Where(e => e.Step == m.Epoch && e.Tag.StartsWith("weights/", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(histograms);
            Assert.All(histograms, e =>
            {
                var h = e.Histogram!;
                Assert.True(h.Count > 0 && h.Min <= h.Max, e.Tag);
                Assert.Equal(h.Count, h.Buckets.Sum(), 3); // every weight falls in a bucket
            });
        }
        Assert.True(Checkpoint.Exists(Path.Combine(dir, "best")));
        Assert.True(Checkpoint.Exists(Path.Combine(dir, "last")));
        Assert.Equal(2, Checkpoint.ReadState(Path.Combine(dir, "last")).Epoch);
        string log = File.ReadAllText(Path.Combine(dir, "training.log"));
        Assert.Contains("Train Loss:", log);
        Assert.Contains("Val WER:", log);
        Assert.Contains("Gap:", log);
        Assert.Contains("Target: \"", log);
        Assert.Contains("Pred:   \"", log);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
        string metrics = File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"))[0];
        Assert.Contains("\"val_wer\":", metrics);
        Assert.Contains("\"blank_ratio\":", metrics);
        // Only the versions best and last point at survive.
        Assert.InRange(Directory.GetDirectories(Path.Combine(dir, "checkpoints")).Length, 1, 2);
        Assert.Equal(TrainingStatus.Completed, outcome.Status);
    }

    [Fact]
    public void Checkpoint_rebuilds_the_same_model()
    {
        string dir = Path.Combine(root, "ck");
        Train(Options(dir, 1));
        var vocab = Glossa.Models.ModelCheckpoint.ReadVocabulary(Path.Combine(dir, "best"));
        using var a = new TinyCslrModel(vocab.Count);
        using var b = new TinyCslrModel(vocab.Count);
        Glossa.Models.ModelCheckpoint.LoadWeights(Path.Combine(dir, "best"), a);
        Glossa.Models.ModelCheckpoint.LoadWeights(Path.Combine(dir, "last"), b);
        var x = TinyData.Batch(vocab, TinyData.Clips(vocab, 2, 9), 1);
        a.eval(); b.eval();
        Assert.True(a.call(x.Frames, x.Lengths).Logits.allclose(b.call(x.Frames, x.Lengths).Logits));
        Assert.Equal("tiny-test", JsonDocument.Parse(Glossa.Models.ModelCheckpoint.ReadConfigJson(Path.Combine(dir, "best"))).RootElement.GetProperty("name").GetString());
        Assert.Equal(3e-3, Checkpoint.ReadOptions(Path.Combine(dir, "best")).LearningRate);
    }

    [Fact]
    public void With_a_weight_average_the_checkpoints_model_is_the_validated_average_and_the_training_weights_are_apart()
    {
        string dir = Path.Combine(root, "avg");
        var o = Options(dir, 2) with { WeightAverageEpochs = 1 };
        Assert.Equal(TrainingStatus.Completed, Train(o).Status);
        var recorded = RunFolder.ReadMetrics(dir)[^1].ValLoss!.Value;
        var vocab = TinyData.Vocabulary();
        double ValLoss(string file)
        {
            using var model = new TinyCslrModel(vocab.Count);
            Glossa.Models.ModelCheckpoint.LoadWeights(Path.Combine(dir, "last"), model, file);
            var data = TinyData.Data(vocab, TinyData.Clips(vocab, 12, 1), TinyData.Clips(vocab, 4, 2), o.BatchSize, 5);
            return new Validator(model, vocab, CPU).Run(data.ValBatches()).Loss;
        }
        Assert.Equal(recorded, ValLoss(Glossa.Models.ModelCheckpoint.ModelFile), 6);     // what was validated is what evaluation reads
        Assert.NotEqual(recorded, ValLoss(Glossa.Models.ModelCheckpoint.TrainingWeightsFile), 6); // the model's own weights differ from their average
    }

    [Fact]
    public void Resuming_an_averaged_run_whose_training_weights_are_missing_is_refused_in_one_line()
    {
        string dir = Path.Combine(root, "avg-missing");
        var o = Options(dir, 1) with { WeightAverageEpochs = 1 };
        Assert.Equal(TrainingStatus.Completed, Train(o).Status);
        File.Delete(Path.Combine(dir, "last", Glossa.Models.ModelCheckpoint.TrainingWeightsFile));
        var e = Assert.Throws<Glossa.Common.GlossaException>(() => Train(Options(dir, 2) with { Resume = true, WeightAverageEpochs = 1 }));
        Assert.Contains("training-weights.bin: missing; this run validated a weight average", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Planted_nan_fails_the_run_with_a_dump_naming_the_samples()
    {
        string dir = Path.Combine(root, "nan");
        var outcome = Train(Options(dir, 3), plantNaN: (epoch, batch) => epoch == 2 && batch == 1);
        Assert.Equal(TrainingStatus.Failed, outcome.Status);
        Assert.Equal(1, outcome.Epochs);
        using var dump = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, RunFolder.FailureFile)));
        var ids = dump.RootElement.GetProperty("sample_ids").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(4, ids.Count);
        Assert.All(ids, id => Assert.StartsWith("clip1_", id));
        Assert.Contains(ids[0]!, File.ReadAllText(Path.Combine(dir, "training.log")));
        Assert.Equal(1, Checkpoint.ReadState(Path.Combine(dir, "last")).Epoch); // last stays the last good epoch
    }

    [Fact]
    public void A_second_run_in_the_same_folder_needs_resume_or_overwrite()
    {
        string dir = Path.Combine(root, "twice");
        Train(Options(dir, 1));
        var e = Assert.Throws<Glossa.Common.GlossaException>(() => Train(Options(dir, 1)));
        Assert.Contains("--resume", e.Message);
        Assert.Equal(TrainingStatus.Completed, Train(Options(dir, 1) with { Overwrite = true }).Status);
    }

    [Fact]
    public void Cancellation_finishes_the_step_and_writes_a_loadable_last()
    {
        string dir = Path.Combine(root, "cancel");
        var vocab = TinyData.Vocabulary();
        var o = Options(dir, 5);
        var data = TinyData.Data(vocab, TinyData.Clips(vocab, 12, 1), TinyData.Clips(vocab, 4, 2), o.BatchSize, 5);
        using var model = new TinyCslrModel(vocab.Count);
        using var cts = new CancellationTokenSource();
        var run = new TrainingRun(o, model, "{}", vocab, data, CPU)
        {
            Progress = p => { if (p.Epoch == 2 && p.Batch == 1) cts.Cancel(); },
        };
        var outcome = run.Run(cts.Token);
        Assert.Equal(TrainingStatus.Interrupted, outcome.Status);
        var state = Checkpoint.ReadState(Path.Combine(dir, "last"));
        Assert.True(state.Interrupted);
        Assert.Equal(1, state.Epoch);
        using var again = new TinyCslrModel(vocab.Count);
        Glossa.Models.ModelCheckpoint.LoadWeights(Path.Combine(dir, "last"), again);
        Assert.True(File.Exists(Path.Combine(dir, "summary.json")));
    }
}
