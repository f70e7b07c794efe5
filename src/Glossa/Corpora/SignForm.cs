namespace Glossa.Corpora;

/// <summary>
/// One sign of the "sign" world, defined by the phonological parameters of sign languages.
/// Coordinates are body units (pixels of a signer of scale 1, origin at the chest centre, x to the
/// signer's dominant side, y down), as in <see cref="SynthMotion"/>.
/// </summary>
/// <param name="Handshape">Index into <see cref="SignPainter.HandshapeCount"/> drawn shapes.</param>
/// <param name="Location">Index into <see cref="Locations"/>.</param>
/// <param name="Path">Movement path.</param>
/// <param name="Direction">Direction of the path in eighths of a turn (0 = towards the dominant side, 2 = down).</param>
/// <param name="Orientation">Palm orientation: index into <see cref="Orientations"/>.</param>
/// <param name="Hands">One hand, both mirrored, both alternating, or the dominant on a static base hand.</param>
/// <param name="Reversed">The path walked backwards (end to start).</param>
/// <param name="Frames">Frames at normal speed.</param>
internal sealed record SignForm(int Handshape, int Location, SignForm.PathKind Path, int Direction, int Orientation,
    SignForm.HandsKind Hands, bool Reversed, int Frames)
{
    public enum PathKind { Straight, Arc, Circle, Zigzag, Tap }

    public enum HandsKind { One, Mirrored, Alternating, OnBase }

    /// <summary>Places of articulation: (x, y, depth); depth scales the hand (neutral space is nearer the camera).</summary>
    public static readonly (double X, double Y, double Depth)[] Locations =
    [
        (0, -120, 1.0),   // top of the head
        (4, -102, 1.0),   // forehead
        (22, -90, 1.0),   // temple / eye
        (0, -72, 1.0),    // mouth and chin
        (0, -55, 1.0),    // neck
        (0, -20, 1.0),    // chest centre
        (34, -22, 1.0),   // chest, dominant side
        (-40, -34, 1.0),  // opposite shoulder
        (4, 28, 1.0),     // belly
        (26, 2, 1.3),     // neutral space in front of the body
        (64, -12, 1.15),  // space at the dominant side
        (16, -44, 1.3),   // high neutral space
    ];

    /// <summary>Palm orientations: hand rotation in degrees and whether the palm (lighter) or the back faces the camera.</summary>
    public static readonly (double Angle, bool Palm)[] Orientations =
        [(0, true), (0, false), (90, true), (90, false), (-45, true), (180, false)];

    const double PathLength = 34;

    /// <summary>Offset of the dominant hand from its location at progress <paramref name="u"/> in [0, 1], before amplitude.</summary>
    public (double X, double Y) Offset(double u)
    {
        if (Reversed) u = 1 - u;
        double a = Direction * Math.PI / 4, dx = Math.Cos(a), dy = Math.Sin(a);
        double px = -dy, py = dx; // perpendicular
        double L = PathLength;
        switch (Path)
        {
            case PathKind.Straight:
                return (dx * L * u, dy * L * u);
            case PathKind.Arc:
                double bulge = 0.4 * L * Math.Sin(Math.PI * u);
                return (dx * L * u + px * bulge, dy * L * u + py * bulge);
            case PathKind.Circle:
                // A circle of diameter ~L starting at the location; the direction sets where it starts.
                double r = L * 0.45, t = 2 * Math.PI * u;
                return (r * (Math.Cos(a + t) - Math.Cos(a)), r * (Math.Sin(a + t) - Math.Sin(a)));
            case PathKind.Zigzag:
                double tri = 2 * Math.Abs(2 * (u * 2 - Math.Floor(u * 2 + 0.5))) - 1; // triangle wave, two periods
                return (dx * L * u + px * 0.22 * L * tri, dy * L * u + py * 0.22 * L * tri);
            default: // Tap: towards the location twice
                double k = 0.35 * L * Math.Abs(Math.Sin(2 * Math.PI * u));
                return (dx * k, dy * k);
        }
    }
}
