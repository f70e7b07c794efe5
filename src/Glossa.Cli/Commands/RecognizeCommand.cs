using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Glossa.Recognition;
using Glossa.Scoring;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa recognize</c>: run a trained checkpoint on videos or frame folders and print the glosses.</summary>
internal static class RecognizeCommand
{
    public static Command Create()
    {
        var d = new RecognitionOptions();
        var inputs = new Argument<string[]>("INPUT") { Description = "Video files (.mp4, .mkv, ...) or folders of .png/.jpg frames.", Arity = ArgumentArity.OneOrMore };
        var checkpoint = new Option<string>("--checkpoint", "-c") { Description = "Checkpoint directory, e.g. RUN/best.", Required = true };
        var beam = new Option<int>("--beam") { Description = "Beam width for CTC prefix beam search; 0 = greedy.", DefaultValueFactory = _ => d.Beam };
        var nbest = new Option<int>("--nbest") { Description = "Print this many alternatives with their scores (implies a beam at least this wide).", DefaultValueFactory = _ => d.NBest };
        var ctm = new Option<bool>("--ctm") { Description = "Print only CTM lines (input 1 start duration gloss) on stdout, with each gloss's time: output frame x temporal stride / fps; the readable lines go to stderr." };
        var json = new Option<bool>("--json") { Description = "Print JSON: one object per input (input, glosses, nbest [{glosses, score}], ctm with --ctm)." };
        var stream = new Option<bool>("--stream") { Description = "Print glosses as soon as they are stable while the video is decoded, with the lag kept (greedy decoding)." };
        var chunk = new Option<int>("--chunk") { Description = "Frames per chunk; longer inputs are processed in chunks with bounded memory.", DefaultValueFactory = _ => d.ChunkFrames };
        var overlap = new Option<int>("--overlap") { Description = "Context frames on each side of a chunk (a multiple of the model's temporal stride).", DefaultValueFactory = _ => d.Overlap };
        var fps = new Option<double?>("--fps") { Description = "Frame rate for timings (default: the video's, 25 for frame folders)." };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => d.Device };
        var threads = new Option<int>("--threads") { Description = "libtorch (or ONNX Runtime) threads; 0 = one per core.", DefaultValueFactory = _ => d.Threads };
        var precision = new Option<string>("--precision") { Description = "Backbone arithmetic: fp32, or bf16 on CPUs with avx512_bf16/AMX and on CUDA (refused elsewhere).", DefaultValueFactory = _ => d.Precision };
        var engine = new Option<string>("--engine") { Description = "What runs the model: auto (ONNX Runtime on the CPU in fp32 where the model exports, else TorchSharp), torch (TorchSharp: any device, bf16) or onnx (ONNX Runtime: --onnx FILE, else CHECKPOINT/model.onnx if present, else the checkpoint exported in memory).", DefaultValueFactory = _ => d.Engine };
        var onnxFile = new Option<string?>("--onnx") { Description = "Run this file (written by 'glossa model export CHECKPOINT --format onnx') with the onnx engine (default: CHECKPOINT/model.onnx if present, else an in-memory export)." };
        var command = new Command("recognize", "Recognise the glosses of videos or frame folders with a trained checkpoint (greedy or beam search; long videos in chunks).");
        command.Arguments.Add(inputs);
        foreach (var o in new Option[] { checkpoint, beam, nbest, ctm, json, stream, chunk, overlap, fps, device, threads, engine, onnxFile, precision }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Interruptible(cancel =>
        {
            var options = new RecognitionOptions
            {
                Checkpoint = parse.GetValue(checkpoint)!,
                Beam = parse.GetValue(beam),
                NBest = parse.GetValue(nbest),
                ChunkFrames = parse.GetValue(chunk),
                Overlap = parse.GetValue(overlap),
                Fps = parse.GetValue(fps),
                Device = parse.GetValue(device)!,
                Threads = parse.GetValue(threads),
                Engine = parse.GetValue(engine)!,
                Precision = parse.GetValue(precision)!,
                OnnxFile = parse.GetValue(onnxFile),
            }.Validate();
            bool asJson = parse.GetValue(json), withCtm = parse.GetValue(ctm), streaming = parse.GetValue(stream);
            if (streaming && options.EffectiveBeam > 1)
                throw new Glossa.Common.GlossaException("--stream prints greedy glosses as they become stable; drop --beam/--nbest, or recognise without --stream");
            var files = parse.GetValue(inputs)!;
            // Every input, before loading the model and printing any result. A warning (a video ffprobe reads with errors) is
            // printed with that input's result: when the video then fails to decode, its error line says it alone.
            // Every bad input is named, one line each, not only the first (a user fixed and reran once per bad file).
            var warnings = new Dictionary<string, string?>();
            var bad = new List<string>();
            foreach (var f in files.Distinct())
            {
                try { warnings[f] = Recognizer.ValidateInput(f); }
                catch (Glossa.Common.GlossaException e) { bad.Add(e.Message); }
            }
            foreach (var line in bad.SkipLast(1)) Console.Error.WriteLine($"glossa: error: {line}");
            if (bad.Count > 0) throw new Glossa.Common.GlossaException(bad[^1] + (bad.Count > 1 ? $" ({bad.Count} inputs cannot be recognised, each named on its own line)" : ""));
            using var recognizer = Recognizer.Load(options);
            if (streaming)
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"streaming: a gloss is printed once final; the stable part lags the decoded frames by {recognizer.Options.Overlap}..{recognizer.Options.ChunkFrames - recognizer.Options.Overlap} frames (chunks of {recognizer.Options.ChunkFrames}, context {recognizer.Options.Overlap})"));
            // CTM ids, one per input: two inputs with the same file name (or one given twice) would merge in a CTM file.
            var ids = CtmFile.UtteranceIds(files);
            if (withCtm)
                for (int i = 0; i < files.Length; i++)
                    if (ids[i] != CtmFile.UtteranceId(files[i]))
                        Console.Error.WriteLine($"glossa: warning: {files[i]}: {files.First(f => CtmFile.UtteranceId(f) == CtmFile.UtteranceId(files[i]))} has the CTM id '{CtmFile.UtteranceId(files[i])}', so this input's CTM lines use '{ids[i]}'");
            var results = new List<object>();
            for (int i = 0; i < files.Length; i++)
            {
                string input = files[i];
                Action<StableUpdate>? onStable = streaming ? u => PrintUpdate(u, asJson) : null;
                var result = recognizer.Recognize(input, onStable, cancel);
                // The input check's warning (ffprobe read it with errors) or the decoder's (it decoded with errors), or both.
                string? warning = string.Join("; ", new[] { warnings[input], result.Warning }.OfType<string>()) is { Length: > 0 } w ? w : null;
                if (warning is not null) Console.Error.WriteLine($"glossa: warning: {warning}");
                if (asJson && !streaming) { results.Add(ToJson(result, withCtm ? ids[i] : null, warning)); continue; }
                if (asJson) Console.WriteLine(JsonSerializer.Serialize(ToJson(result, withCtm ? ids[i] : null, warning), Compact));
                else Print(result, withCtm ? ids[i] : null, options.NBest);
            }
            if (asJson && !streaming) CliRunner.PrintJson(results);
            return 0;
        }));
        return command;
    }

    static readonly JsonSerializerOptions Compact = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <param name="ctmId">With --ctm, the input's CTM utterance id; null without.</param>
    static void Print(RecognitionResult r, string? ctmId, int nbest)
    {
        var inv = CultureInfo.InvariantCulture;
        // With --ctm, stdout is a CTM file (redirect it); the readable lines go to stderr.
        var text = ctmId is not null ? Console.Error : Console.Out;
        text.WriteLine($"{r.Input}: {string.Join(' ', r.Glosses)}");
        if (nbest > 1)
            for (int i = 0; i < r.NBest.Count; i++)
                text.WriteLine(string.Create(inv, $"  {i + 1,2}  {r.NBest[i].Score,10:0.0000}  {string.Join(' ', r.NBest[i].Glosses)}"));
        if (ctmId is not null)
        {
            foreach (var g in r.Timed)
                Console.WriteLine(CtmFile.Line(ctmId, g.Start, g.Duration, g.Gloss));
        }
    }

    static void PrintUpdate(StableUpdate u, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                Input = u.Input, Event = "stable", u.DecodedFrames, u.StableFrames, u.LagFrames, LagSeconds = Math.Round(u.LagSeconds, 3),
                Glosses = u.NewGlosses,
            }, Compact));
            return;
        }
        if (u.NewGlosses.Count == 0) return;
        var inv = CultureInfo.InvariantCulture;
        string glosses = string.Join(' ', u.NewGlosses.Select(g => string.Create(inv, $"{g.Gloss}@{g.Start:0.00}s")));
        Console.WriteLine(string.Create(inv, $"{u.Input} [{u.DecodedFrames / u.Fps:0.00}s decoded, lag {u.LagFrames} frames = {u.LagSeconds:0.00}s]: {glosses}"));
        Console.Out.Flush();
    }

    /// <param name="ctmId">With --ctm, the input's CTM utterance id; null without.</param>
    /// <param name="warning">What was found wrong with the input that did not stop it (a video ffprobe reads with errors), or null.</param>
    static object ToJson(RecognitionResult r, string? ctmId, string? warning)
    {
        var o = new Dictionary<string, object>
        {
            ["input"] = r.Input,
            ["glosses"] = r.Glosses,
            ["nbest"] = r.NBest.Select(n => new Dictionary<string, object> { ["glosses"] = n.Glosses, ["score"] = n.Score }).ToList(),
        };
        if (warning is not null) o["warning"] = warning;
        if (ctmId is not null) o["ctm_id"] = ctmId;
        if (ctmId is not null) o["ctm"] = r.Timed.Select(g => new Dictionary<string, object> { ["gloss"] = g.Gloss, ["start"] = g.Start, ["duration"] = g.Duration }).ToList();
        foreach (var (k, v) in Details(r)) o[k] = v;
        return o;
    }

    static Dictionary<string, object> Details(RecognitionResult r) => new()
    {
        ["decoder"] = r.Decoder,
        ["engine"] = r.Engine,
        ["frames"] = r.Frames,
        ["output_frames"] = r.OutputFrames,
        ["stride"] = r.Stride,
        ["fps"] = r.Fps,
        ["chunks"] = r.Chunks,
        ["seconds"] = r.Seconds,
    };
}
