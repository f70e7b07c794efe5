using Glossa.Common;
using Glossa.Corpora;
using Glossa.Training;
using Glossa.Frames;
using Glossa.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Doctor;

/// <summary>
/// <c>glossa diagnose --checkpoint C --corpus P --split dev</c>: runs a trained checkpoint over a
/// corpus split and hands the doctor what one validation pass shows (blank share, empty and
/// too-short hypotheses, loss, WER), with the static facts of the pair: vocabulary agreement,
/// CTC feasibility at the model's stride, label distribution and capacity. When the checkpoint
/// sits in a run folder with <c>metrics.jsonl</c>, that history comes first so trends count too.
/// </summary>
public static class CheckpointDiagnosis
{
    /// <summary>Evaluates and diagnoses; returns the monitor holding the findings.</summary>
    public static HealthMonitor Run(string checkpoint, string corpusPath, string? format, string split, string device = "auto")
    {
        checkpoint = checkpoint.TrimEnd('/');
        if (!Checkpoint.Exists(checkpoint))
            throw new GlossaException($"{checkpoint}: not a Glossa checkpoint (expected a run's 'best' or 'last' folder)");
        using var inference = CheckpointModel.Load(checkpoint, ComputeDevice.Resolve(device));
        var (model, vocabulary, frames) = (inference.Model, inference.Vocabulary, inference.Frames);
        // NaN weights make every loss NaN: say so (and which tensor) instead of failing on the first batch.
        if (FirstNonFiniteParameter(model) is { } bad)
            return NonFinite(checkpoint, model.Config.Name, bad, "weights");

        var corpus = CorpusLoader.Load(corpusPath, format is null ? null : CorpusLoader.ParseFormat(format));
        var samples = corpus.Split(split);
        var train = corpus.HasSplit("train") ? corpus.Split("train") : samples;
        var corpusVocabulary = Vocabulary.Build(train);
        var differences = vocabulary.Tokens.Skip(1).Where(g => !corpusVocabulary.Contains(g)).Select(g => "-" + g)
            .Concat(corpusVocabulary.Tokens.Skip(1).Where(g => !vocabulary.Contains(g)).Select(g => "+" + g))
            .Take(10).ToList();

        int OutputLength(int n) => (int)Math.Max(0, model.ComputeOutputLength(n));
        var videoNotes = new List<string>(); // a damaged video is named by corpus check; here its length is what counts
        var (kept, rejected) = CtcFeasibility.Split(samples, vocabulary, n => FramePolicy.KeptFrames(frames, n), OutputLength,
            CtcFeasibility.VideoLengths(samples, videoNotes));
        if (kept.Count == 0)
            throw new GlossaException($"{corpusPath} split '{split}': no clip is long enough for CTC at the model's temporal stride {model.TemporalStride}; run 'glossa corpus check {corpusPath} --stride {model.TemporalStride}'");

        // Every clip is scored, as evaluate and training's validation score them: the short ones are left out of the loss only,
        // and those the model gives no output frame are scored as empty hypotheses.
        var (decodable, noOutput) = CtcFeasibility.ByOutput(samples, rejected);
        var loader = new BatchLoader(decodable, vocabulary, new LoaderOptions { Frames = frames, Mode = FrameMode.Eval, BatchSize = 4 });
        var cleanup = Scoring.CleanupRules.Parse(CorpusLoader.CleanupName(corpus.Format));
        ValidationResult val;
        try { val = new Validator(model, vocabulary, inference.Device, cleanup).Run(loader.Epoch(0), keepSamples: 5, noOutput: noOutput); }
        catch (NonFiniteLossException e) { return NonFinite(checkpoint, model.Config.Name, e.Module, "val_loss", string.Join(", ", e.SampleIds)); }

        // Another corpus than the one the model trained on: its history and its training signers are not this corpus's.
        var trained = SavedOptions(checkpoint);
        bool otherCorpus = trained?.Corpus is { Length: > 0 } trainedOn && !Evaluator.SameCorpus(trainedOn, corpusPath);
        bool otherSplit = trained?.ValSplit is { } valSplit && !string.Equals(valSplit, split, StringComparison.OrdinalIgnoreCase);
        var history = HistoryWith(checkpoint, val, otherCorpus || otherSplit);

        var context = new RunContext
        {
            DataCorpus = corpusPath,
            ModelName = model.Config.Name,
            ParameterCount = model.parameters().Sum(p => p.numel()),
            TrainingSamples = train.Count,
            TemporalStride = model.TemporalStride,
            InfeasibleClips = rejected.Count(r => r.TooShort), // a clip of unknown glosses only is not short
            CheckedClips = samples.Count,
            InfeasibleSplit = string.Equals(split, "train", StringComparison.OrdinalIgnoreCase) ? null : split,
            InfeasibleExamples = rejected.Where(r => r.TooShort).Take(5).Select(r => r.Sample.Id).ToList(),
            ValidationUnknownGlosses = samples.Sum(x => x.Glosses.Count(g => !vocabulary.Contains(g))),
            ValidationGlosses = samples.Sum(x => x.Glosses.Count),
            ValidationUnknownGlossCounts = RunContext.CountUnknown(samples, vocabulary),
            CheckpointVocabularySize = vocabulary.Count,
            CorpusVocabularySize = corpusVocabulary.Count,
            VocabularyDifferences = differences,
            Signers = corpus.HasSplit("train") && !otherCorpus ? SignerCounts.Of(train, samples) : null,
            LabelCounts = RunContext.CountLabels(train),
            Config = RunFolder.ConfigObject(trained ?? Checkpoint.ReadOptions(checkpoint), model.Config.ToJson(), vocabulary),
        };
        return HealthMonitor.Diagnose(history, context);
    }

    /// <summary>
    /// The run folder's history (when the checkpoint sits in one) as it stood at the checkpoint's epoch, with this pass as
    /// that epoch's validation. Until 2026-12-07 the pass was appended as one more epoch (a run's 'best' of epoch 30 out of
    /// 48 came back as an "epoch 49" with the test WER in the val column, and the later epochs' findings were not about it).
    /// A checkpoint without loop state (exported or converted weights) is appended after the history.
    /// </summary>
    static List<EpochMetrics> HistoryWith(string checkpoint, ValidationResult val, bool otherData)
    {
        var history = new List<EpochMetrics>();
        string runDir = Checkpoint.RunFolderOf(checkpoint);
        if (File.Exists(Path.Combine(runDir, RunFolder.MetricsFile)))
            history.AddRange(RunFolder.ReadMetrics(runDir));
        int? at = CheckpointEpoch(checkpoint);
        if (at is int e)
            history.RemoveAll(m => m.Epoch > e);
        // Another split than the run's validation split, or another corpus: the history's validation columns are not this
        // split's, and a trend across the two is no trend (a test loss compared with the dev loss's low was called
        // overfitting; so was a WER on another corpus's dev set, by a new user, 2026-12-07). Only the training columns of
        // the checkpoint's epoch are kept.
        if (otherData)
            history = history.Count > 0 && at is int e2 && history[^1].Epoch == e2
                ? [history[^1] with { ValLoss = null, ValWer = null, BlankRatio = null, EmptyRate = null, LengthRatio = null, Samples = null }]
                : [];
        if (at is int same && history.Count > 0 && history[^1].Epoch == same)
        {
            history[^1] = val.Into(history[^1]);
            return history;
        }
        int epoch = at ?? (history.Count == 0 ? 1 : history[^1].Epoch + 1);
        history.Add(val.Into(new EpochMetrics
        {
            Epoch = epoch,
            // No training pass here: the last recorded training loss (or the split's own loss) stands in.
            TrainLoss = history.Count > 0 ? history[^1].TrainLoss : val.Loss,
        }));
        return history;
    }

    /// <summary>The run's options saved with the checkpoint (its corpus, its validation split), or null when it has none.</summary>
    static TrainingOptions? SavedOptions(string checkpoint)
    {
        if (!File.Exists(Path.Combine(checkpoint, Checkpoint.OptionsFile))) return null;
        try { return Checkpoint.ReadOptions(checkpoint); }
        catch (GlossaException) { return null; }
    }

    /// <summary>The epoch whose weights the checkpoint holds (its state.json), or null when it has no loop state.</summary>
    static int? CheckpointEpoch(string checkpoint) => Checkpoint.SavedEpoch(checkpoint) is > 0 and var e ? e : null;

    static string? FirstNonFiniteParameter(nn.Module model)
    {
        foreach (var (name, p) in model.named_parameters())
            using (var finite = p.isfinite().all())
                if (!finite.item<bool>()) return name;
        return null;
    }

    /// <summary>A diagnosis holding one critical non_finite finding (the run's history first, when there is one).</summary>
    static HealthMonitor NonFinite(string checkpoint, string modelName, string? where, string quantity, string? samples = null)
    {
        string runDir = Checkpoint.RunFolderOf(checkpoint);
        var history = File.Exists(Path.Combine(runDir, RunFolder.MetricsFile)) ? RunFolder.ReadMetrics(runDir) : [];
        var monitor = HealthMonitor.Diagnose(history, new RunContext { ModelName = modelName });
        int epoch = history.Count == 0 ? 1 : history[^1].Epoch;
        string module = where is null ? "" : quantity == "weights" ? $"parameter {where}" : where;
        monitor.ReportNonFinite(epoch, null, module.Length == 0 ? samples is null ? null : $"batch {samples}" : module, quantity, double.NaN);
        return monitor;
    }
}
