using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Training;

namespace Glossa.Bench;

/// <summary>
/// The full PHOENIX-2014-sized synthetic world (<c>glossa synth --world sign</c> at its defaults):
/// generation, disk use, <c>corpus check</c>, and one epoch of the tiny student from an empty frame
/// cache with the cache's size afterwards. Hours at full size, so the harness runs it only when
/// named (<c>--only scale</c>); a corpus already in the scale folder is reused, not regenerated.
/// </summary>
internal static class ScaleBenchmark
{
    public const string Title = "The full PHOENIX-2014-size synthetic world: generation, disk, corpus check, one cold-cache epoch";

    /// <summary>
    /// What the bench measured when it generated the corpus, written beside glossa-synth.json (which
    /// holds no time: synth writes identical files for a seed), so a later run can report it.
    /// </summary>
    public const string GenerationFile = "glossa-bench-synth.json";

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Wall, CPU seconds and peak RSS of one glossa process.</summary>
    internal sealed record Usage(double WallSeconds, double CpuSeconds, [property: JsonPropertyName("peak_rss_mib")] double PeakRssMiB)
    {
        public static Usage Of(ProcessUsage p) => new(p.WallSeconds, p.CpuSeconds, p.PeakRssMiB);
    }

    /// <summary>A generation the bench measured (<see cref="GenerationFile"/>).</summary>
    internal sealed record Generation(string Command, DateTime MeasuredUtc, Usage Usage);

    /// <summary>The parts of glossa-synth.json read here.</summary>
    internal sealed record SynthMarker(MarkerOptions Options, MarkerStatistics Statistics);
    internal sealed record MarkerOptions(int TrainSentences, int DevSentences, int TestSentences, int Glosses);
    internal sealed record MarkerStatistics(int Videos, long Frames, double MeanFrames);

    sealed record CheckJson(bool Ok, IReadOnlyList<JsonElement> Errors, IReadOnlyList<JsonElement> Warnings);
    sealed record TrainJson(double ClipsPerSecond, double DataWaitShare);

    /// <summary>Everything the section reports.</summary>
    /// <param name="Dir">The synth folder, as the document shows it.</param>
    /// <param name="Generated">Whether this run generated the corpus (else it was reused and <paramref name="Generation"/> is an earlier run's record, or null).</param>
    internal sealed record Figures(string Dir, bool Quick, SynthMarker Marker, bool Generated, Generation? Generation,
        long CorpusBytes, int CorpusFiles, Usage Check, int Errors, int Warnings, EpochFigures Epoch);

    /// <summary>The training epoch: its process, what the run folder and summary say of it, and the frame cache it filled.</summary>
    /// <param name="Seconds">Epoch wall seconds, training and validation (metrics.jsonl).</param>
    /// <param name="ClipsPerSecond">Training clips per second of step time.</param>
    /// <param name="DataWaitShare">Share (0..1) of step time spent waiting for batches.</param>
    internal sealed record EpochFigures(Usage Usage, double Seconds, double ClipsPerSecond, double DataWaitShare, long CacheBytes, int CacheFiles);

    /// <summary>Bytes per frame at full size (2026-12): the corpus's PNG files about 25.8 kB, the frame cache 16.0 kB (73-px frames of train and dev).</summary>
    const long CorpusBytesPerFrame = 26_000, CacheBytesPerFrame = 16_000;

    /// <summary>Frames of <c>glossa synth --world sign</c> at its defaults (seed 1), for the disk check before generating.</summary>
    const long FullSizeFrames = 976_472;

    public static BenchSection Run(BenchSettings s)
    {
        string dir = Path.GetFullPath(s.ScaleDir ?? Path.Combine(s.WorkDir, "scale"));
        var commands = new List<string>();
        bool generated = !File.Exists(Path.Combine(dir, SyntheticCorpus.MarkerFile));
        if (generated) RequireFree(dir, (s.Quick ? 10_000 : FullSizeFrames) * CorpusBytesPerFrame, "the corpus");
        var generation = generated ? Generate(s, dir) : ReadGeneration(dir);
        commands.Add(generation?.Command ?? $"# {ProcessBenchmarks.Portable(s, dir)} already holds a corpus: not regenerated");
        var marker = ReadMarker(dir);
        string root = CorpusRoot(dir);
        var (corpusBytes, corpusFiles) = FolderSize(root);

        string[] check = ["corpus", "check", root, "--json"];
        var checkRun = ProcessBenchmarks.Sampled(s, check, 1); // exit code 1: errors found, reported below
        var report = ProcessBenchmarks.Json<CheckJson>(checkRun.Result.Stdout);
        commands.Add(ProcessBenchmarks.Shell(s, check));

        var epoch = Epoch(s, root, marker.Statistics.Frames, commands);
        var f = new Figures(ProcessBenchmarks.Portable(s, dir), s.Quick, marker, generated, generation, corpusBytes, corpusFiles,
            Usage.Of(checkRun), report.Errors.Count, report.Warnings.Count, epoch);
        return new BenchSection("scale", Title, commands, Body(f), [Target(f)], "", 0);
    }

    /// <summary>Runs <c>glossa synth DIR --world sign</c> (smaller with --quick) and records its figures beside the corpus.</summary>
    static Generation Generate(BenchSettings s, string dir)
    {
        string[] args = s.Quick
            ? ["synth", dir, "--world", "sign", "--sentences", "40", "--glosses", "30", "--json"]
            : ["synth", dir, "--world", "sign", "--json"];
        Console.Error.WriteLine($"bench: scale: generating {dir}{(s.Quick ? "" : " (full size: about 2 hours on 2 cores)")} ...");
        var run = ProcessBenchmarks.Sampled(s, args);
        var g = new Generation(ProcessBenchmarks.Shell(s, args), DateTime.UtcNow, Usage.Of(run));
        File.WriteAllText(Path.Combine(dir, GenerationFile), JsonSerializer.Serialize(g, GlossaJson.Files) + "\n");
        return g;
    }

    static Generation? ReadGeneration(string dir)
    {
        string path = Path.Combine(dir, GenerationFile);
        return File.Exists(path) ? ProcessBenchmarks.Json<Generation>(File.ReadAllText(path)) : null;
    }

    static SynthMarker ReadMarker(string dir) =>
        ProcessBenchmarks.Json<SynthMarker>(File.ReadAllText(Path.Combine(dir, SyntheticCorpus.MarkerFile)));

    static string CorpusRoot(string dir) =>
        new[] { SignWorld.MultisignerFolder, SignWorld.SignerIndependentFolder }.Select(v => Path.Combine(dir, v)).FirstOrDefault(Directory.Exists)
        ?? throw new GlossaException($"bench: scale: {dir} holds {SyntheticCorpus.MarkerFile} but neither {SignWorld.MultisignerFolder}/ nor {SignWorld.SignerIndependentFolder}/");

    /// <summary>One epoch of the tiny student from an empty frame cache; the cache is measured, then deleted (~14 GB at full size).</summary>
    static EpochFigures Epoch(BenchSettings s, string root, long frames, List<string> commands)
    {
        string cache = Path.Combine(s.WorkDir, "scale-cache"), run = Path.Combine(s.WorkDir, "scale-run");
        string[] train = ["train", "--model", "tiny-student", "--corpus", root, "--epochs", "1", "--cache-dir", cache, "--output-dir", run, "--threads", "2", "--json"];
        commands.Add($"rm -rf {ProcessBenchmarks.Portable(s, cache)}");
        commands.Add(ProcessBenchmarks.Shell(s, train));
        try
        {
            Delete(cache);
            RequireFree(cache, frames * CacheBytesPerFrame, "the frame cache");
            var p = ProcessBenchmarks.Sampled(s, train);
            var summary = ProcessBenchmarks.Json<TrainJson>(p.Result.Stdout);
            var epoch = RunFolder.ReadMetrics(run).FirstOrDefault() ?? throw new GlossaException($"bench: scale: {run} has no epoch in {RunFolder.MetricsFile}");
            var (bytes, files) = FolderSize(cache);
            return new(Usage.Of(p), epoch.Seconds ?? double.NaN, summary.ClipsPerSecond, epoch.DataWaitShare ?? double.NaN, bytes, files);
        }
        finally
        {
            Delete(cache);
        }
    }

    /// <summary>Fails before hours of work when the disk of <paramref name="dir"/> (or its nearest existing parent) lacks about <paramref name="bytes"/>.</summary>
    static void RequireFree(string dir, long bytes, string what)
    {
        var existing = new DirectoryInfo(dir);
        while (!existing.Exists && existing.Parent is not null) existing = existing.Parent;
        long free = new DriveInfo(existing.FullName).AvailableFreeSpace;
        if (free < bytes)
            throw new GlossaException(string.Create(Inv, $"bench: scale: {what} needs about {bytes / 1e9:F1} GB in {dir}, but its disk has {free / 1e9:F1} GB free; free some or pass --scale-dir on a larger disk"));
    }

    static void Delete(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>Total bytes and count of the files below <paramref name="dir"/> (0, 0 when it does not exist).</summary>
    internal static (long Bytes, int Files) FolderSize(string dir)
    {
        if (!Directory.Exists(dir)) return (0, 0);
        long bytes = 0;
        int files = 0;
        foreach (var f in new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            bytes += f.Length;
            files++;
        }
        return (bytes, files);
    }

    /// <summary>Whether the corpus has at least the sign world's default (PHOENIX-2014) train size.</summary>
    internal static bool IsFullSize(MarkerOptions o) => o.TrainSentences >= new SignWorldOptions().TrainSentences;

    /// <summary>The target: the full-size world checks without error (not judged on a smaller corpus).</summary>
    internal static BenchTarget Target(Figures f)
    {
        bool full = IsFullSize(f.Marker.Options);
        string measured = string.Create(Inv, $"{f.Errors} errors, {f.Warnings} warnings ({Sentences(f.Marker.Options)} sentences{(full ? "" : ": not full size, judged only at full size")})");
        return new("corpus check of the full-size sign world finds no error", measured, full ? f.Errors == 0 : null, "scale");
    }

    /// <summary>The section's markdown: one table of the steps, then what was measured on what.</summary>
    internal static string Body(Figures f)
    {
        var (o, st) = (f.Marker.Options, f.Marker.Statistics);
        var md = new StringBuilder("| step | wall | CPU-s | peak RSS | size / result |\n|---|---:|---:|---:|---|\n");
        string corpus = string.Create(Inv, $"{Sentences(o)} sentences, {o.Glosses:N0} glosses; {st.Videos:N0} videos, {st.Frames:N0} frames (mean {st.MeanFrames:F1} a video)");
        md.Append(f.Generation is { } g
            ? Row("generate (`glossa synth --world sign`)" + (f.Generated ? "" : string.Create(Inv, $", recorded {g.MeasuredUtc:yyyy-MM-dd}")), g.Usage, corpus)
            : $"| generate (`glossa synth --world sign`) | not recorded | not measured | not measured | {corpus} |\n");
        md.Append(Inv, $"| corpus on disk | | | | {Bytes(f.CorpusBytes)} in {f.CorpusFiles:N0} files |\n");
        md.Append(Row("`corpus check`", f.Check, f.Errors == 0 ? string.Create(Inv, $"OK: 0 errors, {f.Warnings} warnings") : string.Create(Inv, $"**{f.Errors} errors**, {f.Warnings} warnings")));
        var e = f.Epoch;
        md.Append(Row("one epoch, tiny student, cold cache", e.Usage,
            string.Create(Inv, $"epoch {Duration(e.Seconds)} (train + validation), {e.ClipsPerSecond:F1} clips/s, data wait {100 * e.DataWaitShare:F1}% of step time")));
        md.Append(Inv, $"| frame cache after the epoch | | | | {Bytes(e.CacheBytes)} in {e.CacheFiles:N0} files (deleted afterwards) |\n");
        string size = IsFullSize(o) ? "full size: PHOENIX-2014's statistics"
            : (f.Quick && f.Generated ? "reduced by --quick" : "smaller than full size") + "; full size is the sign world's defaults, 5,671/540/629 sentences, 1,200 glosses, about 976k frames";
        md.Append(Inv, $"\nThe sign world in `{f.Dir}` ({size}); ");
        md.Append("wall, CPU seconds (utime + stime) and peak RSS (VmHWM) of each glossa process, sampled every 50 ms from /proc; libtorch at 2 threads, the epoch starting from an empty frame cache, so decoding every frame is part of it. ");
        md.Append(f.Generated ? "The corpus was generated in this run."
            : f.Generation is null ? "The corpus was already there and was not regenerated: its generation time was not recorded (glossa-synth.json holds none), and its CPU time and peak RSS were not measured in this run."
            : $"The corpus was already there and was not regenerated: its generation figures are those recorded in {GenerationFile} when it was written (the command above says how), not measured in this run.");
        return md.ToString();
    }

    static string Row(string step, Usage u, string result) =>
        string.Create(Inv, $"| {step} | {Duration(u.WallSeconds)} | {u.CpuSeconds.ToString(u.CpuSeconds < 100 ? "F1" : "N0", Inv)} | {u.PeakRssMiB:N0} MiB | {result} |\n");

    static string Sentences(MarkerOptions o) => string.Create(Inv, $"{o.TrainSentences:N0}/{o.DevSentences:N0}/{o.TestSentences:N0}");

    /// <summary>Seconds as a person reads them: <c>42.3 s</c>, <c>2 min 56 s</c>, <c>1 h 43 min</c>.</summary>
    internal static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds)) return "-";
        if (seconds < 60) return string.Create(Inv, $"{seconds:F1} s");
        long s = (long)Math.Round(seconds);
        return s < 3600 ? $"{s / 60} min {s % 60} s" : $"{s / 3600} h {s % 3600 / 60} min";
    }

    /// <summary>Bytes with thousands separators and in GiB (MiB below 1 GiB), e.g. <c>25,191,352,985 bytes (23.5 GiB)</c>.</summary>
    internal static string Bytes(long bytes) =>
        bytes >= 1L << 30
            ? string.Create(Inv, $"{bytes:N0} bytes ({bytes / (double)(1L << 30):F1} GiB)")
            : string.Create(Inv, $"{bytes:N0} bytes ({bytes / (double)(1L << 20):F1} MiB)");
}
