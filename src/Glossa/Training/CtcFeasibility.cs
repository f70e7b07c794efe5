using Glossa.Common;
using Glossa.Corpora;
using Glossa.Frames;
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
    public sealed record Rejected(Sample Sample, int InputFrames, int OutputFrames, int RequiredFrames);

    /// <summary>
    /// Splits <paramref name="samples"/> into the clips CTC can train on and the rejected ones.
    /// Clips whose frame count is unknown without decoding (videos) are kept; the trainer checks
    /// them again per batch and stops naming the clip if one is short.
    /// </summary>
    /// <param name="samples">Clips of one split.</param>
    /// <param name="vocabulary">Encodes the glosses (unknown glosses do not count).</param>
    /// <param name="framesSeen">Frames the model sees for a clip of n frames, in the worst case (frame cap, shortest temporal rescale).</param>
    /// <param name="outputLength">The model's output length for an input of n frames.</param>
    public static (List<Sample> Kept, List<Rejected> Rejected) Split(IEnumerable<Sample> samples, Vocabulary vocabulary,
        Func<int, int> framesSeen, Func<int, int> outputLength)
    {
        var kept = new List<Sample>();
        var rejected = new List<Rejected>();
        foreach (var s in samples)
        {
            var target = vocabulary.Encode(s.Glosses, out _);
            int frames = s.FrameCount;
            if (frames < 0) { kept.Add(s); continue; }
            int input = framesSeen(frames);
            int output = input > 0 ? outputLength(input) : 0;
            int required = Math.Max(1, CtcObjective.RequiredFrames(target));
            if (output >= required && target.Length > 0) kept.Add(s);
            else rejected.Add(new Rejected(s, frames, output, required));
        }
        return (kept, rejected);
    }

    /// <summary>One line per rejected clip plus a count, for the console and training.log.</summary>
    public static IEnumerable<string> Describe(string split, int total, IReadOnlyList<Rejected> rejected)
    {
        if (rejected.Count == 0) yield break;
        yield return $"{split}: {rejected.Count} of {total} clips are too short for CTC and are left out:";
        foreach (var r in rejected.Take(20))
            yield return $"  {r.Sample.Id} ({r.Sample.Source}): {r.InputFrames} frames -> {r.OutputFrames} output frames, needs {r.RequiredFrames}";
        if (rejected.Count > 20)
            yield return $"  ... and {rejected.Count - 20} more";
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
                    "Remove the clip or lower the model's temporal stride / raise --max-frames");
    }
}
