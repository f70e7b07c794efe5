using SkiaSharp;

namespace Glossa.Corpora;

/// <summary>
/// How one synthetic signer looks: a textured background, clothes and skin colours, a size and a
/// position offset. Renders frames of that signer from <see cref="SynthMotion.Pose"/>s.
/// </summary>
internal sealed class SynthSigner : IDisposable
{
    public const int Width = 210, Height = 260;
    const double CentreX = Width / 2.0, CentreY = 150;

    readonly SKImage background;
    readonly SKColor shirt, sleeve, skin, outline;
    readonly double scale, offsetX, offsetY;

    public string Name { get; }

    public SynthSigner(int index, int seed)
    {
        Name = $"Signer{index + 1:D2}";
        var rng = SynthRandom.For(seed, 2, index);
        scale = rng.Range(0.9, 1.1);
        offsetX = rng.Range(-10, 10);
        offsetY = rng.Range(-8, 8);
        shirt = SKColor.FromHsv((float)rng.Range(0, 360), (float)rng.Range(20, 60), (float)rng.Range(12, 30));
        sleeve = shirt.WithRed((byte)Math.Min(255, shirt.Red + 25)).WithGreen((byte)Math.Min(255, shirt.Green + 25)).WithBlue((byte)Math.Min(255, shirt.Blue + 25));
        float hue = (float)rng.Range(15, 35);
        skin = SKColor.FromHsv(hue, (float)rng.Range(25, 60), (float)rng.Range(60, 95));
        outline = SKColor.FromHsv(hue, 50, 35);
        background = MakeBackground(rng);
    }

    static SKImage MakeBackground(SynthRandom rng)
    {
        var baseColour = SKColor.FromHsv((float)rng.Range(0, 360), (float)rng.Range(10, 45), (float)rng.Range(40, 62));
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var c = surface.Canvas;
        c.Clear(baseColour);
        int kind = rng.Next(3), period = rng.Between(10, 24);
        using var paint = new SKPaint { Color = new SKColor(255, 255, 255, (byte)rng.Between(10, 22)), IsAntialias = true, StrokeWidth = period / 3f };
        for (int p = -Height; p < Width + Height; p += period)
        {
            if (kind == 0) c.DrawRect(p, 0, period / 2f, Height, paint);            // vertical stripes
            else if (kind == 1) c.DrawLine(p, 0, p + Height, Height, paint);        // diagonal stripes
            else c.DrawRect(0, p + Height, Width, period / 2f, paint);              // horizontal stripes
        }
        using var shade = new SKPaint
        {
            Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, Height),
                [new SKColor(0, 0, 0, 0), new SKColor(0, 0, 0, 60)], SKShaderTileMode.Clamp),
        };
        c.DrawRect(0, 0, Width, Height, shade);
        return surface.Snapshot();
    }

    SKPoint ToImage(double x, double y) => new((float)(CentreX + offsetX + x * scale), (float)(CentreY + offsetY + y * scale));

    /// <summary>Draws one frame; <paramref name="rng"/> adds the per-frame noise (jitter, brightness, specks).</summary>
    public void Draw(SKCanvas c, SynthMotion.Pose pose, double cameraX, double cameraY, SynthRandom rng)
    {
        c.Clear(SKColors.Black);
        c.DrawImage(background, 0, 0, SKSamplingOptions.Default);
        c.Save();
        c.Translate((float)cameraX, (float)cameraY);
        using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        float s = (float)scale;

        fill.Color = shirt; // torso and neck
        var torsoTop = ToImage(-56, -46);
        c.DrawRoundRect(new SKRect(torsoTop.X, torsoTop.Y, torsoTop.X + 112 * s, Height + 40), 22 * s, 22 * s, fill);
        fill.Color = skin;
        var neck = ToImage(-9, -62);
        c.DrawRect(neck.X, neck.Y, 18 * s, 18 * s, fill);
        var head = ToImage(0, -88);
        c.DrawOval(head.X, head.Y, 24 * s, 29 * s, fill);
        fill.Color = outline;
        c.DrawCircle(ToImage(-9, -92), 2.5f * s, fill);
        c.DrawCircle(ToImage(9, -92), 2.5f * s, fill);

        DrawArm(c, pose.Left, -48, rng);
        DrawArm(c, pose.Right, 48, rng);
        c.Restore();
        SynthNoise.Add(c, rng, Width, Height, maxAlpha: 14, specks: 40);
    }

    void DrawArm(SKCanvas c, SynthMotion.Hand hand, double shoulderX, SynthRandom rng)
    {
        float s = (float)scale;
        var shoulder = ToImage(shoulderX, -36);
        var h = ToImage(hand.X + rng.Range(-1.5, 1.5), hand.Y + rng.Range(-1.5, 1.5));
        using var arm = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 15 * s, StrokeCap = SKStrokeCap.Round, Color = sleeve };
        c.DrawLine(shoulder, h, arm);
        c.Save();
        c.Translate(h.X, h.Y);
        c.RotateDegrees((float)hand.Angle);
        var oval = new SKRect((float)-hand.Rx * s, (float)-hand.Ry * s, (float)hand.Rx * s, (float)hand.Ry * s);
        using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill, Color = skin };
        c.DrawOval(oval, fill);
        using var edge = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2.5f, Color = outline };
        c.DrawOval(oval, edge);
        c.Restore();
    }

    public void Dispose() => background.Dispose();
}
