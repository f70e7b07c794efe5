using System.CommandLine;
using System.Globalization;
using Glossa.Training;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa evaluate</c>: decode a split with a checkpoint and score it with the official rules.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var d = new EvaluationOptions();
        var checkpoint = new Option<string>("--checkpoint", "-c") { Description = "Checkpoint directory, e.g. RUN/best or RUN/last.", Required = true };
        var corpus = new Option<string>("--corpus", "--data") { Description = "Corpus root or manifest.", Required = true };
        var format = new Option<string?>("--corpus-format", "--corpus_format", "--format") { Description = "phoenix2014, phoenix2014t, csl-daily or manifest (default: detect)." };
        var split = new Option<string>("--split") { Description = "Split to decode: dev, test, or any split the corpus has (train shows how well the model fits its training data).", DefaultValueFactory = _ => d.Split };
        var beam = new Option<int>("--beam") { Description = "Beam width (10 is what peers report); 0 = greedy.", DefaultValueFactory = _ => d.Beam };
        var cleanup = new Option<string>("--cleanup") { Description = "Gloss cleanup before scoring: auto (by corpus format), none, phoenix2014, phoenix2014-sentence, phoenix2014t.", DefaultValueFactory = _ => d.Cleanup };
        var output = new Option<string?>("--output-dir", "--output_dir", "-o") { Description = "Where to write SPLIT.stm and SPLIT.DECODER.ctm, .pra, .wer-summary.txt, .results.json (DECODER: greedy or beam-N; default: RUN/eval-CHECKPOINT-SPLIT)." };
        var batch = new Option<int>("--batch-size", "--batch_size") { Description = "Clips per forward pass.", DefaultValueFactory = _ => d.BatchSize };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => d.Device };
        var precision = new Option<string>("--precision") { Description = "Backbone arithmetic: fp32, or bf16 on CPUs with avx512_bf16/AMX and on CUDA (refused elsewhere).", DefaultValueFactory = _ => d.Precision };
        var engine = new Option<string>("--engine") { Description = "What runs the model: auto (ONNX Runtime on the CPU in fp32 where the model exports, else TorchSharp), torch or onnx.", DefaultValueFactory = _ => d.Engine };
        var threads = new Option<int>("--threads") { Description = "libtorch threads; 0 = one per core.", DefaultValueFactory = _ => d.Threads };
        var cache = new Option<string?>("--cache-dir", "--cache_dir") { Description = "Decoded-frame cache folder." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (wer, substitutions, deletions, insertions, reference_words, ...)." };
        var command = new Command("evaluate", "Decode a corpus split with a trained checkpoint, score it like sclite with the official cleanup, write CTM, per-utterance alignments and a WER summary.");
        foreach (var o in new Option[] { checkpoint, corpus, format, split, beam, cleanup, output, batch, device, threads, cache, json, precision, engine }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Interruptible(cancel =>
        {
            var options = new EvaluationOptions
            {
                Checkpoint = parse.GetValue(checkpoint)!,
                Corpus = parse.GetValue(corpus)!,
                CorpusFormat = parse.GetValue(format),
                Split = parse.GetValue(split)!,
                Beam = parse.GetValue(beam),
                Cleanup = parse.GetValue(cleanup)!,
                OutputDir = parse.GetValue(output),
                BatchSize = parse.GetValue(batch),
                Device = parse.GetValue(device)!,
                Threads = parse.GetValue(threads),
                Precision = parse.GetValue(precision)!,
                Engine = parse.GetValue(engine)!,
                CacheDir = parse.GetValue(cache),
            };
            bool asJson = parse.GetValue(json);
            var result = Evaluator.Run(options, cancel: cancel);
            if (result.UnknownGlosses > 0)
                Console.Error.WriteLine(UnknownGlossWarning(result));
            foreach (var line in result.Warnings)
                Console.Error.WriteLine(line.StartsWith(' ') ? line : "warning: " + line);
            if (asJson) CliRunner.PrintJson(result);
            else Print(result);
            return 0;
        }));
        return command;
    }

    /// <summary>One line on stderr when the corpus has glosses the checkpoint never learnt (each counts as an error).</summary>
    public static string UnknownGlossWarning(EvaluationResult r) => string.Create(CultureInfo.InvariantCulture,
        $"warning: {r.UnknownGlosses} gloss occurrences in {r.Split} (e.g. {string.Join(", ", r.UnknownGlossExamples)}) are not in the checkpoint's vocabulary, so each counts as an error; check that this is the corpus (and gloss spelling) the model was trained on");

    /// <summary>The human-readable result: one WER line and where the files are.</summary>
    public static void Print(EvaluationResult r)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Split}: WER {r.Wer:0.00}% (S={r.Substitutions}, D={r.Deletions}, I={r.Insertions}, N={r.ReferenceWords}; {r.Utterances} utterances, {r.Decoder}, cleanup {r.Cleanup})"));
        if (r.CheckpointEpoch is int epoch)
            Console.WriteLine($"  checkpoint {r.Checkpoint}, saved after epoch {epoch}");
        foreach (var (kind, path) in r.Files)
            Console.WriteLine($"  {kind,-8} {path}");
    }
}
