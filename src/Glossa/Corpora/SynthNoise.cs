using SkiaSharp;

namespace Glossa.Corpora;

/// <summary>Per-frame noise of the synthetic worlds that PNG still compresses well: a global brightness flicker and a few specks.</summary>
internal static class SynthNoise
{
    /// <summary>Draws the flicker (alpha up to <paramref name="maxAlpha"/>) and <paramref name="specks"/> 2x2 specks over the whole frame.</summary>
    public static void Add(SKCanvas c, SynthRandom rng, int width, int height, int maxAlpha, int specks)
    {
        byte alpha = (byte)rng.Between(0, maxAlpha);
        using var flicker = new SKPaint { Color = rng.Next(2) == 0 ? new SKColor(0, 0, 0, alpha) : new SKColor(255, 255, 255, alpha) };
        c.DrawRect(0, 0, width, height, flicker);
        using var speck = new SKPaint { IsAntialias = false };
        for (int i = 0; i < specks; i++)
        {
            byte v = (byte)rng.Between(0, 255);
            speck.Color = new SKColor(v, v, v, (byte)rng.Between(40, 110));
            c.DrawRect((float)rng.Range(0, width), (float)rng.Range(0, height), 2, 2, speck);
        }
    }
}
