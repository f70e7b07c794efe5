namespace Glossa.Frames;

/// <summary>
/// The frame transform of a model trained on square frames of one side: in training, resize to
/// 8/7 of the side, random crop, flip and temporal rescale; in evaluation the same resize with a
/// centre crop. Training, validation, evaluation and recognition all take it from here, so a
/// checkpoint is always evaluated on the frames it was validated on.
/// </summary>
public static class FramePolicy
{
    /// <summary>Temporal rescale of training clips unless a run sets another: ±20%, the published CSLR recipes' value.</summary>
    public const double DefaultTemporalRescale = 0.2;

    /// <summary>
    /// Frame options of a run: resize + crop (random in training), flip (unless <paramref name="flip"/>
    /// is false), scale jitter <paramref name="zoom"/>, width jitter <paramref name="stretch"/>, temporal rescale <paramref name="temporalRescale"/>
    /// (clip lengths drawn from 1 - r to 1 + r times the clip), colour shuffle <paramref name="colourShuffle"/>, frame cap.
    /// </summary>
    public static FrameOptions For(int frameSize, int maxFrames, bool augment, bool flip = true, double zoom = 0, double temporalRescale = DefaultTemporalRescale,
        double colourShuffle = 0, double stretch = 0)
    {
        int resize = augment ? (int)Math.Round(frameSize * 8 / 7.0) : frameSize; // 224 -> 256, 64 -> 73
        return FrameOptions.Square(resize, frameSize) with
        {
            FlipProbability = augment && flip ? 0.5 : 0,
            Zoom = augment ? zoom : 0,
            Stretch = augment ? stretch : 0,
            ColourShuffle = augment ? colourShuffle : 0,
            TemporalRescale = augment ? temporalRescale : 0,
            RescaleMinFrames = Math.Min(32, maxFrames),
            RescaleMaxFrames = maxFrames,
            MaxFrames = maxFrames,
        };
    }

    /// <summary>
    /// Frames the model sees of a clip of n frames, at least: the frame cap's. The temporal rescale
    /// of training never shortens a clip below what its label needs (<see cref="LoaderOptions.ShortestClip"/>),
    /// so this decides whether a clip can be trained on.
    /// </summary>
    public static int KeptFrames(FrameOptions f, int n) => f.MaxFrames > 0 && n > f.MaxFrames ? f.MaxFrames : n;
}
