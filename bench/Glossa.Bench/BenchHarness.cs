using System.Diagnostics;
using System.Text.Json;
using Glossa.Common;

namespace Glossa.Bench;

/// <summary>
/// <c>glossa bench</c> (and <c>bench/run</c>): runs every benchmark beside its reference (Python
/// loader, sclite, PyTorch), collects their typed results and rewrites docs/benchmarks.md with
/// the machine, the exact commands, the load average during each run and a table of every target
/// beside its measured figure.
/// </summary>
public static class BenchHarness
{
    /// <param name="OptIn">Runs only when named in --only (hours of work), never in a plain run; its last section is kept.</param>
    sealed record Bench(string Name, string Title, Func<BenchSettings, BenchSection> Run, bool OptIn = false);

    static readonly Bench[] All =
    [
        new("loader", InProcessBenchmarks.Titles["loader"], InProcessBenchmarks.Loader),
        new("decode", InProcessBenchmarks.Titles["decode"], InProcessBenchmarks.Decode),
        new("score", InProcessBenchmarks.Titles["score"], InProcessBenchmarks.Score),
        new("model", ProcessBenchmarks.Titles["model"], ProcessBenchmarks.Model),
        new("training", ProcessBenchmarks.Titles["training"], ProcessBenchmarks.Training),
        new("recognize-memory", ProcessBenchmarks.Titles["recognize-memory"], ProcessBenchmarks.RecognizeMemory),
        new("engines", EnginesBenchmark.Title, EnginesBenchmark.Run),
        new("scale", ScaleBenchmark.Title, ScaleBenchmark.Run, OptIn: true),
    ];

    /// <summary>The benchmarks' names, in document order.</summary>
    public static IReadOnlyList<string> Names => All.Select(b => b.Name).ToList();

    /// <summary>The benchmarks that run only when named in --only.</summary>
    public static IReadOnlyList<string> OptInNames => All.Where(b => b.OptIn).Select(b => b.Name).ToList();

    /// <summary>The benchmarks a run with <paramref name="only"/> runs, in document order: those named, or every one but the opt-in ones when null.</summary>
    public static IReadOnlyList<string> Chosen(IReadOnlyList<string>? only) => Choose(only).Select(b => b.Name).ToList();

    static List<Bench> Choose(IReadOnlyList<string>? only) => All.Where(b => only is null ? !b.OptIn : only.Contains(b.Name)).ToList();

    /// <summary>
    /// Runs the benchmarks named in <paramref name="only"/> (all but the opt-in ones when null) and
    /// writes <paramref name="outPath"/> and its JSON sidecar; the sections of the benchmarks not run
    /// (with null: of the opt-in ones) are kept from the sidecar. Returns a one-line summary.
    /// </summary>
    public static string Run(BenchSettings settings, IReadOnlyList<string>? only, string outPath)
    {
        foreach (var n in only ?? [])
            if (!All.Any(b => b.Name == n))
                throw new GlossaException($"--only: unknown benchmark '{n}'; use one of {string.Join(", ", Names)}");
        if (settings.Reps < 1) throw new GlossaException("--reps must be at least 1");
        var chosen = Choose(only);
        var started = DateTime.UtcNow;
        var sections = new List<BenchSection>();
        var kept = Kept(ReadSections(SidecarOf(outPath)), only);
        bool partial = only is not null || kept.Count > 0;
        foreach (var b in chosen)
        {
            sections.Add(RunOne(b, settings));
            // Written after every benchmark, so an interrupted run still leaves the figures measured so far.
            Save(outPath, Merge(sections, kept), settings, started, partial || sections.Count < chosen.Count);
        }
        var all = Merge(sections, kept);
        Save(outPath, all, settings, started, partial);
        return $"wrote {outPath}: {sections.Count} benchmarks run" + (kept.Count > 0 ? $", {kept.Count} kept from the last run" : "") + $", {all.Sum(s => s.Targets.Count)} targets";
    }

    /// <summary>
    /// The sections of an earlier run that a run with <paramref name="only"/> keeps: those not named,
    /// or with null (a plain run, which rewrites the rest) the opt-in ones' (hours to remeasure).
    /// </summary>
    internal static List<BenchSection> Kept(IEnumerable<BenchSection> earlier, IReadOnlyList<string>? only) =>
        earlier.Where(k => only is null ? OptInNames.Contains(k.Name) : !only.Contains(k.Name)).ToList();

    static BenchSection RunOne(Bench b, BenchSettings settings)
    {
        Console.Error.WriteLine($"bench: {b.Name}: {b.Title} ...");
        var clock = Stopwatch.StartNew();
        string load0 = Measurement.LoadAverage();
        BenchSection s;
        try
        {
            s = b.Run(settings);
        }
        catch (GlossaException e)
        {
            // One failing benchmark must not lose the others' figures: the document says what failed.
            Console.Error.WriteLine($"bench: {b.Name} FAILED: {e.Message}");
            s = new(b.Name, b.Title, [], $"**Failed:** {e.Message}", [new($"{b.Name} benchmark", "failed to run (see its section)", false, b.Name)], "", 0);
        }
        Console.Error.WriteLine($"bench: {b.Name} done in {clock.Elapsed.TotalSeconds:F0} s");
        return s with { Load = $"{load0} before, {Measurement.LoadAverage()} after", Seconds = clock.Elapsed.TotalSeconds, MeasuredUtc = DateTime.UtcNow };
    }

    /// <summary>The fresh sections and the kept ones, in benchmark order.</summary>
    static List<BenchSection> Merge(List<BenchSection> fresh, List<BenchSection> kept) =>
        fresh.Concat(kept).OrderBy(x => Array.FindIndex(All, b => b.Name == x.Name)).ToList();

    static string SidecarOf(string markdownPath) => Path.ChangeExtension(markdownPath, ".json");

    /// <summary>Sections of an earlier run (empty when there is none or it cannot be read: then only the fresh ones are written).</summary>
    static List<BenchSection> ReadSections(string path)
    {
        if (!File.Exists(path)) return [];
        try { return JsonSerializer.Deserialize<List<BenchSection>>(File.ReadAllText(path), GlossaJson.Files) ?? []; }
        catch (JsonException e)
        {
            Console.Error.WriteLine($"bench: {path}: unreadable ({e.Message.Split('.')[0]}); the other benchmarks' sections are not kept");
            return [];
        }
    }

    static void Save(string markdownPath, List<BenchSection> sections, BenchSettings s, DateTime started, bool partial)
    {
        Write(SidecarOf(markdownPath), JsonSerializer.Serialize(sections, GlossaJson.Files));
        Write(markdownPath, BenchDocument.Write(sections, s, started, partial));
    }

    static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The repository root (the folder holding Glossa.slnx and bench/) above the current directory or the program.</summary>
    public static string FindRepo()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Glossa.slnx")) && Directory.Exists(Path.Combine(d.FullName, "bench")))
                    return d.FullName;
        throw new GlossaException("bench: run it inside the Glossa repository (the folder holding Glossa.slnx and bench/)");
    }
}
