using System.Diagnostics;
using Glossa.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void One_batch_overfits_loss_falls_at_least_tenfold()
    {
        random.manual_seed(1);
        var vocab = TinyData.Vocabulary();
        var clips = TinyData.Clips(vocab, 4, seed: 3);
        using var model = new TinyCslrModel(vocab.Count, dropoutP: 0);
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-2);
        var trainer = new Trainer(model, vocab, optimizer, new CtcObjective(), CPU, clipGradNorm: 5);
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < 200 && !(last * 20 <= first); step++) // stop early once well past tenfold
        {
            var r = trainer.TrainOneEpoch([TinyData.Batch(vocab, clips, noiseSeed: 5)], 1);
            if (step == 0) first = r.MeanLoss;
            last = r.MeanLoss;
        }
        Assert.True(last * 10 <= first, $"loss {first:F3} -> {last:F3}: less than tenfold");
        var val = trainer.Validate([TinyData.Batch(vocab, clips, noiseSeed: 5)]);
        Assert.True(val.Wer < 25, $"WER {val.Wer:F1}% after overfitting one batch (loss {first:F3} -> {last:F3}); samples: {string.Join(" | ", val.Samples.Select(s => s.Target + " / " + s.Pred))}");
    }

    [Fact]
    public void Planted_nan_stops_the_step_and_names_the_samples()
    {
        var vocab = TinyData.Vocabulary();
        var clips = TinyData.Clips(vocab, 3, seed: 4);
        using var model = new TinyCslrModel(vocab.Count);
        using var optimizer = optim.AdamW(model.parameters());
        var trainer = new Trainer(model, vocab, optimizer, new CtcObjective(), CPU);
        var e = Assert.Throws<NonFiniteLossException>(() =>
            trainer.TrainOneEpoch([TinyData.Batch(vocab, clips, 1), TinyData.Batch(vocab, clips, 2, nanAt: 0)], 1));
        Assert.Equal(clips.Select(c => c.Id), e.SampleIds);
        Assert.Contains(clips[0].Id, e.Message);
        Assert.False(string.IsNullOrEmpty(e.Module)); // the doctor's probe names where the NaN first shows
        Assert.Equal(1, trainer.OptimizerSteps); // the first batch stepped, the NaN batch did not
    }

    [Fact]
    public void Accumulation_steps_once_per_window_and_once_for_the_remainder()
    {
        var vocab = TinyData.Vocabulary();
        var clips = TinyData.Clips(vocab, 2, seed: 5);
        using var model = new TinyCslrModel(vocab.Count);
        using var optimizer = optim.AdamW(model.parameters());
        var trainer = new Trainer(model, vocab, optimizer, new CtcObjective(), CPU, accumulationSteps: 2);
        var rates = new List<long>();
        trainer.LearningRateAt = s => { rates.Add(s); return 1e-3; };
        var r = trainer.TrainOneEpoch(Enumerable.Range(0, 5).Select(i => TinyData.Batch(vocab, clips, i)), 1);
        Assert.Equal(5, r.Batches);
        Assert.Equal(3, r.OptimizerSteps);
        Assert.Equal([0L, 1L, 2L], rates);
    }

    [Fact]
    public void Validation_reports_blank_and_length_statistics_of_an_untrained_model()
    {
        random.manual_seed(2);
        var vocab = TinyData.Vocabulary();
        var clips = TinyData.Clips(vocab, 5, seed: 6);
        using var model = new TinyCslrModel(vocab.Count);
        using var optimizer = optim.AdamW(model.parameters());
        var trainer = new Trainer(model, vocab, optimizer, new CtcObjective(), CPU);
        var v = trainer.Validate([TinyData.Batch(vocab, clips, 1)], keepSamples: 2);
        Assert.Equal(5, v.Clips);
        Assert.Equal(clips.Sum(c => c.Classes.Length), v.ReferenceWords);
        Assert.InRange(v.BlankRatio, 0, 1);
        Assert.Equal(2, v.Samples.Count);
        Assert.True(double.IsFinite(v.Loss) && v.Loss > 0);
    }

    [Fact]
    public void Memory_stays_flat_over_hundreds_of_steps()
    {
        var vocab = TinyData.Vocabulary();
        var clips = TinyData.Clips(vocab, 4, seed: 8);
        using var model = new TinyCslrModel(vocab.Count);
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
        var trainer = new Trainer(model, vocab, optimizer, new CtcObjective(0.1), CPU, clipGradNorm: 1);
        var batches = Enumerable.Range(0, 8).Select(i => TinyData.Batch(vocab, clips, i)).ToList();
        IEnumerable<Glossa.Frames.ClipBatch> Fresh() => batches.Select(b => b with
        {
            Frames = b.Frames.clone(), Lengths = b.Lengths.clone(), Targets = b.Targets.clone(), TargetLengths = b.TargetLengths.clone(),
        });
        for (int i = 0; i < 10; i++) trainer.TrainOneEpoch(Fresh(), 1); // warm up allocator and JIT
        GC.Collect(); GC.WaitForPendingFinalizers();
        long before = Rss();
        for (int i = 0; i < 40; i++) { trainer.TrainOneEpoch(Fresh(), 1); trainer.Validate(Fresh()); } // 320 steps + 320 eval batches
        GC.Collect(); GC.WaitForPendingFinalizers();
        long growth = Rss() - before;
        Assert.True(growth < 40L << 20, $"RSS grew by {growth >> 20} MiB over 320 steps");
    }

    static long Rss()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}
