namespace Glossa.Frames;

/// <summary>
/// The frame transform of a model trained on square frames of one side: in training, resize to
/// 8/7 of the side, random crop, flip and temporal rescale; in evaluation the same resize with a
/// centre crop. Training, validation, evaluation and recognition all take it from here, so a
/// checkpoint is always evaluated on the frames it was validated on.
/// </summary>
public static class FramePolicy
{
    /// <summary>Frame options of a run: resize + crop (random in training), flip (unless <paramref name="flip"/> is false), scale jitter <paramref name="zoom"/>, temporal rescale, frame cap.</summary>
    public static FrameOptions For(int frameSize, int maxFrames, bool augment, bool flip = true, double zoom = 0)
    {
        int resize = augment ? (int)Math.Round(frameSize * 8 / 7.0) : frameSize; // 224 -> 256, 64 -> 73
        return FrameOptions.Square(resize, frameSize) with
        {
            FlipProbability = augment && flip ? 0.5 : 0,
            Zoom = augment ? zoom : 0,
            TemporalRescale = augment ? 0.2 : 0,
            RescaleMinFrames = Math.Min(32, maxFrames),
            RescaleMaxFrames = maxFrames,
            MaxFrames = maxFrames,
        };
    }

    /// <summary>Frames the model sees, at least, for a clip of n frames (frame cap, then the shortest temporal rescale).</summary>
    public static int WorstCaseFrames(FrameOptions f, int n, bool training)
    {
        int kept = f.MaxFrames > 0 && n > f.MaxFrames ? f.MaxFrames : n;
        if (!training || f.TemporalRescale <= 0) return kept;
        int m = Math.Clamp((int)(kept * (1 - f.TemporalRescale)), f.RescaleMinFrames, f.RescaleMaxFrames);
        return f.MaxFrames > 0 ? Math.Min(m, f.MaxFrames) : m;
    }
}
