using System.Diagnostics;
using System.Text.RegularExpressions;
using Glossa.Scoring;

namespace Glossa.Tests.Scoring;

/// <summary>Runs the real NIST sclite binary and parses its per-utterance (sgml) and total (raw) output.</summary>
internal static partial class Sclite
{
    public const string Path = "/usr/lib/sctk/bin/sclite";

    public static bool Available => File.Exists(Path);

    /// <summary>Per-utterance edit-op letters (C/S/D/I) keyed by file id, and the Sum row of the raw report.</summary>
    public sealed record Result(Dictionary<string, string> Ops, ErrorCounts Totals);

    public static Result Run(string stmPath, string ctmPath)
    {
        string dir = System.IO.Path.GetDirectoryName(stmPath)!;
        var psi = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-h", ctmPath, "ctm", "-r", stmPath, "stm", "-f", "0", "-O", dir, "-n", "out", "-o", "sgml", "rsum" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"sclite failed ({p.ExitCode}): {stderr}");
        string sgml = File.ReadAllText(System.IO.Path.Combine(dir, "out.sgml"));
        var ops = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in PathBlock().Matches(sgml))
        {
            string body = m.Groups[2].Value.Trim();
            // Columns are separated by ':'; each starts with its op letter (C, S, D or I).
            string letters = body.Length == 0 ? "" : string.Concat(body.Split(':').Select(c => c[0]));
            ops[m.Groups[1].Value] = letters;
        }
        var sum = SumRow().Match(File.ReadAllText(System.IO.Path.Combine(dir, "out.raw")));
        Assert.True(sum.Success, "no Sum row in sclite's raw report");
        int G(int i) => int.Parse(sum.Groups[i].Value);
        return new Result(ops, new ErrorCounts(G(1), G(2), G(3), G(4)));
    }

    [GeneratedRegex("<PATH [^>]*file=\"([^\"]*)\"[^>]*>\\n(.*?)</PATH>", RegexOptions.Singleline)]
    private static partial Regex PathBlock();

    [GeneratedRegex(@"\| Sum\s*\|\s*\d+\s+\d+\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)")]
    private static partial Regex SumRow();
}

/// <summary>A fact that is skipped, with the reason, when the sclite binary is not installed (CI installs it).</summary>
public sealed class ScliteFactAttribute : FactAttribute
{
    public ScliteFactAttribute()
    {
        if (!Sclite.Available)
            Skip = $"sclite not found at {Sclite.Path}; install the Debian package 'sctk' (.ci/run does)";
    }
}
