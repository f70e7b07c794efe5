using System.CommandLine;
using System.Diagnostics;
using Glossa.Bench;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa bench</c> (and <c>bench/run</c>): parses the options and runs <see cref="BenchHarness"/>.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions and smaller sizes (minutes instead of an hour; for tests and smoke runs)." };
        var only = new Option<string?>("--only")
        {
            Description = $"Comma-separated benchmarks to run: {string.Join(", ", BenchHarness.Names)}. Without it, all but {string.Join(", ", BenchHarness.OptInNames)} " +
                "(the full PHOENIX-size world: hours; runs only when named here, and a plain run keeps its last section).",
        };
        var output = new Option<string?>("--out") { Description = "Markdown file to write (default: docs/benchmarks.md of the repository)." };
        var reps = new Option<int?>("--reps") { Description = "Repetitions per measurement (default 3, 2 with --quick)." };
        var scaleDir = new Option<string?>("--scale-dir")
        {
            Description = "The scale benchmark's `glossa synth` folder: a corpus already there is reused (not regenerated), else it is generated there " +
                "(full size: about 2 hours on 2 cores and 25 GB; the epoch's frame cache takes about 14 GB more until it is deleted). Default: a folder in the run's temporary folder, removed at the end.",
        };
        var command = new Command("bench", "Run every benchmark beside its reference and rewrite docs/benchmarks.md (machine, commands, medians, ratios, targets).");
        foreach (var o in new Option[] { quick, only, output, reps, scaleDir }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            bool q = parse.GetValue(quick);
            string repo = BenchHarness.FindRepo();
            var names = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string work = Directory.CreateTempSubdirectory("glossa-bench-").FullName;
            try
            {
                var settings = new BenchSettings(q, parse.GetValue(reps) ?? (q ? 2 : 3), repo, work, StartGlossa, parse.GetValue(scaleDir));
                Console.WriteLine(BenchHarness.Run(settings, names, parse.GetValue(output) ?? Path.Combine(repo, "docs", "benchmarks.md")));
            }
            finally
            {
                try { Directory.Delete(work, recursive: true); } catch (IOException) { }
            }
            return 0;
        }));
        return command;
    }

    /// <summary>This same CLI in a child process: each benchmark that needs one gets a fresh runtime, as `./glossa CMD` would.</summary>
    static ProcessStartInfo StartGlossa(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet")
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Glossa.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }
}
