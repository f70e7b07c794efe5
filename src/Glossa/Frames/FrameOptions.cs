using Glossa.Common;

namespace Glossa.Frames;

/// <summary>
/// How frames become the model's input: resize, crop, flip, temporal rescale, colour jitter and
/// normalisation. Defaults follow the common CSLR recipe (resize to 256x256, crop 224, flip 0.5,
/// temporal rescale ±20% within [32, 230] frames, pixels x/127.5-1). Random parts run only in
/// <see cref="FrameMode.Train"/>; evaluation uses the centre crop and no jitter.
/// </summary>
public sealed record FrameOptions
{
    /// <summary>Width every decoded frame is resized to (bilinear), before cropping.</summary>
    public int ResizeWidth { get; init; } = 256;

    /// <summary>Height every decoded frame is resized to (bilinear), before cropping.</summary>
    public int ResizeHeight { get; init; } = 256;

    /// <summary>
    /// When positive, each clip is resized so that its shorter side has this many pixels, keeping
    /// its aspect ratio (<see cref="ResizeWidth"/> and <see cref="ResizeHeight"/> are then unused);
    /// the crop makes all clips the same size again. 0 (default) resizes to exactly ResizeWidth x ResizeHeight.
    /// </summary>
    public int ResizeShorterSide { get; init; }

    /// <summary>Width of the crop fed to the model (random in training, centred in evaluation); equal to <see cref="ResizeWidth"/> for no crop.</summary>
    public int CropWidth { get; init; } = 224;

    /// <summary>Height of the crop fed to the model; equal to <see cref="ResizeHeight"/> for no crop.</summary>
    public int CropHeight { get; init; } = 224;

    /// <summary>Probability that a training clip is mirrored left-right (all its frames together). 0 disables.</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>
    /// Training clips are resampled to a length drawn uniformly in [1-r, 1+r] times their length
    /// (frames picked at sorted random positions). 0 disables.
    /// </summary>
    public double TemporalRescale { get; init; } = 0.2;

    /// <summary>
    /// Scale jitter: each training clip is read from a region of z times the crop, z drawn in
    /// [1-s, 1+s] and capped by the resized frame, and resampled to the crop, so signers appear
    /// smaller or larger than they are. 0 disables.
    /// </summary>
    public double Zoom { get; init; }

    /// <summary>
    /// Width jitter: each training clip's region is also a factor in [1-s, 1+s] as wide as the scale
    /// jitter makes it (capped by the resized frame), so signers look broader or narrower, as bodies
    /// and signing spaces of different signers do. 0 disables.
    /// </summary>
    public double Stretch { get; init; }

    /// <summary>Temporal rescale never makes a training clip shorter than this (short clips are stretched up to it).</summary>
    public int RescaleMinFrames { get; init; } = 32;

    /// <summary>Temporal rescale never makes a training clip longer than this.</summary>
    public int RescaleMaxFrames { get; init; } = 230;

    /// <summary>
    /// Cap on frames per clip in every mode (the <c>--max-frames</c> option): longer clips are
    /// subsampled uniformly to exactly this many frames. 0 means no cap.
    /// </summary>
    public int MaxFrames { get; init; }

    /// <summary>Brightness jitter: each training clip's pixels are multiplied by a factor in [1-b, 1+b]. 0 disables.</summary>
    public double Brightness { get; init; }

    /// <summary>
    /// Contrast jitter: pixels move away from or towards mid-grey (127.5) by a factor in [1-c, 1+c].
    /// Mid-grey rather than the image mean so the whole transform stays a single pass. 0 disables.
    /// </summary>
    public double Contrast { get; init; }

    /// <summary>Saturation jitter: each pixel is blended with its grey level by a factor in [1-s, 1+s]. 0 disables.</summary>
    public double Saturation { get; init; }

    /// <summary>
    /// Per-channel (R, G, B) mean on the [0, 1] scale; output = (x/255 - mean) / std. The default
    /// 0.5 / 0.5 is the peers' x/127.5 - 1 (values in [-1, 1]); ImageNet would be 0.485, 0.456, 0.406.
    /// </summary>
    public IReadOnlyList<double> Mean { get; init; } = [0.5, 0.5, 0.5];

    /// <summary>Per-channel (R, G, B) standard deviation on the [0, 1] scale; see <see cref="Mean"/>.</summary>
    public IReadOnlyList<double> Std { get; init; } = [0.5, 0.5, 0.5];

    /// <summary>Square resize and crop, e.g. <c>Square(256, 224)</c> or the demo's <c>Square(72, 64)</c>.</summary>
    public static FrameOptions Square(int resize, int crop) =>
        new() { ResizeWidth = resize, ResizeHeight = resize, CropWidth = crop, CropHeight = crop };

    /// <summary>The size a source frame of <paramref name="width"/> x <paramref name="height"/> is resized to.</summary>
    public (int Width, int Height) ResizeFor(int width, int height)
    {
        if (ResizeShorterSide <= 0) return (ResizeWidth, ResizeHeight);
        double scale = (double)ResizeShorterSide / Math.Min(width, height);
        int w = width <= height ? ResizeShorterSide : Math.Max(ResizeShorterSide, (int)Math.Round(width * scale));
        int h = height < width ? ResizeShorterSide : Math.Max(ResizeShorterSide, (int)Math.Round(height * scale));
        return (w, h);
    }

    /// <summary>
    /// Colour shuffle: with this probability a training clip's colour channels are put in a random
    /// order and each is negated or not at random (its contrast inverted), so which colour a
    /// signer's skin, clothes and background have, and whether the hands are lighter or darker than
    /// the clothes, tells the model nothing. 0 disables.
    /// </summary>
    public double ColourShuffle { get; init; }

    /// <summary>True when the training mode draws any random colour change.</summary>
    public bool HasColourJitter => Brightness > 0 || Contrast > 0 || Saturation > 0 || ColourShuffle > 0;

    /// <summary>Throws a <see cref="GlossaException"/> naming the first invalid field.</summary>
    public FrameOptions Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new GlossaException($"frame options: {message}");
        }
        Check(ResizeWidth is > 0 and <= 8192 && ResizeHeight is > 0 and <= 8192, $"resize {ResizeWidth}x{ResizeHeight} must be between 1 and 8192 pixels per side");
        Check(CropWidth > 0 && CropHeight > 0, $"crop {CropWidth}x{CropHeight} must be positive");
        Check(ResizeShorterSide is >= 0 and <= 8192, $"resize shorter side {ResizeShorterSide} must be 0 (exact size) or between 1 and 8192");
        if (ResizeShorterSide > 0)
            Check(CropWidth <= ResizeShorterSide && CropHeight <= ResizeShorterSide, $"crop {CropWidth}x{CropHeight} is larger than the shorter side {ResizeShorterSide}; crop at most the resize size");
        else
            Check(CropWidth <= ResizeWidth && CropHeight <= ResizeHeight, $"crop {CropWidth}x{CropHeight} is larger than the resized frame {ResizeWidth}x{ResizeHeight}; crop at most the resize size");
        Check(FlipProbability is >= 0 and <= 1, $"flip probability {FlipProbability} must be in [0, 1]");
        Check(TemporalRescale is >= 0 and < 1, $"temporal rescale {TemporalRescale} must be in [0, 1) (0.2 means ±20%)");
        Check(RescaleMinFrames >= 1 && RescaleMaxFrames >= RescaleMinFrames, $"rescale frame range [{RescaleMinFrames}, {RescaleMaxFrames}] must satisfy 1 <= min <= max");
        Check(MaxFrames >= 0, $"max frames {MaxFrames} must be 0 (no cap) or positive");
        Check(Zoom is >= 0 and < 1, $"zoom {Zoom} must be in [0, 1) (0.2 means regions of 0.8 to 1.2 times the crop)");
        Check(Stretch is >= 0 and < 1, $"stretch {Stretch} must be in [0, 1) (0.15 means regions 0.85 to 1.15 times as wide)");
        Check(Brightness is >= 0 and < 1, $"brightness jitter {Brightness} must be in [0, 1)");
        Check(Contrast is >= 0 and < 1, $"contrast jitter {Contrast} must be in [0, 1)");
        Check(Saturation is >= 0 and < 1, $"saturation jitter {Saturation} must be in [0, 1)");
        Check(ColourShuffle is >= 0 and <= 1, $"colour shuffle {ColourShuffle} must be a probability in [0, 1]");
        Check(Mean.Count == 3 && Std.Count == 3, "mean and std need exactly 3 values (R, G, B)");
        Check(Std.All(s => s > 0 && double.IsFinite(s)) && Mean.All(double.IsFinite), "std values must be positive and mean values finite");
        return this;
    }

    /// <summary>Value equality on the lists too (records compare references otherwise).</summary>
    public bool Equals(FrameOptions? other) =>
        other is not null && ResizeWidth == other.ResizeWidth && ResizeHeight == other.ResizeHeight && ResizeShorterSide == other.ResizeShorterSide &&
        CropWidth == other.CropWidth && CropHeight == other.CropHeight && FlipProbability == other.FlipProbability &&
        TemporalRescale == other.TemporalRescale && RescaleMinFrames == other.RescaleMinFrames &&
        RescaleMaxFrames == other.RescaleMaxFrames && MaxFrames == other.MaxFrames && Brightness == other.Brightness &&
        Contrast == other.Contrast && Saturation == other.Saturation && Zoom == other.Zoom && Stretch == other.Stretch && ColourShuffle == other.ColourShuffle && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(ResizeWidth, ResizeHeight, CropWidth, CropHeight, MaxFrames, TemporalRescale);
}
