namespace Glossa.Corpora;

/// <summary>
/// Turns a sentence of <see cref="SignForm"/>s into one pose per frame, the way a signer performs
/// it: from rest, each sign at the signer's speed (+-30%) and amplitude with small per-occurrence
/// variation, co-articulated transitions whose length grows with the distance between the end of one
/// sign and the start of the next (the handshape changes mid-way), occasional holds and pauses, and
/// back to rest. The video is then fitted into the allowed length range.
/// </summary>
internal static class SignPerformance
{
    /// <summary>One hand in one frame (body units).</summary>
    public readonly record struct Hand(double X, double Y, int Shape, double Angle, bool Palm, double Depth)
    {
        public static Hand Lerp(Hand a, Hand b, double t) => new(
            a.X + (b.X - a.X) * t, a.Y + (b.Y - a.Y) * t, t < 0.5 ? a.Shape : b.Shape,
            a.Angle + (b.Angle - a.Angle) * t, t < 0.5 ? a.Palm : b.Palm, a.Depth + (b.Depth - a.Depth) * t);
    }

    /// <summary>Both hands in one frame.</summary>
    public readonly record struct Pose(Hand Dominant, Hand Other)
    {
        public static Pose Lerp(Pose a, Pose b, double t) => new(Hand.Lerp(a.Dominant, b.Dominant, t), Hand.Lerp(a.Other, b.Other, t));
    }

    /// <summary>How a signer moves.</summary>
    public sealed record Style(double Speed, double Amplitude, double HoldChance, double PauseChance);

    const int Fist = 0, Flat = 1;
    static readonly Pose Rest = new(new Hand(42, 88, Fist, 0, false, 1), new Hand(-42, 88, Fist, 0, false, 1));
    static readonly Pose PauseHands = new(new Hand(16, 52, Flat, 90, false, 1), new Hand(-16, 52, Flat, -90, false, 1));
    static readonly Hand Lap = new(-34, 70, Fist, 0, false, 1);
    static readonly Hand Base = new(-6, 0, Flat, 90, true, 1.3);

    public static List<Pose> Sentence(IReadOnlyList<SignForm> signs, Style style, SignWorldOptions o, SynthRandom rng)
    {
        var poses = new List<Pose>();
        Hold(poses, Rest, rng.Between(3, 7));
        for (int i = 0; i < signs.Count; i++)
        {
            if (i > 0 && rng.NextDouble() < style.PauseChance)
            {
                MoveTo(poses, PauseHands, style, rng);
                Hold(poses, PauseHands, rng.Between(2, 4));
            }
            var sign = Occurrence(signs[i], style, rng);
            int n = Math.Max(4, (int)Math.Round(signs[i].Frames / style.Speed * rng.Range(0.85, 1.15)));
            MoveTo(poses, sign(0), style, rng);
            for (int f = 0; f < n; f++)
            {
                double u = f / (double)(n - 1);
                poses.Add(sign(u * u * (3 - 2 * u))); // ease in and out
            }
            if (rng.NextDouble() < style.HoldChance) Hold(poses, poses[^1], rng.Between(1, 3));
        }
        MoveTo(poses, Rest, style, rng);
        Hold(poses, Rest, rng.Between(2, 5));
        return Fit(poses, o);
    }

    /// <summary>The pose function of one occurrence of a sign: its own small offset and size.</summary>
    static Func<double, Pose> Occurrence(SignForm s, Style style, SynthRandom rng)
    {
        var (lx, ly, depth) = SignForm.Locations[s.Location];
        double ox = rng.Range(-3, 3), oy = rng.Range(-3, 3), amp = style.Amplitude * rng.Range(0.9, 1.1);
        var (angle, palm) = SignForm.Orientations[s.Orientation];
        Hand Dominant(double u)
        {
            var (dx, dy) = s.Offset(u);
            return new Hand(lx + ox + dx * amp, ly + oy + dy * amp, s.Handshape, angle, palm, depth);
        }
        static Hand Mirror(Hand h) => h with { X = -h.X, Angle = -h.Angle };
        return s.Hands switch
        {
            SignForm.HandsKind.One => u => new Pose(Dominant(u), Lap),
            SignForm.HandsKind.Mirrored => u => new Pose(Dominant(u), Mirror(Dominant(u))),
            SignForm.HandsKind.Alternating => u => new Pose(Dominant(u), Mirror(Dominant(1 - u))),
            _ => u => new Pose(Dominant(u), Base),
        };
    }

    /// <summary>A co-articulated transition: longer for longer distances, shorter for faster signers.</summary>
    static void MoveTo(List<Pose> poses, Pose target, Style style, SynthRandom rng)
    {
        var from = poses[^1];
        double dx = target.Dominant.X - from.Dominant.X, dy = target.Dominant.Y - from.Dominant.Y;
        double distance = Math.Sqrt(dx * dx + dy * dy);
        int k = Math.Clamp((int)Math.Round((1 + distance / 40) / style.Speed + rng.Range(-0.5, 0.5)), 1, 6);
        for (int j = 1; j <= k; j++)
        {
            double t = j / (double)(k + 1);
            poses.Add(Pose.Lerp(from, target, t * t * (3 - 2 * t)));
        }
    }

    static void Hold(List<Pose> poses, Pose pose, int frames)
    {
        for (int i = 0; i < frames; i++) poses.Add(pose);
    }

    /// <summary>Pads a short video with rest frames; plays a long one faster (drops evenly spaced frames) to fit the maximum.</summary>
    static List<Pose> Fit(List<Pose> poses, SignWorldOptions o)
    {
        while (poses.Count < o.MinFrames) poses.Add(Rest);
        if (poses.Count <= o.MaxFrames) return poses;
        var fitted = new List<Pose>(o.MaxFrames);
        for (int i = 0; i < o.MaxFrames; i++) fitted.Add(poses[(int)((long)i * poses.Count / o.MaxFrames)]);
        return fitted;
    }
}
