namespace Glossa.Common;

/// <summary>
/// The <c>--threads</c> rule shared by every command: 0 means one per core, and more than
/// <see cref="Max"/> is refused, because libtorch starts every thread asked for and a typo such
/// as 100000 stalls the process for minutes instead of failing.
/// </summary>
public static class ThreadCount
{
    /// <summary>The most threads accepted: four per core, at least 64.</summary>
    public static int Max => Math.Max(64, 4 * Environment.ProcessorCount);

    /// <summary>Throws a <see cref="GlossaException"/> naming <paramref name="option"/> unless 0 &lt;= threads &lt;= <see cref="Max"/>.</summary>
    public static int Check(int threads, string option = "--threads")
    {
        if (threads < 0 || threads > Max)
            throw new GlossaException($"{option} must be between 0 (one per core) and {Max} (got {threads}); this machine has {Environment.ProcessorCount} cores");
        return threads;
    }
}
