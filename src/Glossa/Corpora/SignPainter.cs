using SkiaSharp;

namespace Glossa.Corpora;

/// <summary>
/// One signer of the "sign" world: body size and position, skin, clothing and hair colours, a
/// textured background, and a movement <see cref="SignPerformance.Style"/>. Draws frames from
/// <see cref="SignPerformance.Pose"/>s under a per-video camera (shift, zoom) and lighting.
/// </summary>
internal sealed class SignPainter : IDisposable
{
    public const int Width = 210, Height = 260, HandshapeCount = 8;
    const double CentreX = Width / 2.0, CentreY = 150;

    readonly SKImage background;
    readonly SKColor shirt, sleeve, skin, palm, back, outline, hair;
    readonly double scale, offsetX, offsetY;

    public SignPerformance.Style Style { get; }

    /// <summary>Per-video camera and light: shift in pixels, zoom about the image centre, light direction and strength.</summary>
    public readonly record struct Shot(double ShiftX, double ShiftY, double Zoom, double LightAngle, int LightAlpha, bool Warm);

    public SignPainter(int index, int seed)
    {
        var rng = SynthRandom.For(seed, 12, index);
        scale = rng.Range(0.85, 1.15);
        offsetX = rng.Range(-14, 14);
        offsetY = rng.Range(-10, 10);
        shirt = SKColor.FromHsv((float)rng.Range(0, 360), (float)rng.Range(10, 70), (float)rng.Range(8, 45));
        sleeve = Shade(shirt, 22);
        float hue = (float)rng.Range(10, 40);
        skin = SKColor.FromHsv(hue, (float)rng.Range(20, 65), (float)rng.Range(35, 95));
        palm = Shade(skin, 28);
        back = Shade(skin, -22);
        outline = SKColor.FromHsv(hue, 55, 25);
        hair = SKColor.FromHsv((float)rng.Range(0, 50), (float)rng.Range(10, 70), (float)rng.Range(5, 80));
        background = MakeBackground(rng);
        Style = MakeStyle(index, seed);
    }

    /// <summary>How signer <paramref name="index"/> moves: speed +-30%, amplitude +-20%, how often they hold and pause.</summary>
    public static SignPerformance.Style MakeStyle(int index, int seed)
    {
        var rng = SynthRandom.For(seed, 18, index);
        return new SignPerformance.Style(rng.Range(0.7, 1.3), rng.Range(0.8, 1.2), rng.Range(0.08, 0.25), rng.Range(0.02, 0.08));
    }

    static SKColor Shade(SKColor c, int by) => new(
        (byte)Math.Clamp(c.Red + by, 0, 255), (byte)Math.Clamp(c.Green + by, 0, 255), (byte)Math.Clamp(c.Blue + by, 0, 255));

    public static Shot RandomShot(SynthRandom rng) =>
        new(rng.Range(-6, 6), rng.Range(-6, 6), rng.Range(0.92, 1.08), rng.Range(0, 2 * Math.PI), rng.Between(0, 50), rng.Next(2) == 0);

    static SKImage MakeBackground(SynthRandom rng)
    {
        var colour = SKColor.FromHsv((float)rng.Range(0, 360), (float)rng.Range(5, 50), (float)rng.Range(30, 70));
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var c = surface.Canvas;
        c.Clear(colour);
        int kind = rng.Next(5), period = rng.Between(8, 26);
        using var paint = new SKPaint { Color = new SKColor(255, 255, 255, (byte)rng.Between(8, 26)), IsAntialias = true, StrokeWidth = period / 3f };
        for (int p = -Height; p < Width + Height; p += period)
        {
            switch (kind)
            {
                case 0: c.DrawRect(p, 0, period / 2f, Height, paint); break;                 // vertical stripes
                case 1: c.DrawLine(p, 0, p + Height, Height, paint); break;                  // diagonal stripes
                case 2: c.DrawRect(0, p + Height, Width, period / 2f, paint); break;         // horizontal stripes
                case 3:                                                                      // checks
                    for (int q = 0; q < Height; q += period) if (((p + q) / period & 1) == 0) c.DrawRect(p, q, period / 2f, period / 2f, paint);
                    break;
                default: c.DrawCircle(p + Height / 2f, (p * 7919 % Height + Height) % Height, period / 4f, paint); break; // dots
            }
        }
        using var shade = new SKPaint
        {
            Shader = SKShader.CreateRadialGradient(new SKPoint(Width / 2f, Height / 3f), Height * 0.8f,
                [new SKColor(0, 0, 0, 0), new SKColor(0, 0, 0, 70)], SKShaderTileMode.Clamp),
        };
        c.DrawRect(0, 0, Width, Height, shade);
        return surface.Snapshot();
    }

    SKPoint ToImage(double x, double y) => new((float)(CentreX + offsetX + x * scale), (float)(CentreY + offsetY + y * scale));

    /// <summary>Draws one frame; <paramref name="rng"/> adds the per-frame noise (hand jitter, flicker, specks).</summary>
    public void Draw(SKCanvas c, SignPerformance.Pose pose, Shot shot, SynthRandom rng)
    {
        c.DrawImage(background, 0, 0, SKSamplingOptions.Default); // what a zoomed-out or shifted camera uncovers
        c.Save();
        c.Translate((float)shot.ShiftX, (float)shot.ShiftY);
        c.Scale((float)shot.Zoom, (float)shot.Zoom, Width / 2f, Height / 2f);
        c.DrawImage(background, 0, 0, SKSamplingOptions.Default);
        DrawBody(c);
        DrawArm(c, pose.Other, -48, rng);
        DrawArm(c, pose.Dominant, 48, rng);
        c.Restore();
        Light(c, shot);
        SynthNoise.Add(c, rng, Width, Height, maxAlpha: 12, specks: 30);
    }

    void DrawBody(SKCanvas c)
    {
        using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        float s = (float)scale;
        fill.Color = shirt;
        var torsoTop = ToImage(-58, -46);
        c.DrawRoundRect(new SKRect(torsoTop.X, torsoTop.Y, torsoTop.X + 116 * s, Height + 60), 24 * s, 24 * s, fill);
        fill.Color = skin;
        var neck = ToImage(-9, -64);
        c.DrawRect(neck.X, neck.Y, 18 * s, 20 * s, fill);
        var head = ToImage(0, -90);
        c.DrawOval(head.X, head.Y, 24 * s, 30 * s, fill);
        fill.Color = hair;
        c.DrawArc(new SKRect(head.X - 25 * s, head.Y - 31 * s, head.X + 25 * s, head.Y + 10 * s), 180, 180, true, fill);
        fill.Color = outline;
        c.DrawCircle(ToImage(-9, -92), 2.5f * s, fill);
        c.DrawCircle(ToImage(9, -92), 2.5f * s, fill);
        var mouth = ToImage(0, -74);
        c.DrawRect(mouth.X - 6 * s, mouth.Y, 12 * s, 2 * s, fill);
    }

    void DrawArm(SKCanvas c, SignPerformance.Hand hand, double shoulderX, SynthRandom rng)
    {
        float s = (float)scale;
        var shoulder = ToImage(shoulderX, -38);
        var h = ToImage(hand.X + rng.Range(-1.2, 1.2), hand.Y + rng.Range(-1.2, 1.2));
        using var arm = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 15 * s, StrokeCap = SKStrokeCap.Round, Color = sleeve };
        c.DrawLine(shoulder, h, arm);
        c.Save();
        c.Translate(h.X, h.Y);
        c.RotateDegrees((float)hand.Angle);
        float k = (float)(s * hand.Depth);
        c.Scale(shoulderX < 0 ? -k : k, k); // the other hand is the mirror image
        DrawHandshape(c, hand.Shape, hand.Palm ? palm : back);
        c.Restore();
    }

    /// <summary>The handshapes, in hand units with the fingers pointing up: fist, flat, spread, index, V, L, C, O.</summary>
    void DrawHandshape(SKCanvas c, int shape, SKColor colour)
    {
        using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill, Color = colour };
        using var finger = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 6, StrokeCap = SKStrokeCap.Round, Color = colour };
        using var edge = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = outline };
        void Finger(double degrees, float length)
        {
            double a = degrees * Math.PI / 180;
            c.DrawLine(0, 0, (float)(Math.Cos(a) * length), (float)(Math.Sin(a) * length), finger);
        }
        switch (shape)
        {
            case 0: c.DrawCircle(0, 0, 11, fill); c.DrawCircle(0, 0, 11, edge); break;
            case 1:
                var flat = new SKRect(-8, -26, 8, 9);
                c.DrawRoundRect(flat, 6, 6, fill); c.DrawRoundRect(flat, 6, 6, edge); break;
            case 2:
                for (int f = 0; f < 5; f++) Finger(-160 + f * 35, 21);
                c.DrawCircle(0, 0, 9, fill); break;
            case 3: Finger(-90, 24); c.DrawCircle(0, 0, 9, fill); c.DrawCircle(0, 0, 9, edge); break;
            case 4: Finger(-112, 23); Finger(-68, 23); c.DrawCircle(0, 0, 9, fill); break;
            case 5: Finger(-90, 22); Finger(0, 17); c.DrawCircle(0, 0, 9, fill); break;
            case 6:
                finger.StrokeWidth = 8;
                c.DrawArc(new SKRect(-12, -12, 12, 12), 60, 240, false, finger); break;
            default:
                finger.StrokeWidth = 7;
                c.DrawCircle(0, 0, 10, finger); c.DrawCircle(0, 0, 13.5f, edge); break;
        }
    }

    /// <summary>Light from one side, warm or cold, over the whole frame.</summary>
    static void Light(SKCanvas c, Shot shot)
    {
        if (shot.LightAlpha == 0) return;
        var tint = shot.Warm ? new SKColor(255, 220, 160, (byte)shot.LightAlpha) : new SKColor(160, 200, 255, (byte)shot.LightAlpha);
        float dx = (float)Math.Cos(shot.LightAngle) * Width / 2, dy = (float)Math.Sin(shot.LightAngle) * Height / 2;
        using var paint = new SKPaint
        {
            Shader = SKShader.CreateLinearGradient(new SKPoint(Width / 2f - dx, Height / 2f - dy), new SKPoint(Width / 2f + dx, Height / 2f + dy),
                [tint, new SKColor(0, 0, 0, (byte)shot.LightAlpha)], SKShaderTileMode.Clamp),
        };
        c.DrawRect(0, 0, Width, Height, paint);
    }

    public void Dispose() => background.Dispose();
}
