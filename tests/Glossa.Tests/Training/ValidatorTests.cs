using Glossa.Corpora;
using Glossa.Frames;
using Glossa.Models;
using Glossa.Scoring;
using Glossa.Tests.Recognition;
using Glossa.Training;
using TorchSharp;

namespace Glossa.Tests.Training;

/// <summary>The validation pass that picks 'best' and feeds the doctor scores exactly what 'glossa evaluate --beam 0' scores.</summary>
public sealed class ValidatorTests
{
    [Fact]
    public void Validation_wer_equals_greedy_evaluation_on_the_same_checkpoint_and_split()
    {
        // An untrained model emits many labels (repeats across blanks among them), so both paths decode real, messy output.
        string checkpoint = RecognitionFixture.Checkpoint();
        string outDir = Path.Combine(RecognitionFixture.Root, "validator-eval");
        var evaluation = Evaluator.Run(new EvaluationOptions { Checkpoint = checkpoint, Corpus = TinyCorpus.Path_, Split = "dev", Beam = 0, OutputDir = outDir, Threads = 2 });

        using var inference = CheckpointModel.Load(checkpoint, torch.CPU);
        var corpus = CorpusLoader.Load(TinyCorpus.Path_);
        var loader = new BatchLoader(corpus.Split("dev"), inference.Vocabulary, new LoaderOptions { Frames = inference.Frames, Mode = FrameMode.Eval, BatchSize = 3 });
        var cleanup = CleanupRules.Parse(CorpusLoader.CleanupName(corpus.Format));
        var validation = new Validator(inference.Model, inference.Vocabulary, torch.CPU, cleanup).Run(loader.Epoch(0));

        Assert.Equal(evaluation.Substitutions + evaluation.Deletions + evaluation.Insertions, validation.Errors);
        Assert.Equal(evaluation.ReferenceWords, validation.ReferenceWords);
        Assert.Equal(evaluation.Wer, Math.Round(validation.Wer, 2));
        var written = HypothesisSet.Read(evaluation.Files["ctm"]).Words;
        Assert.Equal(evaluation.Utterances, validation.Hypotheses.Count);
        foreach (var (id, glosses) in validation.Hypotheses)
            Assert.Equal(written[id].Where(w => w != WerScorer.EmptyWord), glosses);
        Assert.Contains(validation.Hypotheses, h => h.Glosses.Length > 0);
        Assert.Equal("greedy", evaluation.Decoder);
        Assert.EndsWith("dev.greedy.ctm", evaluation.Files["ctm"]);
        // What was scored is named in the result and at the top of the summary: the fixture's checkpoint was saved after epoch 1.
        Assert.Equal(1, evaluation.CheckpointEpoch);
        string[] summary = File.ReadAllLines(evaluation.Files["summary"]);
        Assert.StartsWith("checkpoint: ", summary[0]);
        Assert.EndsWith("(saved after epoch 1)", summary[0]);
        Assert.Equal($"corpus: {evaluation.Corpus}, split dev, decoder greedy", summary[1]);
    }

    [Fact]
    public void A_cancelled_pass_says_so()
    {
        using var inference = CheckpointModel.Load(RecognitionFixture.Checkpoint(), torch.CPU);
        var loader = new BatchLoader(CorpusLoader.Load(TinyCorpus.Path_).Split("dev"), inference.Vocabulary,
            new LoaderOptions { Frames = inference.Frames, Mode = FrameMode.Eval, BatchSize = 1 });
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var result = new Validator(inference.Model, inference.Vocabulary, torch.CPU).Run(loader.Epoch(0), cancel: cancel.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(0, result.Clips);
    }
}
