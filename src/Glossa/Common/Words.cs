namespace Glossa.Common;

/// <summary>Small pieces of English for messages.</summary>
public static class Words
{
    /// <summary>"1 clip", "3 clips": a count and its noun, in the singular for one.</summary>
    public static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
