namespace Glossa.Frames;

/// <summary>
/// A small deterministic generator (xoshiro256**, seeded through SplitMix64). Each clip gets its
/// own generator derived from (seed, epoch, sample index), so a clip's augmentation does not
/// depend on which thread decodes it or on what else is in its batch.
/// </summary>
public struct ClipRandom
{
    ulong s0, s1, s2, s3;

    /// <summary>The generator of sample <paramref name="sampleIndex"/> in epoch <paramref name="epoch"/> (-1 is used for the batch order).</summary>
    public static ClipRandom For(int seed, int epoch, int sampleIndex)
    {
        ulong x = Mix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)(uint)epoch + 0x632BE59BD9B4E019UL) ^ Mix((ulong)(uint)sampleIndex ^ 0xD1B54A32D192ED03UL) + 1);
        var r = new ClipRandom();
        r.s0 = SplitMix(ref x);
        r.s1 = SplitMix(ref x);
        r.s2 = SplitMix(ref x);
        r.s3 = SplitMix(ref x);
        return r;
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n); n must be positive.</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "n must be positive");
        return (int)((NextUInt64() >> 33) * (ulong)n >> 31);
    }

    /// <summary>Uniform in [1 - amount, 1 + amount].</summary>
    public double Factor(double amount) => 1 + (NextDouble() * 2 - 1) * amount;

    /// <summary>Shuffles in place (Fisher-Yates).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return Mix(x);
    }
}
