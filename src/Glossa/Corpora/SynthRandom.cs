namespace Glossa.Corpora;

/// <summary>
/// SplitMix64: a tiny generator whose output is fixed by its algorithm, so synthetic corpora are
/// identical across .NET versions and regardless of how sentences are scheduled on threads.
/// </summary>
internal sealed class SynthRandom(ulong seed)
{
    ulong state = seed;

    /// <summary>A generator for one item, derived from the corpus seed and the item's keys.</summary>
    public static SynthRandom For(int seed, params int[] keys)
    {
        var r = new SynthRandom((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ 0xD1B54A32D192ED03UL);
        ulong s = r.NextUInt64();
        foreach (int k in keys) s = new SynthRandom(s ^ (ulong)(uint)k * 0xBF58476D1CE4E5B9UL).NextUInt64();
        return new SynthRandom(s);
    }

    public ulong NextUInt64()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => (int)(NextDouble() * n);

    /// <summary>Uniform integer in [lo, hi] (inclusive).</summary>
    public int Between(int lo, int hi) => lo + Next(hi - lo + 1);

    /// <summary>Uniform in [lo, hi).</summary>
    public double Range(double lo, double hi) => lo + (hi - lo) * NextDouble();
}
