namespace Glossa.Frames;

/// <summary>The random choices made for one clip; every frame of the clip gets the same ones.</summary>
/// <param name="CropX">Left edge of the crop in the resized frame.</param>
/// <param name="CropY">Top edge of the crop in the resized frame.</param>
/// <param name="Flip">Mirror left-right.</param>
/// <param name="Brightness">Brightness factor (1 = unchanged).</param>
/// <param name="Contrast">Contrast factor around mid-grey (1 = unchanged).</param>
/// <param name="Saturation">Saturation factor (1 = unchanged).</param>
/// <param name="Zoom">
/// Side of the source region per output pixel: 1 crops CropWidth x CropHeight pixels as they are;
/// 0.8 magnifies a region 0.8 times the crop (the signer looks 25% larger), 1.1 shrinks a region
/// 1.1 times the crop (nearest-neighbour sampling). (CropX, CropY) is the region's top-left corner.
/// </param>
/// <param name="Aspect">The region's width is this factor times what <paramref name="Zoom"/> alone gives (1 = as high as wide, in crop pixels).</param>
/// <param name="ColourOrder">Which output plane each of R, G, B goes to: one of the six orders of <see cref="Orders"/> (0 = as they are).</param>
/// <param name="ColourSigns">Bit c set: channel c's normalised values are negated (its contrast inverted); 0 = none.</param>
public sealed record ClipAugmentation(int CropX, int CropY, bool Flip, double Brightness, double Contrast, double Saturation, double Zoom = 1,
    int ColourOrder = 0, int ColourSigns = 0, double Aspect = 1)
{
    /// <summary>The six orders of the three colour channels: entry c is the output plane of input channel c.</summary>
    public static readonly int[][] Orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

    /// <summary>Side of the source region read for a crop side of <paramref name="crop"/> pixels at <paramref name="zoom"/>.</summary>
    public static int RegionSide(int crop, double zoom) => zoom == 1 ? crop : Math.Max(1, (int)Math.Round(crop * zoom));

    /// <summary>Width of the source region read for a crop <paramref name="cropWidth"/> wide.</summary>
    public int RegionWidth(int cropWidth) => RegionSide(cropWidth, Zoom * Aspect);

    /// <summary>Height of the source region read for a crop <paramref name="cropHeight"/> high.</summary>
    public int RegionHeight(int cropHeight) => RegionSide(cropHeight, Zoom);

    /// <summary>The centre crop without any change (what evaluation uses) for frames resized to ResizeWidth x ResizeHeight.</summary>
    public static ClipAugmentation Centre(FrameOptions o) => Centre(o, o.ResizeWidth, o.ResizeHeight);

    /// <summary>The centre crop without any change for a clip of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static ClipAugmentation Centre(FrameOptions o, int width, int height) =>
        new((width - o.CropWidth) / 2, (height - o.CropHeight) / 2, false, 1, 1, 1);
}
