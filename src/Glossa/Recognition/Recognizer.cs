using System.Diagnostics;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Decoding;
using Glossa.Frames;
using Glossa.Models;
using Glossa.Models.Inference;
using Glossa.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Recognition;

/// <summary>
/// Runs a trained checkpoint on new videos or frame folders: the evaluation transform (resize,
/// centre crop, normalise) the model was trained with, the model in eval mode without gradients,
/// then CTC decoding. Inputs longer than <see cref="RecognitionOptions.ChunkFrames"/> are streamed
/// in chunks that overlap by <see cref="RecognitionOptions.Overlap"/> frames of context on each
/// side; only each chunk's centre outputs are kept, so memory is bounded by the chunk size.
/// <para>
/// Approximation: the convolutional layers see exactly the frames they would see on the whole
/// input (chunk starts are multiples of the temporal stride and the context covers their
/// receptive field), but the BiLSTM sees only its chunk, so outputs near chunk boundaries can
/// differ slightly from a whole-input pass. Inputs no longer than one chunk are processed whole
/// and equal evaluation.
/// </para>
/// </summary>
public sealed class Recognizer : IDisposable
{
    readonly CslrModel model;
    readonly InferencePrecision precision;
    FusedModel? fast;
    readonly Vocabulary vocabulary;
    readonly FrameOptions frames;
    readonly RecognitionOptions options;
    readonly Device device;
    readonly CtcDecoder decoder;
    OnnxModel? onnx;

    Recognizer(RecognitionOptions options, CslrModel model, Vocabulary vocabulary, FrameOptions frames, Device device)
    {
        this.options = options;
        this.model = model;
        this.vocabulary = vocabulary;
        this.frames = frames;
        this.device = device;
        decoder = CtcDecoder.Create(options.EffectiveBeam, vocabulary.Count, options.NBest);
        precision = PrecisionSupport.Parse(options.Precision);
    }

    /// <summary>The fused path of the torch engine, built on first use (the onnx engine never needs it).</summary>
    FusedModel Fast => fast ??= FusedModel.Create(model, precision);

    /// <summary>Loads the checkpoint's model, vocabulary and frame options, and checks the chunk settings against the model's stride.</summary>
    public static Recognizer Load(RecognitionOptions options)
    {
        options.Validate();
        var device = ComputeDevice.Resolve(options.Device);
        if (options.Threads > 0) set_num_threads(options.Threads);
        var precision = PrecisionSupport.Parse(options.Precision);
        var asked = EngineSelection.Parse(options.Engine);
        if (options.OnnxFile is not null) asked = InferenceEngine.Onnx;
        var config = ModelCheckpoint.ReadConfig(Path.GetFullPath(options.Checkpoint.TrimEnd('/')));
        var engine = EngineSelection.Resolve(asked, config, device, precision);   // before the weights are read
        if (engine == InferenceEngine.Torch)
            PrecisionSupport.Require(precision, device);
        var inference = CheckpointModel.Load(options.Checkpoint, device);
        var model = inference.Model;
        int stride = model.TemporalStride;
        // The default chunking fits strides 1, 2, 4 and 8; for another stride (K5-P3-K5: 3) it is rounded up to fit, not refused.
        var defaults = new RecognitionOptions();
        if (options.Overlap == defaults.Overlap && options.ChunkFrames == defaults.ChunkFrames && stride > 1)
        {
            int overlap = (options.Overlap + stride - 1) / stride * stride;
            int middle = (options.ChunkFrames - 2 * overlap + stride - 1) / stride * stride;
            options = options with { Overlap = overlap, ChunkFrames = 2 * overlap + middle };
        }
        if (options.Overlap % stride != 0 || (options.ChunkFrames - 2 * options.Overlap) % stride != 0)
        {
            model.Dispose();
            throw new GlossaException($"--overlap ({options.Overlap}) and --chunk minus twice the overlap ({options.ChunkFrames - 2 * options.Overlap}) must be multiples of the model's temporal stride {stride}, so chunk outputs line up with whole-input outputs");
        }
        // The evaluation transform of training; no frame cap, since chunking bounds the length instead.
        var recognizer = new Recognizer(options, model, inference.Vocabulary, inference.Frames with { MaxFrames = 0 }, device);
        try
        {
            if (engine == InferenceEngine.Onnx)
                recognizer.onnx = OpenOnnx(options, model);
            else if (precision != InferencePrecision.Fp32)
                _ = recognizer.Fast;                          // a backbone bf16 cannot run on fails now, not at the first clip
        }
        catch { recognizer.Dispose(); throw; }
        return recognizer;
    }

    /// <summary>The onnx engine: an exported file (it must come from the checkpoint's architecture) or the model exported in memory.</summary>
    static OnnxModel OpenOnnx(RecognitionOptions options, CslrModel model)
    {
        if (options.ResolvedOnnxFile is not string path)
            return OnnxModel.FromModel(model, options.Threads);
        var onnx = new OnnxModel(path, options.Threads);
        if (onnx.Config is { } exported && exported != model.Config)
        {
            onnx.Dispose();
            throw new GlossaException($"{path}: exported from model '{exported.Name}' ({exported.NumClasses} classes), not from {options.Checkpoint} ('{model.Config.Name}', {model.Config.NumClasses} classes); export this checkpoint with 'glossa model export {options.Checkpoint} --format onnx --out {path}'");
        }
        // The same architecture from another run (or a checkpoint trained on since the export) gives other results: the
        // file names the exact weights it was made from. A file without that fingerprint is older than the check.
        if (onnx.WeightsFingerprint != WeightIO.Fingerprint(model.state_dict()))
        {
            string why = onnx.WeightsFingerprint is null ? "carries no fingerprint of the weights it was exported from (an older export)" : "was exported from other weights than this checkpoint's";
            onnx.Dispose();
            throw new GlossaException($"{path}: {why}; export this checkpoint again with 'glossa model export {options.Checkpoint} --format onnx --out {path} --overwrite', or run with --engine torch");
        }
        return onnx;
    }

    /// <summary>The options in use: as given, with the default chunking rounded up to the model's temporal stride when it does not fit.</summary>
    public RecognitionOptions Options => options;

    /// <summary>The frame options used (the checkpoint's evaluation transform).</summary>
    public FrameOptions Frames => frames;

    /// <summary>The vocabulary of the checkpoint.</summary>
    public Vocabulary Vocabulary => vocabulary;

    /// <summary>Input frames per output frame.</summary>
    public int Stride => model.TemporalStride;

    /// <summary>
    /// <see cref="CheckInput"/> and a look inside: a frame folder must hold frame images, and ffprobe must read a video's
    /// stream (a truncated download whose header is gone fails here). <c>glossa recognize</c> runs it on every input
    /// before loading the model, so a bad input is named before any result is printed (with --json one bad input had
    /// left stdout empty, the good inputs' results lost). Returns a warning for a video ffprobe reads with errors (a
    /// truncated or damaged file decodes to fewer frames, and its result may miss glosses), else null.
    /// </summary>
    public static string? ValidateInput(string input)
    {
        CheckInput(input);
        if (Directory.Exists(input))
        {
            // Every frame's header, as corpus check reads them: a corrupt frame is named before any result.
            foreach (var frame in ((FrameFileSource)FrameSource.ForPath(input)).Paths)
                if (CorpusChecker.HeaderProblem(frame) is { } bad)
                    throw new GlossaException($"{frame}: {bad}");
            return null;
        }
        // A missing or impostor ffprobe (GLOSSA_FFPROBE=/bin/true) is the tool's fault, not the video's: say so once.
        if (ExternalTool.Ffprobe.Unusable() is { } noProbe)
            throw new GlossaException($"{noProbe}: recognize reads videos with it; {ExternalTool.Ffprobe.Remedy("ffmpeg")}");
        VideoDecoder.Default.Probe(input);
        var (frames, problem) = VideoLength.Count(input);
        if (problem is null) return null;
        // Read with errors: one that ffmpeg cannot decode at all (a file missing its first bytes) is named now, not after
        // the inputs before it were printed.
        using (var first = VideoDecoder.Default.ReadFrames(input, 16, 16).GetEnumerator())
            first.MoveNext();
        return $"{input}: ffprobe reports errors reading the video ({problem}); it may be truncated or damaged ({frames} packets read), so its glosses may be incomplete; re-encode it or download it again";
    }

    /// <summary>Throws a one-line error unless <paramref name="input"/> is an existing frame folder or video file.</summary>
    public static void CheckInput(string input)
    {
        if (Directory.Exists(input)) return;
        if (!File.Exists(input)) throw new GlossaException($"{input}: no such video file or frame folder");
        if (!VideoDecoder.IsVideo(input))
            throw new GlossaException($"{input}: neither a frame folder nor a video file ({string.Join(", ", VideoDecoder.Extensions.Order())})");
    }

    /// <summary>
    /// Recognises one input. <paramref name="onStable"/>, when given, hears about glosses as soon
    /// as they are final (after each chunk), for streaming output.
    /// </summary>
    public RecognitionResult Recognize(string input, Action<StableUpdate>? onStable = null, CancellationToken ct = default)
    {
        // Used after Dispose, the onnx engine crashed the process (SIGSEGV) and the torch engine threw from a SafeHandle.
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input);
        var clock = Stopwatch.StartNew();
        bool video = !Directory.Exists(input);
        var source = FrameSource.ForPath(input);
        string? decodeErrors = null;
        double fps = options.Fps ?? (video ? FrameRate.Probe(input) : FrameRate.FolderDefault);
        int stride = model.TemporalStride, classes = vocabulary.Count;
        // Outputs before (Overlap / stride) of a later chunk belong to its left context: they are
        // skipped because the previous chunk already committed them (see `from`).
        int keepTo = (options.ChunkFrames - options.Overlap) / stride;     // first output of the right context
        long minFrames = model.MinimumInputFrames(1);

        var track = new OutputTrack(classes, keepRows: !decoder.IsGreedy);
        float[]? tail = null;          // the previous chunk's right-context outputs, used if no chunk follows
        int tailFrom = 0, tailTo = 0, decoded = 0, chunks = 0, reported = 0;
        using (no_grad())
        {
            foreach (var chunk in FrameChunks.Read(source, frames, options.ChunkFrames, 2 * options.Overlap, ct, errors => decodeErrors = errors))
            {
                using var owned = chunk;
                decoded = chunk.Start + chunk.Length;
                if (chunk.Length < minFrames)
                {
                    if (chunks == 0)
                        throw new GlossaException($"{input}: {Words.Count(chunk.Length, "frame")} {(chunk.Length == 1 ? "is" : "are")} too few; the model needs at least {minFrames}");
                    continue; // a short last chunk: the previous chunk's right context covers these frames
                }
                float[] logProbs = Forward(chunk.Frames, out int outFrames);
                int offset = chunk.Start / stride;                 // global index of this chunk's output 0
                int from = Math.Max(0, track.Count - offset);
                int to = Math.Max(from, Math.Min(outFrames, keepTo));
                track.Append(logProbs, from, to);
                tail = logProbs;
                tailFrom = to;
                tailTo = outFrames;
                chunks++;
                onStable?.Invoke(Update(input, track, ref reported, decoded, track.Count * stride, fps, stride));
            }
        }
        if (tail is not null) track.Append(tail, tailFrom, tailTo);
        onStable?.Invoke(Update(input, track, ref reported, decoded, decoded, fps, stride));
        var result = Finish(input, track, decoded, chunks, fps, stride, clock.Elapsed.TotalSeconds);
        return decodeErrors is null ? result : result with
        {
            Warning = $"{input}: ffmpeg reported errors decoding the video ({decodeErrors}): damaged frames were concealed or dropped ({decoded} decoded), so its glosses may be wrong or incomplete; re-encode it from a sound copy or download it again",
        };
    }

    /// <summary>Log-probabilities (T', C) of one chunk (1, T, 3, H, W), as a flat row-major array.</summary>
    float[] Forward(Tensor chunk, out int outFrames)
    {
        if (onnx is not null)
        {
            using var pixels = chunk[0].cpu().contiguous();                                          // (1,T,3,H,W) -> (T,3,H,W)
            return onnx.LogProbs(pixels.data<float>().ToArray(), (int)chunk.shape[1], (int)chunk.shape[3], (int)chunk.shape[4], out outFrames);
        }
        using var scope = NewDisposeScope();
        long t = chunk.shape[1];
        var x = chunk.to(device);
        var lengths = tensor(new[] { t }, dtype: int64).to(device);
        CslrOutput output;
        int slice = options.BackboneBatch;
        if (model.Backbone.PerFrame && model.Config.InputNorm == ModelConfig.InputNormNone && slice > 0 && t > slice)
        {
            // Per-frame backbones give the same features in slices; only the activations of a slice are alive at once
            // (not with a per-clip input normalisation, whose statistics span the whole chunk).
            var parts = new List<Tensor>();
            for (long s = 0; s < t; s += slice)
            {
                long n = Math.Min(slice, t - s);
                var (features, _) = Fast.BackboneFeatures(x.narrow(1, s, n), tensor(new[] { n }, dtype: int64).to(device)); // (1,n,D)
                parts.Add(features);
            }
            output = Fast.Head(cat(parts, 1), lengths);                                                                  // (1,T,D) -> (1,T',C)
        }
        else
        {
            output = Fast.Forward(x, lengths);
        }
        var logProbs = nn.functional.log_softmax(output.Logits, dim: -1)[0].cpu().contiguous(); // (1,T',C) -> (T',C)
        outFrames = (int)logProbs.shape[0];
        return logProbs.data<float>().ToArray();
    }

    StableUpdate Update(string input, OutputTrack track, ref int reported, int decoded, int stable, double fps, int stride)
    {
        // A gloss is final once a later frame is committed (only its end can still move); the last one is reported when the input ends.
        bool end = stable >= decoded;
        int upTo = end ? track.Glosses.Count : Math.Max(reported, track.Glosses.Count - 1);
        var fresh = new List<RecognizedGloss>();
        for (int i = reported; i < upTo; i++) fresh.Add(Timed(track.Glosses[i], fps, stride));
        reported = upTo;
        return new StableUpdate(input, fresh, decoded, Math.Min(stable, decoded), fps);
    }

    RecognizedGloss Timed((int Id, int First, int Last) g, double fps, int stride) =>
        new(vocabulary[g.Id], Math.Round(g.First * stride / fps, 3), Math.Round((g.Last - g.First + 1) * stride / fps, 3));

    RecognitionResult Finish(string input, OutputTrack track, int decoded, int chunks, double fps, int stride, double seconds)
    {
        IReadOnlyList<NBestEntry> nbest;
        IReadOnlyList<RecognizedGloss> timed;
        if (decoder.IsGreedy)
        {
            timed = track.Glosses.Select(g => Timed(g, fps, stride)).ToList();
            nbest = [new NBestEntry(timed.Select(g => g.Gloss).ToList(), Math.Round(track.BestPathScore, 4))];
        }
        else
        {
            float[] rows = track.Rows();
            var hyps = track.Count == 0 ? [] : decoder.Decode(rows, track.Count, vocabulary.Count);
            nbest = hyps.Select(h => new NBestEntry(vocabulary.Decode(h.Ids), Math.Round(h.Score, 4))).ToList();
            if (nbest.Count == 0) nbest = [new NBestEntry([], 0)];
            int[] ids = hyps.Count > 0 ? hyps[0].Ids : [];
            var spans = CtcAligner.Align(rows, track.Count, vocabulary.Count, ids);
            timed = ids.Select((id, i) => spans is null
                    ? new RecognizedGloss(vocabulary[id], 0, 0)
                    : Timed((id, spans[i].First, spans[i].Last), fps, stride)).ToList();
        }
        return new RecognitionResult
        {
            Input = input,
            Glosses = nbest[0].Glosses,
            NBest = nbest,
            Timed = timed,
            Frames = decoded,
            OutputFrames = track.Count,
            Fps = Math.Round(fps, 3),
            Stride = stride,
            Chunks = chunks,
            Decoder = decoder.Name,
            Engine = onnx is null ? "torch" : "onnx",
            Seconds = Math.Round(seconds, 3),
        };
    }

    bool disposed;

    public void Dispose()
    {
        disposed = true;
        onnx?.Dispose();
        fast?.Dispose();
        model.Dispose();
    }
}
