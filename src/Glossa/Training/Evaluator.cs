using System.Diagnostics;
using System.Text.Json;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Decoding;
using Glossa.Frames;
using Glossa.Models;
using Glossa.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// <c>glossa evaluate</c>: rebuilds the model of a checkpoint, decodes a split (greedy or beam),
/// scores it with the official rules (sclite-exact alignment, corpus cleanup) and writes the CTM,
/// STM, per-utterance alignments and a WER summary.
/// </summary>
public static class Evaluator
{
    /// <summary>Rebuilds a checkpoint's model on <paramref name="device"/>, in eval mode.</summary>
    public static (CslrModel Model, Vocabulary Vocabulary, TrainingOptions Training) LoadModel(string checkpoint, Device device)
    {
        var config = ModelConfig.FromJson(Checkpoint.ReadModelConfigJson(checkpoint), Path.Combine(checkpoint, Checkpoint.ModelConfigFile));
        var vocabulary = Checkpoint.ReadVocabulary(checkpoint);
        if (config.NumClasses != vocabulary.Count)
            throw new GlossaException($"{checkpoint}: model.json has {config.NumClasses} classes but vocab.txt {vocabulary.Count}; the checkpoint is inconsistent");
        var model = ModelFactory.Create(config);
        Checkpoint.LoadWeights(checkpoint, model);
        model.to(device);
        model.eval();
        return (model, vocabulary, Checkpoint.ReadOptions(checkpoint));
    }

    /// <summary>Decodes and scores one split; <paramref name="progress"/> gets (clips done, total).</summary>
    public static EvaluationResult Run(EvaluationOptions options, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var device = TrainingDevice.Resolve(options.Device);
        if (options.Threads > 0) set_num_threads(options.Threads);
        string checkpoint = options.Checkpoint.TrimEnd('/');
        var (model, vocabulary, training) = LoadModel(checkpoint, device);
        using var owned = model;

        var corpus = CorpusLoader.Load(options.Corpus, options.CorpusFormat is null ? null : CorpusLoader.ParseFormat(options.CorpusFormat));
        var samples = corpus.Split(options.Split);
        var cleanup = options.Cleanup == "auto"
            ? corpus.Format switch
            {
                CorpusFormat.Phoenix2014 => CleanupRules.Phoenix2014,
                CorpusFormat.Phoenix2014T => CleanupRules.Phoenix2014T,
                _ => CleanupRules.None,
            }
            : CleanupRules.Parse(options.Cleanup);

        var frames = TrainingJob.FrameOptionsFor(training, model.Config.FrameSize);
        var loader = new BatchLoader(samples, vocabulary, new LoaderOptions
        {
            Frames = frames,
            Mode = FrameMode.Eval,
            BatchSize = options.BatchSize,
            CacheDirectory = options.CacheDir,
        });
        var beam = options.Beam > 1 ? new BeamSearchDecoder(new BeamSearchOptions { BeamWidth = options.Beam, TopClasses = Math.Min(40, vocabulary.Count) }) : null;

        var hypotheses = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var forward = new Stopwatch();
        var decode = new Stopwatch();
        int done = 0;
        using (no_grad())
        {
            foreach (var batch in loader.Epoch(0, cancel))
            {
                using var b = batch;
                using var scope = NewDisposeScope();
                forward.Start();
                var output = model.call(b.Frames.to(device), b.Lengths.to(device));
                var logProbs = nn.functional.log_softmax(output.Logits, dim: -1).cpu().contiguous(); // (B,T',C)
                float[] flat = logProbs.data<float>().ToArray();
                int[] lengths = output.Lengths.cpu().to_type(ScalarType.Int32).data<int>().ToArray();
                forward.Stop();
                decode.Start();
                int maxFrames = (int)logProbs.shape[1], classes = (int)logProbs.shape[2];
                int[][] ids = beam is null
                    ? GreedyDecoder.DecodeBatch(flat, lengths, maxFrames, classes)
                    : beam.DecodeBatch(flat, lengths, maxFrames, classes).Select(n => n.Count > 0 ? n[0].Ids : []).ToArray();
                decode.Stop();
                for (int i = 0; i < b.Count; i++)
                    hypotheses[b.Ids[i]] = vocabulary.Decode(ids[i]);
                done += b.Count;
                progress?.Invoke(done, samples.Count);
            }
        }
        if (cancel.IsCancellationRequested)
            throw new OperationCanceledException("evaluation interrupted");

        var references = samples.Select(s => new Utterance(s.Id, s.Signer, s.Glosses, s.Source)).ToList();
        var report = WerScorer.Score(references, hypotheses, ScoreOptions.With(cleanup));

        string outDir = options.OutputDir ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, $"eval-{Path.GetFileName(checkpoint)}-{options.Split}");
        outDir = SafeWrite.Folder(outDir, "--output-dir");
        string Out(string ext) => Path.Combine(outDir, $"{options.Split}.{ext}");
        CtmFile.Write(Out("ctm"), references, hypotheses);
        StmFile.Write(Out("stm"), references);
        using (var w = new StreamWriter(Out("pra"))) report.WritePra(w);
        using (var w = new StreamWriter(Out("wer-summary.txt"))) report.WriteSummary(w);

        var t = report.Totals;
        var result = new EvaluationResult
        {
            Checkpoint = Path.GetFullPath(checkpoint),
            Split = options.Split,
            Decoder = beam is null ? "greedy" : $"beam-{options.Beam}",
            Cleanup = cleanup.Name,
            Wer = Math.Round(report.WerPercent, 2),
            Substitutions = t.Substitutions,
            Deletions = t.Deletions,
            Insertions = t.Insertions,
            ReferenceWords = t.ReferenceWords,
            Utterances = references.Count,
            ForwardSeconds = Math.Round(forward.Elapsed.TotalSeconds, 2),
            DecodeSeconds = Math.Round(decode.Elapsed.TotalSeconds, 3),
            Files = new Dictionary<string, string>
            {
                ["ctm"] = Out("ctm"), ["stm"] = Out("stm"), ["pra"] = Out("pra"), ["summary"] = Out("wer-summary.txt"), ["results"] = Out("results.json"),
            },
        };
        File.WriteAllText(Out("results.json"), JsonSerializer.Serialize(result, Checkpoint.Json));
        return result;
    }
}
