// Apply runs over 60 lines on purpose: one unsafe per-pixel loop with its lookup tables, kept whole so the hot path makes no calls.
using System.Runtime.CompilerServices;

namespace Glossa.Frames;

/// <summary>
/// The per-clip transforms after decoding: which frames to keep (cap, temporal rescale), the
/// random crop/flip/jitter draws, and the single pass that crops, flips, jitters and normalises
/// 8-bit RGB into planar float32 (3, H, W) per frame.
/// </summary>
public static class ClipTransform
{
    /// <summary>
    /// Frame indices (into a clip of <paramref name="length"/> frames, sorted, repeats allowed)
    /// after the frame cap and, in training, the temporal rescale. The rescale never shortens the clip
    /// below <paramref name="shortest"/> frames (the fewest its label needs for CTC), nor below the
    /// frames the cap keeps when those are fewer.
    /// </summary>
    public static int[] FrameIndices(int length, FrameOptions o, FrameMode mode, ref ClipRandom rng, int shortest = 0)
    {
        if (length <= 0) return [];
        int kept = o.MaxFrames > 0 && length > o.MaxFrames ? o.MaxFrames : length;
        int[] basis = Uniform(length, kept);
        if (mode != FrameMode.Train || o.TemporalRescale <= 0) return basis;

        int n = (int)(basis.Length * rng.Factor(o.TemporalRescale));
        n = Math.Clamp(n, o.RescaleMinFrames, o.RescaleMaxFrames);
        if (o.MaxFrames > 0) n = Math.Min(n, o.MaxFrames);
        n = Math.Max(n, Math.Min(shortest, basis.Length));
        int[] pick = n <= basis.Length ? Distinct(basis.Length, n, ref rng) : WithRepeats(basis.Length, n, ref rng);
        for (int i = 0; i < pick.Length; i++) pick[i] = basis[pick[i]];
        return pick;
    }

    /// <summary>Random crop offset, flip and jitter factors for a training clip; the plain centre crop otherwise.</summary>
    public static ClipAugmentation Draw(FrameOptions o, FrameMode mode, ref ClipRandom rng) =>
        Draw(o, mode, ref rng, o.ResizeWidth, o.ResizeHeight);

    /// <summary>As <see cref="Draw(FrameOptions, FrameMode, ref ClipRandom)"/> for a clip resized to <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static ClipAugmentation Draw(FrameOptions o, FrameMode mode, ref ClipRandom rng, int width, int height)
    {
        if (mode != FrameMode.Train) return ClipAugmentation.Centre(o, width, height);
        double zoom = 1;
        if (o.Zoom > 0)
            zoom = Math.Min(rng.Factor(o.Zoom), Math.Min((double)width / o.CropWidth, (double)height / o.CropHeight));
        double aspect = 1;
        if (o.Stretch > 0)
            aspect = Math.Min(rng.Factor(o.Stretch), width / (o.CropWidth * zoom));
        int x = rng.Next(width - ClipAugmentation.RegionSide(o.CropWidth, zoom * aspect) + 1);
        int y = rng.Next(height - ClipAugmentation.RegionSide(o.CropHeight, zoom) + 1);
        bool flip = o.FlipProbability > 0 && rng.NextDouble() < o.FlipProbability;
        double b = o.Brightness > 0 ? rng.Factor(o.Brightness) : 1;
        double c = o.Contrast > 0 ? rng.Factor(o.Contrast) : 1;
        double s = o.Saturation > 0 ? rng.Factor(o.Saturation) : 1;
        int order = 0, signs = 0;
        if (o.ColourShuffle > 0 && rng.NextDouble() < o.ColourShuffle)
        {
            order = rng.Next(ClipAugmentation.Orders.Length);
            signs = rng.Next(8);
        }
        return new ClipAugmentation(x, y, flip, b, c, s, zoom, order, signs, aspect);
    }

    /// <summary>
    /// Writes frames <paramref name="indices"/> of <paramref name="clip"/> into <paramref name="dst"/>
    /// as (indices.Count, 3, CropHeight, CropWidth) float32, cropped, flipped, jittered and normalised.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Apply(DecodedClip clip, IReadOnlyList<int> indices, ClipAugmentation aug, FrameOptions o, Span<float> dst)
    {
        if (clip.Width < o.CropWidth || clip.Height < o.CropHeight)
            throw new ArgumentException($"clip is {clip.Width}x{clip.Height}, smaller than the {o.CropWidth}x{o.CropHeight} crop");
        int cw = o.CropWidth, ch = o.CropHeight, plane = cw * ch, frameFloats = 3 * plane;
        if (dst.Length < indices.Count * frameFloats)
            throw new ArgumentException($"destination holds {dst.Length} floats, {indices.Count * frameFloats} needed");
        int rw = aug.RegionWidth(cw), rh = aug.RegionHeight(ch);
        if (aug.CropX < 0 || aug.CropY < 0 || aug.CropX + rw > clip.Width || aug.CropY + rh > clip.Height)
            throw new ArgumentException($"crop at ({aug.CropX},{aug.CropY}) of {rw}x{rh} leaves the {clip.Width}x{clip.Height} frame");
        bool zoomed = rw != cw || rh != ch;
        // A zoomed crop samples its region at the crop's pixel centres (nearest neighbour); each
        // output row is gathered, already mirrored, into a small buffer and then goes the plain way.
        int* srcX = stackalloc int[zoomed ? cw : 1];
        byte* gathered = stackalloc byte[zoomed ? cw * 3 : 1];
        if (zoomed)
            for (int x = 0; x < cw; x++)
                srcX[aug.Flip ? cw - 1 - x : x] = aug.CropX + Math.Min(rw - 1, (int)((x + 0.5) * rw / cw));

        // Brightness and contrast are per-channel maps of one byte, so they fold into lookup tables
        // together with the normalisation; only saturation mixes channels and needs a pixel pass.
        bool saturate = aug.Saturation != 1;
        float* lut = stackalloc float[3 * 256];
        float* scale = stackalloc float[3];
        float* bias = stackalloc float[3];
        // The colour shuffle negates a channel's normalised values (a sign in its table) and sends it
        // to another output plane (the plane pointers below).
        for (int c = 0; c < 3; c++)
        {
            double sign = (aug.ColourSigns >> c & 1) == 1 ? -1 : 1;
            scale[c] = (float)(sign / (255.0 * o.Std[c]));
            bias[c] = (float)(-sign * o.Mean[c] / o.Std[c]);
            for (int v = 0; v < 256; v++)
            {
                double x = Math.Clamp(v * aug.Brightness, 0, 255);
                x = Math.Clamp((x - 127.5) * aug.Contrast + 127.5, 0, 255);
                lut[c * 256 + v] = saturate ? (float)x : (float)(sign * (x / (255.0 * o.Std[c]) - o.Mean[c] / o.Std[c]));
            }
        }
        int[] planes = ClipAugmentation.Orders[aug.ColourOrder];

        int stride = clip.Width * 3;
        fixed (byte* pixels = clip.Pixels)
        fixed (float* outBase = dst)
        {
            for (int t = 0; t < indices.Count; t++)
            {
                byte* frame = pixels + (long)indices[t] * clip.FrameBytes;
                float* f = outBase + (long)t * frameFloats;
                float* r = f + planes[0] * plane, g = f + planes[1] * plane, b = f + planes[2] * plane;
                for (int y = 0; y < ch; y++)
                {
                    byte* row;
                    bool flip = aug.Flip;
                    if (zoomed)
                    {
                        byte* source = frame + (aug.CropY + Math.Min(rh - 1, (int)((y + 0.5) * rh / ch))) * stride;
                        for (int x = 0; x < cw; x++)
                        {
                            byte* p = source + srcX[x] * 3;
                            gathered[3 * x] = p[0];
                            gathered[3 * x + 1] = p[1];
                            gathered[3 * x + 2] = p[2];
                        }
                        row = gathered;
                        flip = false;
                    }
                    else
                    {
                        row = frame + (aug.CropY + y) * stride + aug.CropX * 3;
                    }
                    int o0 = y * cw;
                    if (saturate)
                        SaturateRow(row, cw, flip, (float)aug.Saturation, lut, scale, bias, r + o0, g + o0, b + o0);
                    else if (flip)
                    {
                        byte* p = row + (cw - 1) * 3;
                        for (int x = 0; x < cw; x++, p -= 3)
                        {
                            r[o0 + x] = lut[p[0]];
                            g[o0 + x] = lut[256 + p[1]];
                            b[o0 + x] = lut[512 + p[2]];
                        }
                    }
                    else
                    {
                        byte* p = row;
                        for (int x = 0; x < cw; x++, p += 3)
                        {
                            r[o0 + x] = lut[p[0]];
                            g[o0 + x] = lut[256 + p[1]];
                            b[o0 + x] = lut[512 + p[2]];
                        }
                    }
                }
            }
        }
    }

    static unsafe void SaturateRow(byte* row, int cw, bool flip, float s, float* lut, float* scale, float* bias, float* r, float* g, float* b)
    {
        for (int x = 0; x < cw; x++)
        {
            byte* p = row + (flip ? cw - 1 - x : x) * 3;
            float vr = lut[p[0]], vg = lut[256 + p[1]], vb = lut[512 + p[2]];
            float grey = 0.299f * vr + 0.587f * vg + 0.114f * vb;
            vr = Math.Clamp(grey + s * (vr - grey), 0f, 255f);
            vg = Math.Clamp(grey + s * (vg - grey), 0f, 255f);
            vb = Math.Clamp(grey + s * (vb - grey), 0f, 255f);
            r[x] = vr * scale[0] + bias[0];
            g[x] = vg * scale[1] + bias[1];
            b[x] = vb * scale[2] + bias[2];
        }
    }

    /// <summary>n indices spread evenly over [0, length): frame i maps to the centre of its 1/n share.</summary>
    internal static int[] Uniform(int length, int n)
    {
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = n == length ? i : (int)((i + 0.5) * length / n);
        return idx;
    }

    static int[] Distinct(int length, int n, ref ClipRandom rng)
    {
        var all = new int[length];
        for (int i = 0; i < length; i++) all[i] = i;
        for (int i = 0; i < n; i++)
        {
            int j = i + rng.Next(length - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        var pick = all[..n];
        Array.Sort(pick);
        return pick;
    }

    static int[] WithRepeats(int length, int n, ref ClipRandom rng)
    {
        var pick = new int[n];
        for (int i = 0; i < n; i++) pick[i] = rng.Next(length);
        Array.Sort(pick);
        return pick;
    }
}
