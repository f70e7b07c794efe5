namespace Glossa.Corpora;

/// <summary>
/// Makes the lexicon of the "sign" world: distinct combinations of phonological parameters, a share
/// of them minimal pairs of an earlier sign (one parameter changed, or the path walked backwards),
/// and a Zipf-like frequency rank for each.
/// </summary>
internal static class SignLexicon
{
    static readonly string[] Words =
    [
        "REGEN", "SONNE", "WOLKE", "SCHNEE", "WIND", "GEWITTER", "NEBEL", "FROST", "WARM", "KALT",
        "NORD", "SUED", "WEST", "OST", "MORGEN", "HEUTE", "ABEND", "NACHT", "TAG", "WOCHENENDE",
        "TEMPERATUR", "GRAD", "KUESTE", "BERG", "REGION", "DEUTSCHLAND", "MEHR", "WENIG", "STARK", "SCHWACH",
        "FREUNDLICH", "TROCKEN", "NASS", "HOCH", "TIEF", "KOMMEN", "BLEIBEN", "AUCH", "DANN", "IX",
        "MONTAG", "DIENSTAG", "MITTWOCH", "DONNERSTAG", "FREITAG", "SAMSTAG", "SONNTAG", "ALPEN", "MEER", "FLUSS",
        "WECHSELHAFT", "SCHAUER", "GLATT", "STURM", "HAGEL", "LUFT", "MILD", "HEISS", "KUEHL", "ORT",
    ];

    /// <summary>The signs by gloss name, in frequency order (most frequent first).</summary>
    public static List<(string Name, SignForm Form)> Make(SignWorldOptions o)
    {
        var rng = SynthRandom.For(o.Seed, 11);
        var forms = new List<SignForm>();
        var seen = new HashSet<SignForm>();
        while (forms.Count < o.Glosses)
        {
            SignForm form = forms.Count > 0 && rng.NextDouble() < o.MinimalPairShare
                ? MinimalPair(forms[rng.Next(forms.Count)], rng)
                : Random(rng);
            if (seen.Add(Key(form))) forms.Add(form);
        }
        // Frequency ranks are dealt at random, so minimal pairs are not always neighbours in frequency.
        var order = Enumerable.Range(0, forms.Count).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order.Select((f, rank) => (Name(rank), forms[f])).ToList();
    }

    static string Name(int i) => i < Words.Length ? Words[i] : $"{Words[i % Words.Length]}{i / Words.Length + 1}";

    /// <summary>The parameters that define a sign's look; length is a property of the performance, and a tap walked backwards is the same tap.</summary>
    static SignForm Key(SignForm f) => f with { Frames = 0, Reversed = f.Reversed && f.Path != SignForm.PathKind.Tap };

    static SignForm Random(SynthRandom rng)
    {
        var hands = rng.Next(10) switch
        {
            < 5 => SignForm.HandsKind.One,
            < 7 => SignForm.HandsKind.Mirrored,
            < 8 => SignForm.HandsKind.Alternating,
            _ => SignForm.HandsKind.OnBase,
        };
        return new SignForm(
            Handshape: rng.Next(SignPainter.HandshapeCount),
            Location: rng.Next(SignForm.Locations.Length),
            Path: (SignForm.PathKind)rng.Next(5),
            Direction: rng.Next(8),
            Orientation: rng.Next(SignForm.Orientations.Length),
            Hands: hands,
            Reversed: rng.Next(4) == 0,
            Frames: rng.Between(4, 10));
    }

    static SignForm MinimalPair(SignForm f, SynthRandom rng)
    {
        static int Other(int value, int count, SynthRandom rng) => (value + 1 + rng.Next(count - 1)) % count;
        return rng.Next(7) switch
        {
            0 => f with { Handshape = Other(f.Handshape, SignPainter.HandshapeCount, rng) },
            1 => f with { Location = Other(f.Location, SignForm.Locations.Length, rng) },
            2 => f with { Path = (SignForm.PathKind)Other((int)f.Path, 5, rng) },
            3 => f with { Direction = Other(f.Direction, 8, rng) },
            4 => f with { Orientation = Other(f.Orientation, SignForm.Orientations.Length, rng) },
            5 => f with { Hands = (SignForm.HandsKind)Other((int)f.Hands, 4, rng) },
            _ => f with { Reversed = !f.Reversed },
        };
    }
}
