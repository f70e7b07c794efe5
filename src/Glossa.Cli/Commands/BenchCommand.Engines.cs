using System.Text.Json;

namespace Glossa.Cli.Commands;

/// <summary>The "engines" benchmark of <c>glossa bench</c> (<c>glossa bench-engines</c> in a child process).</summary>
internal static partial class BenchCommand
{
    static Section Engines(Settings s)
    {
        string[] args = s.Quick
            ? ["bench-engines", "--json", "--size", "112", "--frames", "16", "--reps", $"{s.Reps}", "--threads", "2"]
            : ["bench-engines", "--json", "--size", "224", "--frames", "64", "--reps", $"{s.Reps}", "--threads", "2"];
        var (stdout, _) = Glossa(args);
        using var doc = JsonDocument.Parse(stdout);
        string body = doc.RootElement.GetProperty("markdown").GetString() ?? "";
        return new("engines", All.Single(b => b.Name == "engines").Title, [Shell(args)], body.Trim(), [], "", 0);
    }
}
