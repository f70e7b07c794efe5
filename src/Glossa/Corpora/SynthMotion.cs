namespace Glossa.Corpora;

/// <summary>
/// The movements of the synthetic signing. Coordinates are in "body units": pixels of a signer of
/// scale 1, with the origin at the chest centre, x to the right, y down. A gloss is a trajectory of
/// both hands (start, direction, length, curvature, hand shape at start and end); start positions
/// are drawn from a few shared anchors, so single frames of different glosses look alike and only
/// the motion over several frames tells them apart.
/// </summary>
internal static class SynthMotion
{
    /// <summary>A hand: centre, ellipse radii and orientation (degrees).</summary>
    public readonly record struct Hand(double X, double Y, double Rx, double Ry, double Angle)
    {
        public static Hand Lerp(Hand a, Hand b, double t) => new(
            a.X + (b.X - a.X) * t, a.Y + (b.Y - a.Y) * t, a.Rx + (b.Rx - a.Rx) * t,
            a.Ry + (b.Ry - a.Ry) * t, a.Angle + (b.Angle - a.Angle) * t);
    }

    /// <summary>Both hands in one frame.</summary>
    public readonly record struct Pose(Hand Right, Hand Left)
    {
        public static Pose Lerp(Pose a, Pose b, double t) => new(Hand.Lerp(a.Right, b.Right, t), Hand.Lerp(a.Left, b.Left, t));
    }

    /// <summary>One hand's path during a gloss.</summary>
    public sealed record Path(double X0, double Y0, double X1, double Y1, double Bulge, int ShapeFrom, int ShapeTo)
    {
        public Hand At(double u)
        {
            double dx = X1 - X0, dy = Y1 - Y0, len = Math.Max(1e-6, Math.Sqrt(dx * dx + dy * dy));
            double arc = Bulge * 4 * u * (1 - u); // perpendicular offset, largest mid-gloss
            double x = X0 + dx * u - dy / len * arc, y = Y0 + dy * u + dx / len * arc;
            var (rx0, ry0) = Shapes[ShapeFrom];
            var (rx1, ry1) = Shapes[ShapeTo];
            double angle = len < 2 ? 0 : Math.Atan2(dy, dx) * 180 / Math.PI;
            return new Hand(x, y, rx0 + (rx1 - rx0) * u, ry0 + (ry1 - ry0) * u, angle);
        }

        public Path Scaled(double scale, double ox, double oy) =>
            this with { X0 = X0 + ox, Y0 = Y0 + oy, X1 = X0 + ox + (X1 - X0) * scale, Y1 = Y0 + oy + (Y1 - Y0) * scale, Bulge = Bulge * scale };
    }

    /// <summary>A gloss: its name, base length in frames and the two hand paths.</summary>
    public sealed record Gloss(string Name, int Frames, Path Right, Path Left);

    /// <summary>Hand shapes as ellipse radii: open, flat, fist.</summary>
    static readonly (double Rx, double Ry)[] Shapes = [(19, 19), (25, 12), (14, 14)];

    static readonly (double X, double Y)[] Anchors =
        [(-30, -78), (30, -78), (0, -48), (-48, -10), (48, -10), (0, 18), (-36, 48), (36, 48), (-66, -42), (66, -42)];

    public const double RestX = 42, RestY = 88, NeutralX = 26, NeutralY = 22;

    /// <summary>Well-known PHOENIX-like names for the first glosses; more are numbered.</summary>
    static readonly string[] Names =
    [
        "REGEN", "SONNE", "WOLKE", "SCHNEE", "WIND", "GEWITTER", "NEBEL", "FROST", "WARM", "KALT",
        "NORD", "SUED", "WEST", "OST", "MORGEN", "HEUTE", "ABEND", "NACHT", "TAG", "WOCHENENDE",
        "TEMPERATUR", "GRAD", "KUESTE", "BERG", "REGION", "DEUTSCHLAND", "MEHR", "WENIG", "STARK", "SCHWACH",
        "FREUNDLICH", "TROCKEN", "NASS", "HOCH", "TIEF", "KOMMEN", "BLEIBEN", "AUCH", "DANN", "IX",
    ];

    public const string On = "__ON__", Off = "__OFF__";

    /// <summary>Makes the content glosses plus <c>__ON__</c>/<c>__OFF__</c>, all distinct in motion.</summary>
    public static Dictionary<string, Gloss> MakeGlosses(SynthOptions o)
    {
        var rng = SynthRandom.For(o.Seed, 1);
        var glosses = new Dictionary<string, Gloss>(StringComparer.Ordinal);
        int mid = (o.MinGlossFrames + o.MaxGlossFrames + 1) / 2;
        var restR = new Path(RestX, RestY, NeutralX, NeutralY, 0, 2, 0);
        var restL = new Path(-RestX, RestY, -NeutralX, NeutralY, 0, 2, 0);
        glosses[On] = new Gloss(On, mid, restR, restL);
        glosses[Off] = new Gloss(Off, mid, Reverse(restR), Reverse(restL));
        var descriptors = new List<double[]> { Descriptor(glosses[On]), Descriptor(glosses[Off]) };
        for (int i = 0; i < o.Glosses; i++)
        {
            string name = i < Names.Length ? Names[i] : $"GLOSS{i + 1:D3}";
            Gloss best = RandomGloss(name, rng, o);
            double bestDistance = MinDistance(Descriptor(best), descriptors);
            // Keep glosses apart in motion: retry and keep the most distinct candidate.
            for (int attempt = 0; attempt < 40 && bestDistance < 40; attempt++)
            {
                var candidate = RandomGloss(name, rng, o);
                double d = MinDistance(Descriptor(candidate), descriptors);
                if (d > bestDistance) (best, bestDistance) = (candidate, d);
            }
            glosses[name] = best;
            descriptors.Add(Descriptor(best));
        }
        return glosses;
    }

    static Path Reverse(Path p) => new(p.X1, p.Y1, p.X0, p.Y0, -p.Bulge, p.ShapeTo, p.ShapeFrom);

    static Gloss RandomGloss(string name, SynthRandom rng, SynthOptions o)
    {
        int frames = rng.Between(o.MinGlossFrames, o.MaxGlossFrames);
        var right = RandomPath(rng, Anchors[rng.Next(Anchors.Length)]);
        Path left = rng.Next(10) switch
        {
            < 4 => new Path(-RestX, RestY, -RestX, RestY, 0, 2, 2),                                                     // resting
            < 7 => new Path(-right.X0, right.Y0, -right.X1, right.Y1, -right.Bulge, right.ShapeFrom, right.ShapeTo),     // mirrored
            _ => RandomPath(rng, Anchors[rng.Next(Anchors.Length)]),                                                      // independent
        };
        return new Gloss(name, frames, right, left);
    }

    static Path RandomPath(SynthRandom rng, (double X, double Y) anchor)
    {
        double angle = rng.Next(8) * Math.PI / 4, length = rng.Range(40, 75);
        double x0 = anchor.X + rng.Range(-6, 6), y0 = anchor.Y + rng.Range(-6, 6);
        double x1 = Math.Clamp(x0 + Math.Cos(angle) * length, -92, 92), y1 = Math.Clamp(y0 + Math.Sin(angle) * length, -115, 105);
        double bulge = (rng.Next(3) - 1) * rng.Range(10, 22);
        return new Path(x0, y0, x1, y1, bulge, rng.Next(Shapes.Length), rng.Next(Shapes.Length));
    }

    /// <summary>Positions of both hands at five moments, for comparing glosses.</summary>
    static double[] Descriptor(Gloss g)
    {
        var d = new List<double>();
        foreach (double u in new[] { 0, 0.25, 0.5, 0.75, 1 })
        {
            var r = g.Right.At(u);
            var l = g.Left.At(u);
            d.AddRange([r.X, r.Y, l.X, l.Y]);
        }
        return d.ToArray();
    }

    static double MinDistance(double[] a, List<double[]> others)
    {
        double best = double.MaxValue;
        foreach (var b in others)
        {
            double s = 0;
            for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
            best = Math.Min(best, Math.Sqrt(s / (a.Length / 2)));
        }
        return best;
    }

    /// <summary>
    /// The poses of a whole sentence: each gloss played with small per-occurrence variations
    /// (length +-1 frame, size, offset, speed profile), joined by interpolated transitions.
    /// </summary>
    public static List<Pose> Sentence(IReadOnlyList<string> tokens, Dictionary<string, Gloss> glosses, SynthOptions o, SynthRandom rng)
    {
        var poses = new List<Pose>();
        foreach (var token in tokens)
        {
            var g = glosses[token];
            int n = Math.Max(2, g.Frames + rng.Between(-1, 1));
            double scale = rng.Range(0.88, 1.12), ox = rng.Range(-4, 4), oy = rng.Range(-4, 4), ease = rng.Range(0.8, 1.4);
            var right = g.Right.Scaled(scale, ox, oy);
            var left = g.Left.Scaled(scale, -ox, oy);
            var first = new Pose(right.At(0), left.At(0));
            if (poses.Count > 0)
            {
                var last = poses[^1];
                int k = Math.Max(1, o.TransitionFrames + rng.Between(-1, 1));
                for (int j = 1; j <= k; j++) poses.Add(Pose.Lerp(last, first, j / (double)(k + 1)));
            }
            for (int f = 0; f < n; f++)
            {
                double u = Math.Pow(f / (double)(n - 1), ease);
                u = u * u * (3 - 2 * u); // ease in and out
                poses.Add(new Pose(right.At(u), left.At(u)));
            }
        }
        return poses;
    }
}
