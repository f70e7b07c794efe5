using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;
using Glossa.Training;

namespace Glossa.Cli.Commands;

/// <summary>
/// <c>glossa bench</c> (and <c>bench/run</c>): runs every benchmark of the earlier issues as child
/// processes of this same CLI, each beside its reference (Python loader, sclite, PyTorch), collects
/// their medians, and rewrites docs/benchmarks.md with the machine, the exact commands, the load
/// average during each run and a table of every target beside its measured figure.
/// </summary>
internal static partial class BenchCommand
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One benchmark: a name, what it measures, and how to run and read it.</summary>
    sealed record Bench(string Name, string Title, Func<Settings, Section> Run);

    /// <summary>What a benchmark reports into the document.</summary>
    sealed record Section(string Name, string Title, IReadOnlyList<string> Commands, string Body, IReadOnlyList<Target> Targets, string Load, double Seconds)
    {
        /// <summary>When the benchmark ran (UTC); sections kept from an earlier run keep their own time.</summary>
        public DateTime MeasuredUtc { get; init; }
    }

    /// <summary>One target of an earlier issue beside its measured figure.</summary>
    sealed record Target(string Goal, string Measured, bool? Met, string Benchmark);

    sealed record Settings(bool Quick, int Reps, string Repo, string WorkDir);

    static readonly Bench[] All =
    [
        new("loader", "Frame loading (Glossa BatchLoader vs Python PIL+numpy)", Loader),
        new("decode", "CTC decoding (greedy and beam 10)", Decode),
        new("score", "Scoring (Glossa vs sclite)", Score),
        new("model", "Model step time and student inference (Glossa vs PyTorch)", Model),
        new("training", "Training data wait (tiny student on a synthetic corpus)", Training),
        new("recognize-memory", "Recognition memory on long videos (peak RSS)", RecognizeMemory),
        new("engines", "Student inference at 224 px: ONNX Runtime, TorchSharp and PyTorch at its best", Engines),
    ];

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions and smaller sizes (minutes instead of an hour; for tests and smoke runs)." };
        var only = new Option<string?>("--only") { Description = $"Comma-separated benchmarks to run: {string.Join(", ", All.Select(b => b.Name))}." };
        var output = new Option<string?>("--out") { Description = "Markdown file to write (default: docs/benchmarks.md of the repository)." };
        var reps = new Option<int?>("--reps") { Description = "Repetitions per measurement (default 3, 2 with --quick)." };
        var command = new Command("bench", "Run every benchmark beside its reference and rewrite docs/benchmarks.md (machine, commands, medians, ratios, targets).");
        foreach (var o in new Option[] { quick, only, output, reps }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            bool q = parse.GetValue(quick);
            string repo = FindRepo();
            var names = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var n in names ?? [])
                if (!All.Any(b => b.Name == n))
                    throw new GlossaException($"--only: unknown benchmark '{n}'; use one of {string.Join(", ", All.Select(b => b.Name))}");
            var chosen = All.Where(b => names is null || names.Contains(b.Name)).ToList();
            string work = Directory.CreateTempSubdirectory("glossa-bench-").FullName;
            repoRoot = repo;
            workRoot = work;
            var settings = new Settings(q, parse.GetValue(reps) ?? (q ? 2 : 3), repo, work);
            if (settings.Reps < 1) throw new GlossaException("--reps must be at least 1");
            string outPath = parse.GetValue(output) ?? Path.Combine(repo, "docs", "benchmarks.md");
            var started = DateTime.UtcNow;
            var sections = new List<Section>();
            // --only reruns some benchmarks: the others keep their last figures (kept beside the document as JSON).
            var kept = names is null ? [] : ReadSections(SidecarOf(outPath)).Where(k => !names.Contains(k.Name)).ToList();
            try
            {
                foreach (var b in chosen)
                {
                    Console.Error.WriteLine($"bench: {b.Name}: {b.Title} ...");
                    var clock = Stopwatch.StartNew();
                    string load0 = LoadAverage();
                    Section s;
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
                    sections.Add(s with { Load = $"{load0} before, {LoadAverage()} after", Seconds = clock.Elapsed.TotalSeconds, MeasuredUtc = DateTime.UtcNow });
                    Console.Error.WriteLine($"bench: {b.Name} done in {clock.Elapsed.TotalSeconds:F0} s");
                    // Written after every benchmark, so an interrupted run still leaves the figures measured so far.
                    Save(outPath, Merge(sections, kept), settings, started, names is not null || sections.Count < chosen.Count);
                }
            }
            finally
            {
                try { Directory.Delete(work, recursive: true); } catch (IOException) { }
            }
            var all = Merge(sections, kept);
            Save(outPath, all, settings, started, names is not null);
            Console.WriteLine($"wrote {outPath}: {sections.Count} benchmarks run" + (kept.Count > 0 ? $", {kept.Count} kept from the last run" : "") + $", {all.Sum(s => s.Targets.Count)} targets");
            return 0;
        }));
        return command;
    }

    // ---- the benchmarks ----

    static Section Loader(Settings s)
    {
        string frames = Path.Combine(Path.GetTempPath(), "glossa-bench-frames");
        string[] args = ["bench-loader", "--json", "--reps", $"{(s.Quick ? s.Reps : Math.Max(s.Reps, 5))}", "--threads", "1,2", "--pools", s.Quick ? "thread" : "thread,process",
            "--frames", frames, "--reference", Path.Combine(s.Repo, "bench", "loader", "reference_loader.py"), "--python", "/usr/bin/python3"];
        var (stdout, _) = Glossa(args);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        string body = root.GetProperty("markdown").GetString() ?? "";
        var rows = root.GetProperty("rows").EnumerateArray().Select(r => (
            Threads: r.GetProperty("threads").GetInt32(), Loader: r.GetProperty("loader").GetString() ?? "",
            Fps: r.GetProperty("median_fps").GetDouble(), Cpu: Num(r, "median_cpu_ms_per_frame"))).ToList();
        var targets = new List<Target>();
        foreach (int t in new[] { 1, 2 })
        {
            var g = rows.FirstOrDefault(r => r.Threads == t && r.Loader.StartsWith("glossa", StringComparison.Ordinal));
            var p = rows.FirstOrDefault(r => r.Threads == t && r.Loader.Contains("python", StringComparison.Ordinal) && !r.Loader.Contains("process", StringComparison.Ordinal));
            if (g.Loader is null || p.Loader is null) continue;
            double wall = g.Fps / p.Fps;
            string cpu = g.Cpu is double gc && p.Cpu is double pc ? string.Create(Inv, $", CPU time {pc / gc:F2}x") : "";
            targets.Add(new($"loader >= 1.5x the Python reference ({t} thread{(t > 1 ? "s" : "")})", string.Create(Inv, $"{wall:F2}x wall ({g.Fps:F0} vs {p.Fps:F0} frames/s){cpu}"), wall >= 1.5, "loader"));
        }
        var g2 = rows.FirstOrDefault(r => r.Threads == 2 && r.Loader.StartsWith("glossa", StringComparison.Ordinal));
        if (g2.Loader is not null)
            targets.Add(new("loader >= 1,000 frames/s on 2 cores", string.Create(Inv,
                $"{g2.Fps:F0} frames/s wall (2 threads, shared machine); CPU {g2.Cpu:F2} ms/frame, i.e. {2000 / (g2.Cpu ?? double.NaN):F0} frames/s on 2 idle cores (projection, not measured)"), g2.Fps >= 1000, "loader"));
        return new("loader", All[0].Title, [Shell(args)], body, targets, "", 0);
    }

    static Section Decode(Settings s)
    {
        string[] args = ["bench-decode", "--frames", "60", "--classes", "1296", "--utterances", s.Quick ? "500" : "4000", "--beam", "10", "--top-classes", "40",
            "--threads", "1,2", "--repeat", $"{s.Reps}"];
        var (stdout, _) = Glossa(args);
        var table = MarkdownRows(stdout);
        var beam2 = table.FirstOrDefault(r => r.Length >= 4 && r[0].StartsWith("beam", StringComparison.Ordinal) && r[1] == "2");
        var targets = new List<Target>();
        if (beam2 is not null)
        {
            double wall = double.Parse(beam2[2], Inv), cpu = double.Parse(beam2[3], Inv);
            targets.Add(new("beam-10 >= 2,000 utterances/s on 2 cores (T=60, C=1296)", $"{wall:F0} utt/s wall; {cpu:F0} utt per CPU-second, i.e. {2 * cpu:F0}/s on 2 idle cores (projection). No reference runs here (ctcdecode is not installed)", wall >= 2000, "decode"));
        }
        return new("decode", All[1].Title, [Shell(args)], stdout.Trim(), targets, "", 0);
    }

    static Section Score(Settings s)
    {
        string[] args = ["bench-score", "--utterances", s.Quick ? "1000" : "10000", "--repeat", $"{s.Reps}"];
        var (stdout, _) = Glossa(args, allowExit1: true);
        var m = SpeedUp().Match(stdout);
        var targets = new List<Target>();
        if (m.Success)
        {
            double x = double.Parse(m.Groups[1].Value, Inv);
            bool identical = m.Groups[2].Value == "yes";
            targets.Add(new("scorer >= 10x sclite (identical counts)", $"{x:F1}x; counts identical: {m.Groups[2].Value}", x >= 10 && identical, "score"));
        }
        return new("score", All[2].Title, [Shell(args)], stdout.Trim(), targets, "", 0);
    }

    static Section Model(Settings s)
    {
        string[] args = s.Quick
            ? ["model", "bench", "--json", "--models", "mobilenetv3-student", "--sizes", "112", "--batch", "1", "--frames", "16", "--steps", $"{s.Reps}", "--infer-size", "112", "--threads", "2"]
            : ["model", "bench", "--json", "--models", "mobilenetv3-student,i3d-teacher", "--sizes", "112,224", "--batch", "2", "--frames", "64", "--steps", $"{s.Reps}", "--infer-size", "224", "--threads", "2"];
        var (stdout, _) = Glossa(args);
        using var doc = JsonDocument.Parse(stdout);
        var body = new StringBuilder("| model | mode | input (B x T x size) | Glossa ms (median) | PyTorch ms (median) | Glossa / PyTorch | Glossa frames/s | PyTorch frames/s |\n|---|---|---|---:|---:|---:|---:|---:|\n");
        var targets = new List<Target>();
        foreach (var r in doc.RootElement.GetProperty("rows").EnumerateArray())
        {
            string model = r.GetProperty("model").GetString()!, mode = r.GetProperty("mode").GetString()!;
            int size = r.GetProperty("size").GetInt32();
            double g = r.GetProperty("glossa_ms").GetDouble();
            double? p = Num(r, "pytorch_ms"), ratio = Num(r, "ratio"), gf = Num(r, "glossa_frames_per_second"), pf = Num(r, "pytorch_frames_per_second");
            body.Append(Inv, $"| {model} | {mode} | {r.GetProperty("batch").GetInt32()}x{r.GetProperty("frames").GetInt32()}x{size} | {g:F0} | {F(p, "F0")} | {F(ratio, "F2")} | {F(gf, "F1")} | {F(pf, "F1")} |\n");
            if (mode == "train" && ratio is double x)
                targets.Add(new($"model step time <= 1.0x PyTorch ({model}, {size} px)", string.Create(Inv, $"{x:F2}x ({g:F0} vs {p:F0} ms)"), x <= 1.0, "model"));
            if (mode == "infer" && gf is double fps)
                targets.Add(new($"student inference >= 50 frames/s at {size} px", string.Create(Inv, $"{fps:F1} frames/s (PyTorch {F(pf, "F1")})"), size >= 224 ? fps >= 50 : null, "model"));
        }
        body.Append(s.Quick
            ? "\nSizes are reduced by --quick (batch 1 x 16 frames at 112 px); the full run measures the models issue's configuration, batch 2 x 64 frames at 112 and 224 px. "
            : "\nThe models issue's configuration: a training step (forward, CTC, backward, AdamW) on batch 2 x 64 frames at 112 and 224 px, the same architectures in Debian's PyTorch (bench/models/bench_models.py); inference is one 64-frame clip in eval mode without gradients. ");
        body.Append("Both sides run in one process tree, one after the other per configuration, with 2 libtorch threads each; medians of the timed steps after one warm-up step. ");
        body.Append("A busy machine slows whichever side runs during the load, so compare the load averages above before reading much into a ratio near 1.");
        return new("model", All[3].Title, [Shell(args)], body.ToString().Trim(), targets, "", 0);
    }

    static Section Training(Settings s)
    {
        string corpus = Path.Combine(s.WorkDir, "synth"), run = Path.Combine(s.WorkDir, "train-run");
        string[] synth = ["synth", corpus, "--sentences", s.Quick ? "24" : "60", "--glosses", "8", "--signers", "2", "--overwrite"];
        Glossa(synth);
        string[] train = ["train", "--model", "tiny-student", "--corpus", corpus, "--output-dir", run, "--epochs", s.Quick ? "1" : "2", "--frame-size", "64",
            "--batch-size", "4", "--threads", "2", "--workers", "2", "--histogram-every", "0"];
        Glossa(train);
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var shares = metrics.Select(m => Num(m, "data_wait_share") ?? double.NaN).Where(double.IsFinite).ToList();
        var secs = metrics.Select(m => Num(m, "seconds") ?? double.NaN).ToList();
        var body = new StringBuilder("| epoch | epoch seconds | data wait share |\n|---:|---:|---:|\n");
        for (int i = 0; i < metrics.Count; i++)
            body.Append(Inv, $"| {i + 1} | {secs[i]:F1} | {100 * (Num(metrics[i], "data_wait_share") ?? double.NaN):F2}% |\n");
        double median = Median(shares);
        var targets = new List<Target>
        {
            new("training data wait < 5% of step time", string.Create(Inv, $"{100 * median:F2}% (median of {shares.Count} epochs; tiny student, 64 px, 2 loader workers)"), median < 0.05, "training"),
        };
        return new("training", All[4].Title, [Shell(synth), Shell(train)], body.ToString().Trim(), targets, "", 0);
    }

    static Section RecognizeMemory(Settings s)
    {
        string checkpoint = TinyCheckpoint(Path.Combine(s.WorkDir, "recognize-run"));
        (string Label, int Seconds)[] lengths = s.Quick ? [("20 s", 20), ("2 min", 120)] : [("1 min", 60), ("10 min", 600)];
        var commands = new List<string>();
        var body = new StringBuilder("| video | frames | peak RSS (VmHWM), median | runs (MB) | recognition seconds | frames/s |\n|---|---:|---:|---|---:|---:|\n");
        var peaks = new List<double>();
        foreach (var (label, seconds) in lengths)
        {
            string video = Path.Combine(s.WorkDir, $"testsrc-{seconds}s.mp4");
            string[] make = ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=210x260:rate=25", "-t", $"{seconds}", "-c:v", "libx264", "-preset", "ultrafast", video];
            Run("/usr/bin/ffmpeg", make);
            commands.Add("ffmpeg " + string.Join(' ', make.Select(Portable).Select(Quote)));
            string[] args = ["recognize", "--checkpoint", checkpoint, video, "--json", "--threads", "2"];
            commands.Add(Shell(args));
            var runs = new List<(double Mb, int Frames, double Secs)>();
            for (int r = 0; r < Math.Min(s.Reps, s.Quick ? 1 : 2); r++)
                runs.Add(PeakRss(args));
            double peak = Median(runs.Select(x => x.Mb).ToList());
            peaks.Add(peak);
            double secs = Median(runs.Select(x => x.Secs).ToList());
            body.Append(Inv, $"| {label} (testsrc2 210x260, 25 fps) | {runs[0].Frames} | {peak:F0} MB | {string.Join(' ', runs.Select(x => x.Mb.ToString("F0", Inv)))} | {secs:F1} | {runs[0].Frames / secs:F0} |\n");
        }
        body.Append("\nModel: tiny-student (64 px, random weights with a fixed seed: memory does not depend on the weights), default chunks of 256 frames with 32 frames of context each side, greedy decoding.");
        var targets = new List<Target>
        {
            new($"recognition memory bounded on a {lengths[1].Label} video (peak RSS < 1.5 GB, not growing with length)",
                string.Create(Inv, $"{peaks[1]:F0} MB ({lengths[1].Label}) vs {peaks[0]:F0} MB ({lengths[0].Label}): {peaks[1] / peaks[0]:F2}x"),
                peaks[1] < 1536 && peaks[1] < peaks[0] * 1.15, "recognize-memory"),
        };
        return new("recognize-memory", All[5].Title, commands, body.ToString().Trim(), targets, "", 0);
    }

    /// <summary>A tiny-student checkpoint with random weights (fixed seed) for the memory benchmark.</summary>
    static string TinyCheckpoint(string run)
    {
        var vocabulary = Vocabulary.FromGlosses(Enumerable.Range(0, 20).Select(i => $"G{i}"));
        var config = ModelFactory.Named(ModelFactory.TinyStudent, vocabulary.Count);
        TorchSharp.torch.random.manual_seed(1);
        using var model = ModelFactory.Create(config);
        Checkpoint.Save(run, ["best"], model, config.ToJson(), vocabulary,
            new TrainingOptions { Model = ModelFactory.TinyStudent, FrameSize = config.FrameSize, Augment = false, Corpus = "(none)" }, null,
            new CheckpointState { Model = ModelFactory.TinyStudent, Epoch = 0, SavedUtc = DateTime.UtcNow });
        return Path.Combine(run, "best");
    }

    /// <summary>Runs `glossa ARGS` and samples its peak resident set (VmHWM) until it exits.</summary>
    static (double Mb, int Frames, double Secs) PeakRss(string[] args)
    {
        using var p = Process.Start(Start(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!p.HasExited)
        {
            peak = Math.Max(peak, Hwm(p.Id));
            Thread.Sleep(50);
        }
        p.WaitForExit();
        if (p.ExitCode != 0) throw new GlossaException($"bench: glossa {string.Join(' ', args)} failed: {LastLine(stderr.Result)}");
        using var doc = JsonDocument.Parse(stdout.Result);
        var r = doc.RootElement[0];
        return (peak / 1048576.0, r.GetProperty("frames").GetInt32(), r.GetProperty("seconds").GetDouble());
    }

    static long Hwm(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Inv) * 1024;
        }
        catch (IOException) { }
        return 0;
    }

    // ---- the document ----

    /// <summary>The fresh sections and the kept ones, in the order of <see cref="All"/>.</summary>
    static List<Section> Merge(List<Section> fresh, List<Section> kept) =>
        fresh.Concat(kept).OrderBy(x => Array.FindIndex(All, b => b.Name == x.Name)).ToList();

    static string SidecarOf(string markdownPath) => Path.ChangeExtension(markdownPath, ".json");

    static readonly JsonSerializerOptions SidecarJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Sections of an earlier run (empty when there is none or it cannot be read: then only the fresh ones are written).</summary>
    static List<Section> ReadSections(string path)
    {
        if (!File.Exists(path)) return [];
        try { return JsonSerializer.Deserialize<List<Section>>(File.ReadAllText(path), SidecarJson) ?? []; }
        catch (JsonException e)
        {
            Console.Error.WriteLine($"bench: {path}: unreadable ({e.Message.Split('.')[0]}); the other benchmarks' sections are not kept");
            return [];
        }
    }

    static void Save(string markdownPath, List<Section> sections, Settings s, DateTime started, bool partial)
    {
        Write(SidecarOf(markdownPath), JsonSerializer.Serialize(sections, SidecarJson));
        Write(markdownPath, Document(sections, s, started, partial));
    }

    static void Write(string path, string markdown)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, markdown);
        File.Move(tmp, path, overwrite: true);
    }

    static string Document(List<Section> sections, Settings s, DateTime started, bool partial)
    {
        var md = new StringBuilder();
        md.Append("# Benchmarks\n\n");
        md.Append(Inv, $"Generated by `glossa bench{(s.Quick ? " --quick" : "")}` (`bench/run`) on {started:yyyy-MM-dd HH:mm} UTC in {(DateTime.UtcNow - started).TotalMinutes:F0} minutes");
        var older = sections.Where(x => x.MeasuredUtc < started).ToList();
        md.Append(partial && older.Count > 0
            ? $"; {string.Join(", ", older.Select(x => x.Name))} kept from an earlier run (times in their sections).\n"
            : partial ? " (partial).\n" : ".\n");
        md.Append("Do not edit by hand: rerun `bench/run` (all benchmarks: about 6 minutes on a quiet 2-core machine, much longer under load) or `bench/run --only NAME` (reruns those and keeps the other sections, from `benchmarks.json`). ");
        md.Append("Each benchmark runs Glossa and, where one exists here, its reference (Python loader, sclite, PyTorch) side by side in one process tree, alternating repetitions, and reports medians; ");
        md.Append("ratios are measured in the same run, so load from other jobs hits both sides. Explanations of earlier measurements and of the ");
        md.Append("pipelines measured are in [benchmark-notes.md](benchmark-notes.md). In the commands, `$WORK` is a temporary folder the run creates and removes.\n\n");
        md.Append("## Machine\n\n");
        foreach (var (k, v) in Machine()) md.Append($"- {k}: {v}\n");
        md.Append("\n**Noise.** The machine is shared with other developers' builds and tests while these run (see the load average per benchmark: ");
        md.Append("with 2 cores, a load above 2 means each process gets a fraction of a core). Wall-clock figures are therefore lower bounds; ");
        md.Append("ratios and CPU-time figures are the fairer comparison.\n\n");
        md.Append("## Targets\n\n| target (earlier issues) | measured | met | benchmark |\n|---|---|---|---|\n");
        foreach (var t in sections.SelectMany(x => x.Targets))
            md.Append($"| {t.Goal} | {t.Measured} | {(t.Met is bool b ? (b ? "yes" : "**no**") : "n/a")} | [{t.Benchmark}](#{t.Benchmark}) |\n");
        md.Append('\n');
        foreach (var x in sections)
        {
            string when = x.MeasuredUtc == default ? "" : string.Create(Inv, $"Measured {x.MeasuredUtc:yyyy-MM-dd HH:mm} UTC; ");
            md.Append(Inv, $"## {x.Name}\n\n{x.Title}. {when}load average {x.Load}; {x.Seconds:F0} s.\n\n```sh\n");
            foreach (var c in x.Commands) md.Append(c).Append('\n');
            md.Append("```\n\n").Append(x.Body).Append("\n\n");
        }
        return md.ToString();
    }

    static IEnumerable<(string, string)> Machine()
    {
        string cpu = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?" : "?";
        string mem = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal)) ?? "?" : "?";
        if (mem.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var kb, ..] && long.TryParse(kb, out long k)) mem = string.Create(Inv, $"{k / 1048576.0:F1} GiB");
        string os = File.Exists("/etc/os-release") ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"') ?? "?" : RuntimeInformation.OSDescription;
        string kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
        string torchSharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        string libtorch = LibtorchVersion();
        yield return ("CPU", $"{cpu}, {Environment.ProcessorCount} cores visible to .NET");
        yield return ("memory", mem);
        yield return ("OS", $"{os}, Linux {kernel}");
        yield return (".NET", RuntimeInformation.FrameworkDescription);
        yield return ("libtorch", $"{libtorch} (TorchSharp-cpu {torchSharp})");
        yield return ("Python reference", PythonVersions());
        yield return ("allocator", $"LD_PRELOAD={Env("LD_PRELOAD")}, MALLOC_CONF={Env("MALLOC_CONF")}");
    }

    static string LibtorchVersion()
    {
        string dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages", "libtorch-cpu-linux-x64");
        return Directory.Exists(dir) ? "libtorch-cpu " + string.Join(", ", Directory.GetDirectories(dir).Select(Path.GetFileName)) : "libtorch (version unknown)";
    }

    static string PythonVersions()
    {
        try
        {
            string v = Run("/usr/bin/python3", ["-c", "import sys, torch, PIL, numpy; print(sys.version.split()[0], 'torch', torch.__version__, 'PIL', PIL.__version__, 'numpy', numpy.__version__)"]).Trim();
            return $"/usr/bin/python3 {v}; sclite {(File.Exists("/usr/lib/sctk/bin/sclite") ? "/usr/lib/sctk/bin/sclite" : "missing")}";
        }
        catch (GlossaException e)
        {
            return $"unavailable ({e.Message})";
        }
    }

    // ---- helpers ----

    static ProcessStartInfo Start(IEnumerable<string> args)
    {
        // The same CLI, in a child process: each benchmark gets a fresh runtime, as `./glossa CMD` would.
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet")
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Glossa.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    static (string Stdout, string Stderr) Glossa(string[] args, bool allowExit1 = false)
    {
        using var p = Process.Start(Start(args)) ?? throw new GlossaException("bench: cannot start glossa");
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && !(allowExit1 && p.ExitCode == 1))
            throw new GlossaException($"bench: `{Shell(args)}` failed with exit code {p.ExitCode}: {LastLine(err.Result)}");
        return (stdout, err.Result);
    }

    static string Run(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("LD_PRELOAD");
        using var p = Process.Start(psi) ?? throw new GlossaException($"bench: cannot start {exe}");
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new GlossaException($"bench: {exe} failed: {LastLine(err.Result)}");
        return stdout;
    }

    /// <summary>The cells of every markdown table row of <paramref name="text"/> (header and separator rows excluded).</summary>
    static List<string[]> MarkdownRows(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|') && !l.StartsWith("|---", StringComparison.Ordinal))
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray()).Skip(1).ToList();

    /// <summary>The command as a user would type it at the repository root: relative paths, <c>$WORK</c> for the temporary folder.</summary>
    static string Shell(IEnumerable<string> args) => "./glossa " + string.Join(' ', args.Select(Portable).Select(Quote));

    static string repoRoot = "", workRoot = "";

    static string Portable(string arg)
    {
        if (workRoot.Length > 0 && arg.StartsWith(workRoot, StringComparison.Ordinal)) return "$WORK" + arg[workRoot.Length..];
        if (repoRoot.Length > 0 && arg.StartsWith(repoRoot + "/", StringComparison.Ordinal)) return arg[(repoRoot.Length + 1)..];
        return arg;
    }

    static string Quote(string a) => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=,:$".Contains(c)) ? a : $"'{a}'";

    static double? Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    static string F(double? v, string format) => v is double d ? d.ToString(format, Inv) : "-";

    static double Median(List<double> v)
    {
        if (v.Count == 0) return double.NaN;
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    static string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : "(unset)";

    static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";

    static string FindRepo()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Glossa.slnx")) && Directory.Exists(Path.Combine(d.FullName, "bench")))
                    return d.FullName;
        throw new GlossaException("bench: run it inside the Glossa repository (the folder holding Glossa.slnx and bench/)");
    }

    [GeneratedRegex(@"speed-up: ([0-9.]+)x; counts identical: (\w+)")]
    private static partial Regex SpeedUp();
}
