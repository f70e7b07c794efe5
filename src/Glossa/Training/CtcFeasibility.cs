using Glossa.Common;
using Glossa.Corpora;
using Glossa.Frames;
using Glossa.Models;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// Finds clips too short for CTC before training starts: after the model's temporal
/// downsampling a clip must keep at least one output frame per gloss, plus one per immediate
/// repeat. Peers see NaN or infinite losses on exactly these clips; Glossa reports and removes
/// them up front, by name, with counts.
/// </summary>
public static class CtcFeasibility
{
    /// <summary>A clip left out and why.</summary>
    public sealed record Rejected(Sample Sample, int InputFrames, int OutputFrames, int RequiredFrames)
    {
        /// <summary>Fewer output frames than the label needs; false for a clip rejected only because none of its glosses is in
        /// the vocabulary (nothing to train on, but not short: a dev clip of unknown glosses is scored like any other).</summary>
        public bool TooShort => OutputFrames < RequiredFrames;

        /// <summary>No output frame at all: the clip cannot go through the model, and is scored as an empty hypothesis.</summary>
        public bool NoOutput => OutputFrames < 1;
    }

    /// <summary>
    /// Splits <paramref name="samples"/> into the clips CTC can train on and the rejected ones.
    /// Clips whose frame count is unknown without decoding (videos) are kept; the trainer checks
    /// them again per batch and stops naming the clip if one is short.
    /// </summary>
    /// <param name="samples">Clips of one split.</param>
    /// <param name="vocabulary">Encodes the glosses (unknown glosses do not count).</param>
    /// <param name="framesSeen">Frames the model sees for a clip of n frames, in the worst case (frame cap, shortest temporal rescale).</param>
    /// <param name="outputLength">The model's output length for an input of n frames.</param>
    /// <param name="videoFrames">Frame counts of video clips (<see cref="VideoLengths"/>); a video without one is kept.</param>
    public static (List<Sample> Kept, List<Rejected> Rejected) Split(IEnumerable<Sample> samples, Vocabulary vocabulary,
        Func<int, int> framesSeen, Func<int, int> outputLength, IReadOnlyDictionary<Sample, int>? videoFrames = null)
    {
        var kept = new List<Sample>();
        var rejected = new List<Rejected>();
        foreach (var s in samples)
        {
            var target = vocabulary.Encode(s.Glosses, out _);
            int frames = s.VideoPath is not null && videoFrames is not null && videoFrames.TryGetValue(s, out int counted) ? counted : s.FrameCount;
            if (frames < 0) { kept.Add(s); continue; }
            int input = framesSeen(frames);
            int output = input > 0 ? outputLength(input) : 0;
            int required = Math.Max(1, CtcObjective.RequiredFrames(target));
            if (output >= required && target.Length > 0) kept.Add(s);
            else rejected.Add(new Rejected(s, frames, output, required));
        }
        return (kept, rejected);
    }

    /// <summary>
    /// The frame counts of the video clips among <paramref name="samples"/>, read by ffprobe without decoding
    /// (<see cref="VideoLength.Count"/>), so a video too short for its label is left out like a frame folder instead
    /// of being stretched by the temporal rescale (a new user's 6-frame clip of 5 glosses was trained on in silence); empty
    /// when ffprobe is not installed. A video ffprobe reads with errors (truncated, damaged) adds a line to
    /// <paramref name="notes"/>; one it cannot read at all stops with the sample named.
    /// </summary>
    /// <param name="samples">Clips of one or more splits; only the videos are measured.</param>
    /// <param name="notes">Gets a line per video read with errors, or one when ffprobe cannot be used.</param>
    /// <param name="unmeasured">What it means for the caller that the lengths cannot be read (ffprobe missing or not ffprobe).</param>
    public static Dictionary<Sample, int> VideoLengths(IEnumerable<Sample> samples, List<string> notes,
        string unmeasured = "are not checked before training, so a clip too short for CTC stops the run when it is reached")
    {
        var videos = samples.Where(s => s.VideoPath is not null).ToList();
        var lengths = new System.Collections.Concurrent.ConcurrentDictionary<Sample, int>(ReferenceEqualityComparer.Instance);
        if (videos.Count == 0) return new(lengths, ReferenceEqualityComparer.Instance);
        if (ExternalTool.Ffprobe.Unusable() is { } noProbe)
        {
            notes.Add($"{noProbe}: the lengths of {videos.Count} video{(videos.Count == 1 ? "" : "s")} {unmeasured}; {ExternalTool.Ffprobe.Remedy("ffmpeg")}");
            return new(lengths, ReferenceEqualityComparer.Instance);
        }
        var damaged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var unreadable = new System.Collections.Concurrent.ConcurrentBag<(Sample Sample, GlossaException Error)>();
        Parallel.ForEach(videos, new ParallelOptions { MaxDegreeOfParallelism = 2 * Environment.ProcessorCount }, s =>
        {
            try
            {
                var (frames, problem) = VideoLength.Count(s.VideoPath!);
                lengths[s] = frames;
                if (problem is not null) damaged.Add($"  {s.Id} ({s.Source}): ffprobe reports errors reading {s.VideoPath} ({problem}); it may be truncated or damaged: re-encode it or download it again");
            }
            catch (GlossaException e)
            {
                unreadable.Add((s, e)); // thrown below, one line, not as an AggregateException of the parallel loop
            }
        });
        if (unreadable.OrderBy(u => u.Sample.Source, StringComparer.Ordinal).FirstOrDefault() is ({ } bad, { } error))
            throw new GlossaException($"sample '{bad.Id}' ({bad.Source}): {error.Message}" + (unreadable.Count > 1 ? $" ({unreadable.Count - 1} more videos cannot be read: 'glossa corpus check' lists them)" : ""), error);
        if (!damaged.IsEmpty)
        {
            notes.Add($"{damaged.Count} video{(damaged.Count == 1 ? "" : "s")} read with errors (used as they decode; 'glossa corpus check' lists them):");
            notes.AddRange(damaged.Order(StringComparer.Ordinal).Take(20));
        }
        return new(lengths, ReferenceEqualityComparer.Instance);
    }

    /// <summary>
    /// <paramref name="samples"/> split into the clips that go through the model and those <paramref name="rejected"/> says it gives
    /// no output frame at all (scored as empty hypotheses by evaluate, training's validation and diagnose), each in split order.
    /// </summary>
    public static (List<Sample> Decodable, List<Sample> NoOutput) ByOutput(IEnumerable<Sample> samples, IEnumerable<Rejected> rejected)
    {
        var none = rejected.Where(r => r.NoOutput).Select(r => r.Sample).ToHashSet(ReferenceEqualityComparer.Instance);
        var (decodable, noOutput) = (new List<Sample>(), new List<Sample>());
        foreach (var s in samples) (none.Contains(s) ? noOutput : decodable).Add(s);
        return (decodable, noOutput);
    }

    /// <summary>
    /// The <c>corpus check</c> options that count a clip's output frames as <paramref name="model"/> gives them: <c>--model</c>
    /// with the shape options its configuration changed from the named model's (and <paramref name="maxFrames"/>, training's frame
    /// cap, when not the default), or <c>--stride S</c> for a model Glossa does not name (an imported one).
    /// </summary>
    public static string CheckOptions(CslrModel model, int maxFrames = TrainingOptions.DefaultMaxFrames)
    {
        var c = model.Config;
        if (!ModelFactory.Names.Contains(c.Name)) return $"--stride {model.TemporalStride}";
        var named = ModelFactory.Named(c.Name);
        string conv = Models.Temporal.TemporalConvSpec.Parse(c.TemporalConv).ToString();
        return $"--model {c.Name}" +
            (conv != Models.Temporal.TemporalConvSpec.Parse(named.TemporalConv).ToString() ? $" --temporal-conv {conv}" : "") +
            (c.Backbone == ModelConfig.I3d && c.I3dTemporalStride != named.I3dTemporalStride ? $" --i3d-stride {c.I3dTemporalStride}" : "") +
            (maxFrames != TrainingOptions.DefaultMaxFrames ? $" --max-frames {maxFrames}" : "");
    }

    /// <summary>
    /// One line per rejected clip (the first 20) plus a count, for the console and training.log. <paramref name="scored"/>: a
    /// validation split, whose short clips are still decoded and scored (as evaluate scores them) and only left out of the loss.
    /// <paramref name="listAll"/>: the command that lists every one, named when there are more than 20.
    /// </summary>
    public static IEnumerable<string> Describe(string split, int total, IReadOnlyList<Rejected> rejected, bool scored = false, string? listAll = null)
    {
        if (rejected.Count == 0) yield break;
        int unscored = scored ? rejected.Count(r => r.NoOutput) : rejected.Count;
        yield return scored
            ? $"{split}: {rejected.Count} of {total} clips are too short for CTC: their glosses cannot all be recognised; they are decoded and scored, as evaluate scores them, but left out of the validation loss" +
              (unscored > 0 ? $" ({unscored} give no output frame at all: scored as empty hypotheses)" : "") + ":"
            : $"{split}: {rejected.Count} of {total} clips are too short for CTC and are left out:";
        foreach (var r in rejected.Take(20))
            yield return $"  {r.Sample.Id} ({r.Sample.Source}): {r.InputFrames} frames -> {r.OutputFrames} output frames, needs {r.RequiredFrames}";
        if (rejected.Count > 20)
            yield return $"  ... and {rejected.Count - 20} more" + (listAll is null ? "" : $" ('{listAll}' lists them all)");
    }

    /// <summary>
    /// Stops with the sample's name when a clip's output is shorter than CTC needs. The run's
    /// start-up filter removes such clips when frame counts are known; this catches the rest.
    /// </summary>
    public static void RequireOutputLengths(Tensor outputLengths, ClipBatch batch)
    {
        var outLen = outputLengths.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        var tgtLen = batch.TargetLengths.cpu().data<long>().ToArray();
        for (int b = 0; b < outLen.Length; b++)
            if (outLen[b] < tgtLen[b])
                throw new GlossaException(
                    $"sample {batch.Ids[b]}: the model gives {outLen[b]} output frames for {tgtLen[b]} glosses; CTC needs at least one frame per gloss. " +
                    "Remove the clip from the corpus ('glossa corpus check' lists every such clip), or train a model of smaller temporal stride (the --temporal-conv and --i3d-stride options of glossa train)");
    }
}
