using System.Diagnostics;
using Glossa.Bench;
using Glossa.Common;

namespace Glossa.Tests.Cli;

/// <summary>
/// The scale benchmark's pure parts (which runs choose it, its table and target, the /proc
/// parsing it shares with the memory benchmark) without the hours of work it measures.
/// </summary>
public sealed class ScaleBenchmarkTests
{
    static readonly ScaleBenchmark.Usage Gen = new(6180, 3613, 72), Check = new(176, 125.4, 487), Train = new(5400, 9100, 1900);

    static ScaleBenchmark.Figures Full(bool generated = true, ScaleBenchmark.Generation? generation = null, int errors = 0) =>
        new("/work/scale/phoenix-sign", false,
            new(new(5671, 540, 629, 1200), new(6840, 976472, 142.76)), generated, generation ?? (generated ? new("./glossa synth x --world sign --json", DateTime.UtcNow, Gen) : null),
            25_191_352_985, 976_476, Check, errors, 0, new(Train, 5350.4, 4.61, 0.123, 14_200_000_000, 6840));

    [Fact]
    public void A_plain_run_leaves_scale_out_and_only_naming_it_runs_it()
    {
        Assert.Contains("scale", BenchHarness.Names);
        Assert.Equal(["scale"], BenchHarness.OptInNames);
        Assert.DoesNotContain("scale", BenchHarness.Chosen(null));
        Assert.Equal(BenchHarness.Names.Count - 1, BenchHarness.Chosen(null).Count);
        Assert.Equal(["scale"], BenchHarness.Chosen(["scale"]));
        Assert.Equal(["training", "scale"], BenchHarness.Chosen(["scale", "training"])); // document order
    }

    [Fact]
    public void A_plain_run_keeps_the_last_scale_section_and_rewrites_the_rest()
    {
        BenchSection S(string name) => new(name, name, [], "", [], "", 0);
        var earlier = new[] { S("loader"), S("score"), S("scale") };
        Assert.Equal(["scale"], BenchHarness.Kept(earlier, null).Select(k => k.Name));
        Assert.Equal(["loader", "score"], BenchHarness.Kept(earlier, ["scale"]).Select(k => k.Name));
        Assert.Equal(["loader", "scale"], BenchHarness.Kept(earlier, ["score"]).Select(k => k.Name));
    }

    [Fact]
    public void Stat_line_cpu_seconds_count_fields_after_the_last_parenthesis()
    {
        // The command name may hold spaces and ')': utime and stime are fields 14 and 15 counted after it.
        string stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 9999 1000000 500 18446744073709551615";
        Assert.Equal(3.0, ProcessUsage.StatCpuSeconds(stat, 100), 9);
        Assert.Equal(0.3, ProcessUsage.StatCpuSeconds(stat, 1000), 9);
    }

    [Fact]
    public void Status_hwm_is_read_in_bytes_and_absent_for_a_zombie()
    {
        Assert.Equal(487L * 1024 * 1024, ProcessUsage.StatusHwmBytes(["Name:\tdotnet", "VmPeak:\t 9999 kB", "VmHWM:\t  498688 kB", "VmRSS:\t 1 kB"]));
        Assert.Null(ProcessUsage.StatusHwmBytes(["Name:\tdotnet", "State:\tZ (zombie)"]));
    }

    [Fact]
    public void A_busy_child_is_sampled_for_cpu_time_and_peak_memory()
    {
        var psi = ProcessRunner.StartInfo("/bin/sh", ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo done"]);
        var run = ProcessUsage.Run(psi, "sh");
        Assert.Equal(0, run.Result.ExitCode);
        Assert.Equal("done", run.Result.Stdout.Trim());
        Assert.True(run.CpuSeconds > 0.05, $"CPU {run.CpuSeconds} s");
        Assert.True(run.CpuSeconds <= run.WallSeconds * Environment.ProcessorCount + 0.1, $"CPU {run.CpuSeconds} s in {run.WallSeconds} s wall");
        Assert.InRange(run.PeakRssBytes, 100_000, 100_000_000);
    }

    [Fact]
    public void Durations_and_sizes_read_as_a_person_would_say_them()
    {
        Assert.Equal("42.3 s", ScaleBenchmark.Duration(42.31));
        Assert.Equal("2 min 56 s", ScaleBenchmark.Duration(176));
        Assert.Equal("1 h 43 min", ScaleBenchmark.Duration(6180));
        Assert.Equal("1 h 0 min", ScaleBenchmark.Duration(3599.7));
        Assert.Equal("-", ScaleBenchmark.Duration(double.NaN));
        Assert.Equal("25,191,352,985 bytes (23.5 GiB)", ScaleBenchmark.Bytes(25_191_352_985));
        Assert.Equal("39,460,348 bytes (37.6 MiB)", ScaleBenchmark.Bytes(39_460_348));
    }

    [Fact]
    public void The_table_has_one_row_a_step_with_wall_cpu_and_peak_memory()
    {
        string body = ScaleBenchmark.Body(Full());
        var rows = body.Split('\n').Where(l => l.StartsWith('|')).ToList();
        Assert.Equal("| step | wall | CPU-s | peak RSS | size / result |", rows[0]);
        Assert.Equal(7, rows.Count); // header, rule, generate, disk, check, epoch, cache
        Assert.Contains("| generate (`glossa synth --world sign`) | 1 h 43 min | 3,613 | 72 MiB | 5,671/540/629 sentences, 1,200 glosses; 6,840 videos, 976,472 frames (mean 142.8 a video) |", rows);
        Assert.Contains("| corpus on disk | | | | 25,191,352,985 bytes (23.5 GiB) in 976,476 files |", rows);
        Assert.Contains("| `corpus check` | 2 min 56 s | 125 | 487 MiB | OK: 0 errors, 0 warnings |", rows);
        Assert.Contains(rows, r => r.StartsWith("| one epoch, tiny student, cold cache | 1 h 30 min | 9,100 | 1,900 MiB | epoch 1 h 29 min (train + validation), 4.6 clips/s, data wait 12.3%", StringComparison.Ordinal));
        Assert.Contains("| frame cache after the epoch | | | | 14,200,000,000 bytes (13.2 GiB) in 6,840 files (deleted afterwards) |", rows);
        Assert.Contains("full size: PHOENIX-2014's statistics", body);
        Assert.Contains("generated in this run", body);
    }

    [Fact]
    public void A_reused_corpus_says_plainly_what_was_not_measured_in_this_run()
    {
        string body = ScaleBenchmark.Body(Full(generated: false));
        Assert.Contains("| generate (`glossa synth --world sign`) | not recorded | not measured | not measured |", body);
        Assert.Contains("was not regenerated", body);
        Assert.Contains("not measured in this run", body);

        var earlier = new ScaleBenchmark.Generation("./glossa synth /work/scale/phoenix-sign --world sign --json", new DateTime(2026, 12, 5, 15, 18, 0, DateTimeKind.Utc), Gen);
        body = ScaleBenchmark.Body(Full(generated: false, generation: earlier));
        Assert.Contains("| generate (`glossa synth --world sign`), recorded 2026-12-05 | 1 h 43 min | 3,613 | 72 MiB |", body);
        Assert.Contains(ScaleBenchmark.GenerationFile, body);
        Assert.Contains("not measured in this run", body);
    }

    [Fact]
    public void The_marker_and_the_generation_record_read_as_written()
    {
        // The shape of glossa synth --world sign's glossa-synth.json (abridged: more options, statistics and the lexicon).
        const string marker = """
            {"generator": "glossa synth --world sign", "format": "phoenix-2014 multisigner layout",
             "options": {"train_sentences": 5671, "dev_sentences": 540, "test_sentences": 629, "glosses": 1200, "zipf_exponent": 1, "seed": 1},
             "statistics": {"videos": 6840, "frames": 976472, "mean_frames": 142.76, "min_frames": 27},
             "lexicon": [{"gloss": "REGEN", "handshape": 0}]}
            """;
        var m = ProcessBenchmarks.Json<ScaleBenchmark.SynthMarker>(marker);
        Assert.Equal(new ScaleBenchmark.MarkerOptions(5671, 540, 629, 1200), m.Options);
        Assert.Equal(new ScaleBenchmark.MarkerStatistics(6840, 976472, 142.76), m.Statistics);
        Assert.True(ScaleBenchmark.IsFullSize(m.Options));

        var g = new ScaleBenchmark.Generation("./glossa synth DIR --world sign --json", new DateTime(2026, 12, 5, 15, 18, 0, DateTimeKind.Utc), Gen);
        Assert.Equal(g, ProcessBenchmarks.Json<ScaleBenchmark.Generation>(System.Text.Json.JsonSerializer.Serialize(g, GlossaJson.Files)));
    }

    [Fact]
    public void The_check_target_is_judged_at_full_size_only()
    {
        Assert.True(ScaleBenchmark.Target(Full()).Met);
        var failed = ScaleBenchmark.Target(Full(errors: 3));
        Assert.False(failed.Met);
        Assert.StartsWith("3 errors, 0 warnings", failed.Measured);
        var quick = Full() with { Quick = true, Marker = new(new(40, 4, 4, 30), new(48, 7000, 145.8)) };
        Assert.Null(ScaleBenchmark.Target(quick).Met);
        Assert.Contains("not full size", ScaleBenchmark.Target(quick).Measured);
        Assert.Contains("reduced by --quick", ScaleBenchmark.Body(quick));
    }
}
