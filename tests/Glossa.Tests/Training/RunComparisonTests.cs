using System.Text.Json;
using Glossa.Common;
using Glossa.Models;
using Glossa.Training;

namespace Glossa.Tests.Training;

/// <summary>What <c>glossa compare</c> reads from a run folder, and where <c>glossa evaluate</c> writes by default.</summary>
public sealed class RunComparisonTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("glossa-compare-").FullName;
    readonly string corpus, other;

    public RunComparisonTests()
    {
        corpus = Directory.CreateDirectory(Path.Combine(root, "world-a")).FullName;
        other = Directory.CreateDirectory(Path.Combine(root, "world-b")).FullName;
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A run folder trained on <see cref="corpus"/> with a best checkpoint's training.json and the given summary.</summary>
    string Run(string name, TrainingOutcome? summary)
    {
        string run = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        string model = ModelFactory.Named(ModelFactory.TinyStudent, numClasses: 5).ToJson();
        File.WriteAllText(Path.Combine(run, RunFolder.ConfigFile), $"{{\"training\": {{\"corpus\": {JsonSerializer.Serialize(corpus)}}}, \"model\": {model}}}");
        Directory.CreateDirectory(Path.Combine(run, "best"));
        File.WriteAllText(Path.Combine(run, "best", "training.json"), $"{{\"corpus\": {JsonSerializer.Serialize(corpus + "/")}}}");
        if (summary is not null)
            File.WriteAllText(Path.Combine(run, RunFolder.SummaryFile), JsonSerializer.Serialize(summary, GlossaJson.Files));
        return run;
    }

    /// <summary>Writes an evaluation result as glossa evaluate does, <paramref name="age"/> minutes old.</summary>
    static void Evaluation(string folder, string split, string decoder, double wer, string corpus, int age)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"{split}.{decoder}.results.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new EvaluationResult { Split = split, Decoder = decoder, Wer = wer, Corpus = corpus, Utterances = 4 }, GlossaJson.Files));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-age));
    }

    [Fact]
    public void Dev_and_test_are_read_with_the_same_decoder_and_only_from_the_runs_own_corpus()
    {
        string run = Run("demo", new TrainingOutcome { Status = TrainingStatus.Completed, Message = "all 3 epochs done", Epochs = 3 });
        // The demo's own beam-10 evaluation (RUN/eval), then a user's later greedy test evaluation of best, then an
        // evaluation of best on another corpus, the newest of all.
        Evaluation(Path.Combine(run, "eval"), "dev", "beam-10", 12.5, corpus, age: 30);
        Evaluation(Path.Combine(run, "eval"), "test", "beam-10", 14.0, corpus, age: 30);
        Evaluation(Path.Combine(run, "eval-best-test"), "test", "greedy", 15.5, corpus, age: 10);
        Evaluation(Path.Combine(run, "eval-best-test-world-b"), "test", "beam-10", 80.0, other, age: 1);

        var row = RunComparison.ReadOne(run);
        Assert.Equal((12.5, 14.0), (row.DevWer, row.TestWer));
        Assert.Equal(("beam-10", "beam-10"), (row.DevDecoder, row.TestDecoder));
        Assert.Equal(corpus, row.Corpus); // what compare names when runs trained on different corpora

        // A later greedy dev evaluation of best: with the greedy test one there is a greedy pair, the newest.
        Evaluation(Path.Combine(run, "eval-best-dev"), "dev", "greedy", 13.0, corpus, age: 5);
        row = RunComparison.ReadOne(run);
        Assert.Equal((13.0, 15.5), (row.DevWer, row.TestWer));
        Assert.Equal(("greedy", "greedy"), (row.DevDecoder, row.TestDecoder));

        // Without the greedy test evaluation, the greedy dev one has no partner: the beam-10 pair is read (a new user's
        // compare showed "greedy / beam-10" here).
        File.Delete(Path.Combine(run, "eval-best-test", "test.greedy.results.json"));
        row = RunComparison.ReadOne(run);
        Assert.Equal((12.5, 14.0), (row.DevWer, row.TestWer));
        Assert.Equal(("beam-10", "beam-10"), (row.DevDecoder, row.TestDecoder));

        // With no pair at all, each split's preferred evaluation is read, and the row says which decoder each used.
        File.Delete(Path.Combine(run, "eval", "dev.beam-10.results.json"));
        row = RunComparison.ReadOne(run);
        Assert.Equal((13.0, 14.0), (row.DevWer, row.TestWer));
        Assert.Equal(("greedy", "beam-10"), (row.DevDecoder, row.TestDecoder));
    }

    [Theory]
    [InlineData("time budget: another epoch (~0.3 min of compute) would end past the 6.65 min compute budget of training (best 10% at epoch 9)", null, "time_budget")]
    [InlineData("wall-clock limit: another epoch (~0.4 min) would end past the 9 min wall-clock limit of training (best 10% at epoch 9)", null, "wall_clock")]
    [InlineData("no val WER improvement for 6 epochs", null, "patience")]
    [InlineData("anything", TrainingOutcome.CauseWallClock, "wall_clock")]
    public void An_early_stop_says_what_stopped_it(string message, string? cause, string expected)
    {
        string run = Run("stopped", new TrainingOutcome { Status = TrainingStatus.EarlyStopped, Cause = cause, Message = message, Epochs = 9 });
        var row = RunComparison.ReadOne(run);
        Assert.Equal("early-stopped", row.Status);
        Assert.Equal(expected, row.StopCause);
    }

    [Fact]
    public void Runs_are_named_by_the_fewest_trailing_path_parts_that_tell_them_apart()
    {
        Assert.Equal(["out21/run", "out22/run"], RunComparison.DisplayNames(["/work/me/out21/run", "/work/me/out22/run/"]));
        Assert.Equal(["teacher", "student"], RunComparison.DisplayNames(["/runs/teacher", "/runs/student"]));
        Assert.Equal(["/a/x/run", "/b/x/run", "/c"], RunComparison.DisplayNames(["/a/x/run", "/b/x/run", "/c"]));
        // The same folder twice cannot be told apart: both get the whole path.
        Assert.Equal(["/w/run22", "/w/run22"], RunComparison.DisplayNames(["/w/run22", "/w/run22"]));
    }

    [Fact]
    public void A_completed_run_has_no_stop_cause()
    {
        var row = RunComparison.ReadOne(Run("done", new TrainingOutcome { Status = TrainingStatus.Completed, Message = "all 3 epochs done", Epochs = 3 }));
        Assert.Null(row.StopCause);
    }

    [Fact]
    public void Evaluating_another_corpus_writes_beside_the_runs_own_evaluation_not_over_it()
    {
        string run = Run("r", null), best = Path.Combine(run, "best");
        Assert.Equal(Path.Combine(run, "eval-best-test"), Evaluator.DefaultOutputDir(best, "test", corpus));
        // The corpus root and its variant folder are the same corpus.
        Assert.Equal(Path.Combine(run, "eval-best-dev"), Evaluator.DefaultOutputDir(best + "/", "dev", Path.Combine(corpus, "phoenix-2014-multisigner")));
        Assert.Equal(Path.Combine(run, "eval-best-test-world-b"), Evaluator.DefaultOutputDir(best, "test", other));
        // A run trained with a relative --corpus matches the same folder given absolutely.
        File.WriteAllText(Path.Combine(best, "training.json"), "{\"corpus\": \"world-a\"}");
        Assert.Equal(Path.Combine(run, "eval-best-test"), Evaluator.DefaultOutputDir(best, "test", corpus));
        Assert.Equal(Path.Combine(run, "eval-best-test-world-b"), Evaluator.DefaultOutputDir(best, "test", other));
        // A checkpoint under RUN/checkpoints/ writes into the run folder, where compare reads (and the trainer prunes nothing).
        Directory.CreateDirectory(Path.Combine(run, "checkpoints", "epoch0003"));
        Assert.Equal(Path.Combine(run, "eval-epoch0003-dev"), Evaluator.DefaultOutputDir(Path.Combine(run, "checkpoints", "epoch0003"), "dev", corpus));
        // A link to another corpus is that corpus; a second corpus with the same folder name does not overwrite the first's.
        string link = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "links")).FullName, "world-a");
        Directory.CreateSymbolicLink(link, other);
        Evaluation(Path.Combine(run, "eval-best-test-world-b"), "test", "greedy", 50, other, age: 1);
        Assert.Equal(Path.Combine(run, "eval-best-test-world-b"), Evaluator.DefaultOutputDir(best, "test", link));
        string third = Directory.CreateDirectory(Path.Combine(root, "elsewhere", "world-b")).FullName;
        Assert.Equal(Path.Combine(run, "eval-best-test-world-b-2"), Evaluator.DefaultOutputDir(best, "test", third));
        // A checkpoint without training.json (copied, older) keeps the plain name.
        File.Delete(Path.Combine(best, "training.json"));
        Assert.Equal(Path.Combine(run, "eval-best-test"), Evaluator.DefaultOutputDir(best, "test", other));
    }
}
