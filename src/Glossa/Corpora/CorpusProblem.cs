using System.Text;

namespace Glossa.Corpora;

/// <summary>
/// One problem found while reading or checking a corpus, located as precisely as possible.
/// </summary>
/// <param name="Kind">What kind of problem this is.</param>
/// <param name="File">The annotation file, frame file or folder concerned.</param>
/// <param name="Line">1-based line in <paramref name="File"/>, when the problem is a line.</param>
/// <param name="Sample">The sample id concerned, when known.</param>
/// <param name="Message">The problem and what to do about it.</param>
public sealed record CorpusProblem(CorpusProblemKind Kind, string File, int? Line, string? Sample, string Message)
{
    /// <summary>The kind as used in JSON output, e.g. <c>missing_frames</c>.</summary>
    public string KindName => SnakeCase(Kind.ToString());

    /// <summary>One line: <c>file:line: [sample] message</c>.</summary>
    public override string ToString()
    {
        string where = Line is int l ? $"{File}:{l}" : File;
        string who = Sample is null ? "" : $"sample '{Sample}': ";
        return $"{where}: {who}{Message}";
    }

    internal static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
