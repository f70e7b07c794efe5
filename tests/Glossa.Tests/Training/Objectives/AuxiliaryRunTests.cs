using Glossa.Tests.Cli;
using System.Text.Json;
using Glossa.Models;
using Glossa.Training;
using Glossa.Training.Objectives;
using static TorchSharp.torch;

namespace Glossa.Tests.Training.Objectives;

/// <summary>
/// A small real run (CslrModel with a temporal-conv classifier) with every VAC term: the terms are
/// logged apart in metrics.jsonl and TensorBoard, an interrupted run resumes bit-identically, and
/// <c>glossa diagnose</c> reads the run folder.
/// </summary>
public sealed class AuxiliaryRunTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("glossa-aux-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    static readonly AuxiliaryOptions Vac = new() { ConvCtcWeight = 1, AlignWeight = 25, AlignTemperature = 8 };

    static TrainingOptions Options(string dir, int epochs, AuxiliaryOptions objectives) => new()
    {
        Model = "tiny-aux",
        OutputDir = dir,
        Epochs = epochs,
        BatchSize = 4,
        LearningRate = 3e-3,
        WarmupEpochs = 0.5,
        Dropout = 0.1,
        Seed = 5,
        HistogramEvery = 0,
        LogSamples = 1,
        Objectives = objectives,
    };

    static ModelConfig Config(int classes, AuxiliaryOptions objectives) => objectives.ShapeModel(new ModelConfig
    {
        Name = "tiny-aux", Backbone = ModelConfig.TinyCnn, WidthMult = 0.25, NumClasses = classes, HiddenDim = 8, Layers = 1,
        TemporalConv = "K3-P2", TemporalChannels = 16, Dropout = 0.1, FrameSize = 32,
    });

    static TrainingOutcome Train(TrainingOptions o, int stopAtEpoch = 0, int stopAtBatch = 0)
    {
        var vocab = TinyData.Vocabulary();
        var data = TinyData.Data(vocab, TinyData.Clips(vocab, 12, 1), TinyData.Clips(vocab, 4, 2), o.BatchSize, 5);
        random.manual_seed(o.Seed);
        var config = Config(vocab.Count, o.Objectives);
        using var model = ModelFactory.Create(config);
        using var cts = new CancellationTokenSource();
        var run = new TrainingRun(o, model, config.ToJson(), vocab, data, CPU)
        {
            Progress = p => { if (p.Epoch == stopAtEpoch && p.Batch == stopAtBatch) cts.Cancel(); },
        };
        return run.Run(cts.Token);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_vac_term_is_logged_apart_and_an_interrupted_run_resumes_bit_identically(bool smkd)
    {
        var objectives = Vac with { SharedClassifier = smkd, AlignBlank = !smkd };
        string straight = Path.Combine(root, $"straight{smkd}"), split = Path.Combine(root, $"split{smkd}");
        Assert.Equal(TrainingStatus.Completed, Train(Options(straight, 3, objectives)).Status);
        Assert.Equal(TrainingStatus.Interrupted, Train(Options(split, 3, objectives), stopAtEpoch: 2, stopAtBatch: 1).Status);
        Assert.Equal(TrainingStatus.Completed, Train(Options(split, 3, objectives) with { Resume = true }).Status);

        var a = RunFolder.ReadMetrics(straight);
        var b = RunFolder.ReadMetrics(split);
        Assert.Equal(3, a.Count);
        Assert.Equal(3, b.Count);
        for (int i = 0; i < 3; i++)
        {
            var terms = a[i].LossTerms!;
            Assert.Equal(["ctc", "conv_ctc", "align"], terms.Keys);
            Assert.Equal(a[i].TrainLoss, terms["ctc"]);
            Assert.All(terms.Values, v => Assert.True(double.IsFinite(v) && v > 0, $"epoch {i + 1}: {v}"));
            Assert.Equal(terms, b[i].LossTerms!); // bit-identical, the interrupted epoch's term sums included
            Assert.Equal(a[i].TrainLoss, b[i].TrainLoss);
            Assert.Equal(a[i].ValLoss, b[i].ValLoss);
            Assert.Equal(a[i].GradNormMean, b[i].GradNormMean);
        }
        string events = Assert.Single(Directory.GetFiles(Path.Combine(straight, "tensorboard"), "events.out.tfevents*", SearchOption.AllDirectories));
        var (_, entries) = TensorBoardEvents.Read(events);
        foreach (var m in a)
            foreach (var (term, value) in m.LossTerms!)
                Assert.Equal((float)value, entries.Single(e => e.Tag == $"loss/{term}" && e.Step == m.Epoch).Scalar);
        Assert.Contains("Loss terms: ctc ", File.ReadAllText(Path.Combine(straight, "training.log")));

        var (code, output, error) = CliProcess.Run(TimeSpan.FromMinutes(3), "diagnose", straight, "--json", "--no-write");
        Assert.True(code is 0 or 3, $"exit {code}: {error}");
        using var diagnosis = JsonDocument.Parse(output);
        Assert.True(diagnosis.RootElement.TryGetProperty("verdict", out _), output);
    }

    [Fact]
    public void Objectives_on_a_model_without_a_temporal_conv_head_name_the_fix()
    {
        var vocab = TinyData.Vocabulary();
        using var model = ModelFactory.Create(Config(vocab.Count, new AuxiliaryOptions()));
        using var batch = TinyData.Batch(vocab, TinyData.Clips(vocab, 2, 3), 1);
        var output = model.call(batch.Frames, batch.Lengths);
        var error = Assert.Throws<Glossa.Common.GlossaException>(() =>
            new AuxiliaryObjective(Vac).Compute(output, new CtcObjective(), batch.Targets, batch.TargetLengths));
        Assert.Contains("conv_head linear or shared", error.Message);
    }
}
