using System.Text.Json;
using Glossa.Models;
using Glossa.Training;
using static TorchSharp.torch;

namespace Glossa.Tests.Cli;

/// <summary>
/// The fault suite: bad input, damaged files, unwritable or full disks and failed runs, each run
/// through the real command line. Every case checks the exit code (README, "Exit codes"), that a
/// failure is exactly one line naming the file, line, sample or option, that no stack trace or
/// exception type leaks, and what must survive (or vanish) on disk.
/// </summary>
public sealed class FaultTests(FaultWorld world) : IClassFixture<FaultWorld>
{
    /// <summary>
    /// What a case runs and what its one error line must name. <paramref name="Signal"/>: sent once
    /// <paramref name="SignalWhen"/> holds (polled), to interrupt the command mid-work.
    /// <paramref name="ReportOnStdout"/>: the failure is a report on stdout (corpus check), not an error line.
    /// </summary>
    public sealed record Arranged(string[] Args, string Names, int? Signal = null, Func<bool>? SignalWhen = null, bool ReportOnStdout = false);

    /// <summary>One row of the table.</summary>
    public sealed record Case(string Name, int Code, Func<FaultWorld, string, Arranged> Arrange, Action<string, (int Code, string Out, string Err)>? Verify = null);

    const int Ok = 0, Failed = 1, BadInput = 2, Stop = 3, CannotWrite = 4, Interrupted = 130;
    const int SIGINT = 2, SIGTERM = 15;

    static string[] Train(string corpus, string output, params string[] more) =>
        ["train", "--model", "tiny-student", "--corpus", corpus, "-o", output, "--epochs", "1", "--workers", "0", "--histogram-every", "0", .. more];

    static readonly Case[] Table =
    [
        // Options: unparsable values exit 2 with one line, not a help dump.
        new("option_not_an_integer", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--epochs", "abc"), "--epochs")),
        new("option_frame_size_not_a_number", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--frame-size", "banana"), "--frame-size"),
            (d, r) => Assert.DoesNotContain("2147483647", r.Err)),     // not the int32 range: the option's own range is 16-1024
        new("model_bench_size_not_a_number", BadInput, (w, d) => new(["model", "bench", "--sizes", "112,banana", "--python-script", "none"], "--sizes")),
        new("option_overflow", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--batch-size", "99999999999"), "--batch-size")),
        new("option_workers_negative", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--workers", "-1"), "--workers")),
        new("unknown_command", BadInput, (w, d) => new(["trian"], "trian")),

        // Unwritable outputs: exit 4 naming the path.
        new("output_is_a_file", CannotWrite, (w, d) => new(Train(w.Corpus, FaultWorld.Write(d + "/file", "x")), d + "/file")),
        new("output_under_a_file", CannotWrite, (w, d) => new(Train(w.Corpus, FaultWorld.Write(d + "/file", "x") + "/run"), d + "/file")),
        new("output_in_proc", CannotWrite, (w, d) => new(Train(w.Corpus, "/proc/glossa-fault"), "/proc/glossa-fault")),
        new("output_in_sys", CannotWrite, (w, d) => new(Train(w.Corpus, "/sys/glossa-fault"), "/sys/glossa-fault")),
        new("evaluate_cleanup_unknown", BadInput, (w, d) => new(["evaluate", "--checkpoint", w.Run + "/best", "--corpus", w.Corpus, "--cleanup", "phoenix"], "use auto (by corpus format), none, phoenix2014")),
        new("evaluate_output_in_proc", CannotWrite, (w, d) => new(["evaluate", "--checkpoint", w.Run + "/best", "--corpus", w.Corpus, "--split", "dev", "--output-dir", "/proc/glossa-eval"], "/proc/glossa-eval")),
        new("diagnose_out_under_a_file", CannotWrite, (w, d) => new(["diagnose", w.Run, "--out", FaultWorld.Write(d + "/file", "x") + "/diag"], d + "/file")),
        new("synth_into_sys", CannotWrite, (w, d) => new(["synth", "/sys/glossa-synth", "--sentences", "2"], "/sys")),
        new("score_pra_is_a_folder", CannotWrite, (w, d) => new(["score", "--reference", Stm(d), "--hypothesis", FaultWorld.Write(d + "/hyp.txt", "n1 1 2 3 4\n"), "--pra", d], d),
            (d, r) => Assert.Empty(Directory.GetFiles(d, "*.tmp*"))),

        // Scoring input.
        new("text_hypothesis_of_numbers", Ok, (w, d) => new(["score", "--reference", FaultWorld.Write(d + "/ref.stm", "n1 1 S 0.0 1.79769e+308 1 2 3 4 5 6 7\n"), "--hypothesis", FaultWorld.Write(d + "/hyp.txt", "n1 1 2 3 4\n"), "--json"], ""),
            (d, r) => Assert.Equal(42.8571, JsonDocument.Parse(r.Out).RootElement.GetProperty("wer").GetDouble(), 3)),
        new("two_text_lines_of_numbers", Ok, (w, d) => new(["score", "--reference", Stm(d), "--hypothesis", FaultWorld.Write(d + "/hyp.txt", "n1 1 2 3 4\nn2 5 6\n"), "--json"], "")),
        new("ctm_nan_start", BadInput, (w, d) => new(["score", "--reference", Stm(d), "--hypothesis", FaultWorld.Write(d + "/hyp.ctm", "n1 1 0.0 0.1 1\nn1 1 NaN 0.1 2\n")], "hyp.ctm:2")),
        new("ctm_negative_duration", BadInput, (w, d) => new(["score", "--reference", Stm(d), "--hypothesis", FaultWorld.Write(d + "/hyp.ctm", "n1 1 0.0 -0.1 1\n")], "hyp.ctm:1")),
        new("stm_infinite_start", BadInput, (w, d) => new(["score", "--reference", FaultWorld.Write(d + "/ref.stm", "n1 1 S Infinity 1.79769e+308 1 2 3\n"), "--hypothesis", FaultWorld.Write(d + "/hyp.txt", "n1 1 2\n")], "ref.stm:1")),

        // Corpora.
        new("manifest_header_only", BadInput, (w, d) => new(Train(FaultWorld.Write(d + "/m.csv", "id|split|path|signer|glosses\n"), d + "/r"), "m.csv:1")),
        new("frame_header_claims_60000x60000", BadInput, (w, d) => new(Train(HugeFrame(w, d), d + "/r"), "fn000000-0.png")),
        new("corpus_check_warnings", Ok, (w, d) => new(["corpus", "check", LeakyManifest(w, d), "--json"], ""), (d, r) =>
        {
            var kinds = JsonDocument.Parse(r.Out).RootElement.GetProperty("warnings").EnumerateArray().Select(x => x.GetProperty("kind").GetString()).ToList();
            Assert.Contains("unknown_split", kinds);
            Assert.Contains("shared_id", kinds);
            Assert.Contains("invalid_encoding", kinds);
        }),
        new("damaged_mp4", BadInput, (w, d) => new(["recognize", "--checkpoint", w.Run + "/best", DamagedMp4(d)], "bad.mp4")),

        // Weights and checkpoints.
        new("pretrained_empty_file", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--pretrained", FaultWorld.Write(d + "/empty.pt", "")), "empty.pt")),
        new("pretrained_glossa_model_bin", Ok, (w, d) => new(Train(w.Corpus, d + "/r", "--pretrained", w.Run + "/best/model.bin"), ""),
            (d, r) => Assert.Contains("TorchSharp format", File.ReadAllText(d + "/r/training.log"))),
        new("resume_half_optimizer", BadInput, (w, d) => new(Resume(w, d, run => Truncate(run + "/last/optimizer.bin")), "optimizer.bin"), Unchanged),
        new("resume_broken_state_json", BadInput, (w, d) => new(Resume(w, d, run => File.WriteAllText(run + "/last/state.json", "{\"epoch\": 1, \"best")), "state.json"), Unchanged),
        new("checkpoint_without_model_json", BadInput, (w, d) =>
        {
            string run = w.CopyRun(d);
            File.Delete(run + "/best/model.json");
            return new(["evaluate", "--checkpoint", run + "/best", "--corpus", w.Corpus, "--split", "dev", "--output-dir", d + "/eval"], "model.json");
        }),

        // Resume compatibility.
        new("resume_other_corpus", BadInput, (w, d) => new(ResumeWith(w, d, null, OtherCorpus(d)), "--corpus"), Unchanged),
        new("resume_other_hidden_dim", BadInput, (w, d) => new(Resume(w, d, null, "--hidden-dim", "32"), "--hidden-dim"), Unchanged),
        new("resume_other_rate_is_echoed", Ok, (w, d) => new(Resume(w, d, null, "--learning-rate", "0.001"), ""),
            (d, r) => Assert.Contains("resume: --learning-rate 0.001 (was 0.0003)", File.ReadAllText(d + "/run/training.log"))),

        // The doctor reads failures.
        new("diagnose_run_with_failure_json", Stop, (w, d) => new(["diagnose", FailedRun(w, d, dump: true), "--json", "--no-write"], ""),
            (d, r) => AssertCritical(r.Out, "non_finite")),
        new("diagnose_run_with_failed_summary", Stop, (w, d) => new(["diagnose", FailedRun(w, d, dump: false), "--json", "--no-write"], ""),
            (d, r) => AssertCritical(r.Out, "failed")),
        new("diagnose_checkpoint_nan_weights", Stop, (w, d) => new(["diagnose", "--checkpoint", PoisonedCheckpoint(w, d), "--corpus", w.Corpus, "--json", "--no-write"], ""),
            (d, r) => AssertCritical(r.Out, "non_finite")),

        // Disk full (a real tmpfs) and interrupted writers.
        new("resume_on_full_disk", CannotWrite, (w, d) => new(Resume(w, d + "/disk", null, "--epochs", "2"), d + "/disk/run"), DiskFullKeepsTheRun),
        new("synth_on_full_disk", CannotWrite, (w, d) => { FaultWorld.Fill(d + "/disk", 512); return new(["synth", d + "/disk/out", "--sentences", "20"], d + "/disk"); },
            (d, r) => Assert.Equal(["filler"], Directory.GetFileSystemEntries(d + "/disk").Select(Path.GetFileName))),
        new("evaluate_on_full_disk", CannotWrite, (w, d) =>
        {
            FaultWorld.Fill(d + "/disk", 8); // room for a file or two of the evaluation, not all of them
            return new(["evaluate", "--checkpoint", w.Run + "/best", "--corpus", w.Corpus, "--split", "dev", "--output-dir", d + "/disk/eval"], d + "/disk/eval");
        }, (d, r) => Assert.Empty(Directory.Exists(d + "/disk/eval") ? Directory.GetFiles(d + "/disk/eval") : [])),
        new("synth_removes_stale_partials", Ok, (w, d) =>
        {
            Directory.CreateDirectory(d + "/.out.partial-2147480000/x"); // a process id that cannot be running
            Directory.CreateDirectory(d + $"/.out.partial-{Environment.ProcessId}"); // a live writer: left alone
            return new(["synth", d + "/out", "--sentences", "2", "--glosses", "3", "--signers", "1"], "");
        }, (d, r) =>
        {
            Assert.False(Directory.Exists(d + "/.out.partial-2147480000"));
            Assert.True(Directory.Exists(d + $"/.out.partial-{Environment.ProcessId}"));
        }),
        // Second campaign (issue 15, rerun): options.
        new("option_given_twice", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--epochs", "2"), "--epochs was given 2 times")),
        new("option_misspelt", BadInput, (w, d) => new(["demo", "--time-budgte", "5", "--output-dir", d + "/x"], "'--time-budgte' (did you mean --time-budget?)"),
            (d, r) => Assert.False(Directory.Exists(d + "/x"))),
        new("option_with_underscores_and_a_slip", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--learning_rat", "0.01"), "(did you mean --learning-rate?)")),
        new("command_misspelt", BadInput, (w, d) => new(["trian", "--corpus", w.Corpus], "'trian' (did you mean train?)")),
        new("option_like_no_other", BadInput, (w, d) => new(["demo", "--frobnicate", "--output-dir", d + "/x"], "'--frobnicate' (see 'glossa demo --help')")),
        new("enum_option_is_one_line", BadInput, (w, d) => new(["synth", d + "/s", "--world", "trees"], "--world")),
        new("evaluate_glosses_the_model_never_saw", Ok, (w, d) => new(["evaluate", "--checkpoint", w.Run + "/best", "--corpus", UnseenGlossManifest(w, d), "--split", "dev", "--output-dir", d + "/eval", "--json"], ""),
            (d, r) =>
            {
                Assert.Contains("3 gloss occurrences in dev (e.g. ZZ_UNSEEN, YY_UNSEEN) are not in the checkpoint's vocabulary", r.Err);
                var json = JsonDocument.Parse(r.Out).RootElement;
                Assert.Equal(3, json.GetProperty("unknown_glosses").GetInt32());
            }),
        new("threads_beyond_reason", BadInput, (w, d) => new(["evaluate", "--checkpoint", w.Run + "/best", "--corpus", w.Corpus, "--threads", "100000", "--output-dir", d + "/eval"], "--threads"),
            (d, r) => Assert.False(Directory.Exists(d + "/eval"))),
        new("hidden_dim_beyond_memory", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--hidden-dim", "2000000000"), "--hidden-dim")),
        new("num_classes_beyond_memory", BadInput, (w, d) => new(["model", "info", "tiny-student", "--num-classes", "2000000000"], "num_classes")),
        new("step_schedule_without_milestones", BadInput, (w, d) => new(Train(w.Corpus, d + "/r", "--lr-schedule", "step", "--step-milestones", ""), "--step-milestones")),
        new("score_top_negative", BadInput, (w, d) => new(["score", "--reference", Stm(d), "--hypothesis", FaultWorld.Write(d + "/hyp.txt", "n1 1 2\n"), "--top", "-1"], "--top")),
        new("features_format_unknown", BadInput, (w, d) => new(Features(w, d, "--format", "xyz"), "'xyz'")),
        new("features_size_beyond_reason", BadInput, (w, d) => new(Features(w, d, "--size", "100000"), "--size")),

        // Second campaign: synth.
        new("synth_out_empty", BadInput, (w, d) => new(["synth", ""], "OUT")),
        new("synth_out_is_a_file", CannotWrite, (w, d) => new(["synth", FaultWorld.Write(d + "/file", "x")], d + "/file")),
        new("synth_sentences_beyond_reason", BadInput, (w, d) => new(["synth", d + "/s", "--sentences", "2000000000"], "--sentences"),
            (d, r) => Assert.Empty(Directory.GetFileSystemEntries(d))),
        new("synth_ctrl_c_removes_its_partial", Interrupted, (w, d) => new(["synth", d + "/out", "--sentences", "300"], "", SIGINT, () => Partials(d).Any()),
            (d, r) => Assert.Empty(Directory.GetFileSystemEntries(d))),
        new("synth_sigterm_removes_its_partial", Interrupted, (w, d) => new(["synth", d + "/out", "--sentences", "300"], "", SIGTERM, () => Partials(d).Any()),
            (d, r) => Assert.Empty(Directory.GetFileSystemEntries(d))),

        new("features_sigterm_keeps_only_whole_files", Interrupted, (w, d) =>
            new(["features", "--backbone", "mobilenet_v3_small", "--weights", SmallBackboneWeights(d), "--corpus", w.Corpus, "--split", "train", "--out", d + "/f"], "", SIGTERM,
                () => Directory.Exists(d + "/f/train") && Directory.EnumerateFiles(d + "/f/train", "*.npy").Any()),
            (d, r) =>
            {
                Assert.Contains("interrupted", r.Err);
                Assert.Empty(Directory.GetFiles(d + "/f/train", "*.tmp"));
                Assert.False(File.Exists(d + "/f/train/" + Glossa.Models.FeatureStore.IndexFile), "an interrupted run must not write the index of a complete store");
            }),

        // Second campaign: runs.
        new("resume_run_copied_with_links_followed", Ok, (w, d) => new(Resume(w, d, DereferenceLinks, "--epochs", "2"), ""), (d, r) =>
        {
            string run = d + "/run";
            Assert.Equal(2, Checkpoint.ReadState(run + "/last").Epoch);
            Assert.NotNull(new DirectoryInfo(run + "/last").LinkTarget);
            Assert.NotNull(new DirectoryInfo(run + "/best").LinkTarget);
            Assert.Empty(Directory.GetFileSystemEntries(run, ".*link-tmp"));
        }),
        new("resume_last_link_dangling", BadInput, (w, d) =>
        {
            string run = w.CopyRun(d);
            Directory.Delete(FaultWorld.Resolve(run + "/last"), recursive: true); // a run copied without its checkpoints/
            return new(["train", "--corpus", w.Corpus, "-o", run, "--resume", "--workers", "0"], "missing");
        }),
        new("failed_start_does_not_block_the_rerun", BadInput, (w, d) => new(Train(TruncatedFrameCorpus(w, d), d + "/r"), "truncated"), (d, r) =>
        {
            var again = FaultWorld.Glossa(Train(d + "/corpus", d + "/r"));
            Assert.Equal(BadInput, again.Code);
            Assert.DoesNotContain("already holds", again.Err);
        }),
        new("compare_damaged_summary", BadInput, (w, d) => new(["compare", w.Run, Damaged(w.CopyRun(d) + "/summary.json")], "summary.json")),

        // Second campaign: corpora, frames and videos.
        new("corpus_is_a_plain_file", BadInput, (w, d) => new(Train(FaultWorld.Write(d + "/notes.txt", "hello\n"), d + "/r"), "notes.txt")),
        new("corpus_check_truncated_frame", Failed, (w, d) => new(["corpus", "check", TruncatedFrameCorpus(w, d)], "", ReportOnStdout: true),
            (d, r) => Assert.Contains("the PNG is truncated", r.Out)),
        new("frame_link_dangling", BadInput, (w, d) => new(Train(DanglingFrameCorpus(w, d), d + "/r"), "does not exist")),
        new("audio_only_video", BadInput, (w, d) => new(["recognize", "--checkpoint", w.Run + "/best", AudioOnlyMp4(d)], "no video stream")),
        new("score_binary_reference", BadInput, (w, d) => new(["score", "--reference", Binary(d + "/ref.stm"), "--hypothesis", FaultWorld.Write(d + "/hyp.txt", "n1 1 2\n")], "ref.stm:1"),
            (d, r) => Assert.DoesNotContain(r.Err.TrimEnd('\n'), char.IsControl)),
        new("export_missing_checkpoint", BadInput, (w, d) => new(["model", "export", d + "/nope", "--format", "onnx"], d + "/nope")),
        new("export_format_against_the_name", BadInput, (w, d) => new(["model", "export", w.Run + "/best", "--format", "onnx", "--out", d + "/x.safetensors"], "x.safetensors"),
            (d, r) => Assert.False(File.Exists(d + "/x.safetensors"))),
        new("export_onnx_on_full_disk", CannotWrite, (w, d) =>
        {
            FaultWorld.Fill(d + "/disk", 16); // less than the model: the export fails part-way through the file
            return new(["model", "export", w.Run + "/best", "--format", "onnx", "--out", d + "/disk/model.onnx"], d + "/disk/model.onnx");
        }, (d, r) => Assert.Equal(["filler"], Directory.GetFileSystemEntries(d + "/disk").Select(Path.GetFileName))),
        new("export_out_in_proc", CannotWrite, (w, d) => new(["model", "export", w.Run + "/best", "--out", "/proc/glossa-export.pt"], "/proc")),
    ];

    public static TheoryData<string> Names() => new(Table.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Fault_gets_one_clear_line_and_its_exit_code(string name)
    {
        var c = Table.Single(x => x.Name == name);
        string dir = world.CaseDir(name);
        using var disk = name.Contains("full_disk") ? FaultWorld.FullDisk(dir + "/disk", 12) : null;
        if (name == "resume_on_full_disk") PrepareFullDiskRun(world, dir + "/disk");
        var arranged = c.Arrange(world, dir);
        var result = arranged.Signal is int signal ? Interrupt(arranged, signal) : FaultWorld.Glossa(arranged.Args);

        Assert.True(result.Code == c.Code, $"{name}: exit {result.Code}, expected {c.Code}\nstderr: {result.Err}\nstdout: {result.Out}");
        Assert.DoesNotContain("   at ", result.Err);
        Assert.DoesNotContain("Exception", result.Err);
        Assert.DoesNotContain("Unhandled", result.Err);
        if (c.Code is BadInput or CannotWrite or Failed && !arranged.ReportOnStdout)
        {
            var line = Assert.Single(OwnLines(result.Err));
            Assert.StartsWith("glossa: error: ", line);
            Assert.Contains(arranged.Names, line);
        }
        c.Verify?.Invoke(dir, result);
    }

    // libtorch prints its own "[W...]" hardware notes (NNPACK) on some CPUs; they are not Glossa's output.
    static IEnumerable<string> OwnLines(string err) =>
        err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("[W", StringComparison.Ordinal));

    static string Stm(string dir) => FaultWorld.Write(dir + "/ref.stm", "n1 1 S 0.0 1.79769e+308 1 2 3 4 5 6 7\nn2 1 S 0.0 1.79769e+308 5 6\n");

    /// <summary>Runs the command, sends <paramref name="signal"/> once the case's condition holds, and waits for the exit.</summary>
    static (int Code, string Out, string Err) Interrupt(Arranged arranged, int signal)
    {
        using var p = new CliProcess(arranged.Args);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!arranged.SignalWhen!() && !p.HasExited && clock.Elapsed < FaultWorld.Timeout) Thread.Sleep(20);
        Assert.False(p.HasExited, $"the command ended before it could be interrupted: {p.Stderr}");
        p.Signal(signal);
        int code = p.Wait(FaultWorld.Timeout);
        return (code, p.Stdout, p.Stderr);
    }

    static IEnumerable<string> Partials(string dir) => Directory.EnumerateDirectories(dir, ".*.partial-*");

    static string[] Features(FaultWorld w, string dir, params string[] more) =>
        ["features", "--backbone", "mobilenet_v3_small", "--weights", w.Run + "/best", "--corpus", w.Corpus, "--split", "dev", "--out", dir + "/f", .. more];

    /// <summary>What 'cp -rL' makes of a run: best and last become plain folders.</summary>
    static void DereferenceLinks(string run)
    {
        foreach (string link in new[] { "best", "last" })
        {
            string target = FaultWorld.Resolve(run + "/" + link);
            File.Delete(run + "/" + link);
            Directory.CreateDirectory(run + "/" + link);
            foreach (string f in Directory.GetFiles(target)) File.Copy(f, Path.Combine(run + "/" + link, Path.GetFileName(f)));
        }
    }

    static string Damaged(string jsonFile)
    {
        File.WriteAllText(jsonFile, "{\"status\": ");
        return Path.GetDirectoryName(jsonFile)!;
    }

    static string Binary(string path)
    {
        var bytes = new byte[300];
        new Random(5).NextBytes(bytes);
        bytes[0] = (byte)'B';
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static string FirstTrainFrame(string corpus, int clip) =>
        Directory.EnumerateFiles(corpus, "*.png", SearchOption.AllDirectories).Where(f => f.Contains("/train/")).Order()
            .GroupBy(Path.GetDirectoryName).ElementAt(clip).ElementAt(3);

    static string TruncatedFrameCorpus(FaultWorld w, string dir)
    {
        string corpus = w.CopyCorpus(dir);
        string frame = FirstTrainFrame(corpus, 1);
        File.WriteAllBytes(frame, File.ReadAllBytes(frame)[..100]); // the header survives, the pixels do not
        return corpus;
    }

    static string DanglingFrameCorpus(FaultWorld w, string dir)
    {
        string corpus = w.CopyCorpus(dir);
        string frame = FirstTrainFrame(corpus, 1);
        File.Delete(frame);
        File.CreateSymbolicLink(frame, dir + "/gone.png");
        return corpus;
    }

    static string AudioOnlyMp4(string dir)
    {
        string file = dir + "/audio.mp4";
        var psi = new System.Diagnostics.ProcessStartInfo("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", file]) { RedirectStandardError = true };
        using (var p = System.Diagnostics.Process.Start(psi)!) { p.StandardError.ReadToEnd(); p.WaitForExit(); Assert.Equal(0, p.ExitCode); }
        return file;
    }

    static string[] Resume(FaultWorld w, string dir, Action<string>? damage, params string[] more) => ResumeWith(w, dir, damage, w.Corpus, more);

    static string[] ResumeWith(FaultWorld w, string dir, Action<string>? damage, string corpus, params string[] more)
    {
        string run = Directory.Exists(dir + "/run") ? dir + "/run" : w.CopyRun(dir);
        damage?.Invoke(run);
        File.WriteAllText(dir + "/snapshot.json", JsonSerializer.Serialize(FaultWorld.Snapshot(run)));
        return ["train", "--corpus", corpus, "-o", run, "--resume", "--workers", "0", .. more];
    }

    /// <summary>Nothing in the run folder was lost or changed; only the log may have grown (it records the attempt).</summary>
    static void Unchanged(string dir, (int Code, string Out, string Err) _)
    {
        var before = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(dir + "/snapshot.json"))!;
        var after = FaultWorld.Snapshot(dir + "/run");
        foreach (var (file, hash) in before.Where(kv => kv.Key != "training.log"))
            Assert.True(after.TryGetValue(file, out var now) && now == hash, $"{file} was lost or changed by the refused resume");
        Assert.DoesNotContain(after.Keys, f => f.Contains(".tmp") || f.Contains(".partial"));
    }

    static void Truncate(string file)
    {
        using var f = new FileStream(file, FileMode.Open);
        f.SetLength(f.Length / 2);
    }

    static void PrepareFullDiskRun(FaultWorld w, string disk)
    {
        w.CopyRun(disk);
        FaultWorld.Fill(disk, 1024); // room for the logs, not for a checkpoint
    }

    static void DiskFullKeepsTheRun(string dir, (int Code, string Out, string Err) r)
    {
        string run = dir + "/disk/run";
        Assert.Contains("needed", r.Err);
        using var summary = JsonDocument.Parse(File.ReadAllText(run + "/summary.json"));
        Assert.Equal("failed", summary.RootElement.GetProperty("status").GetString());
        Assert.Contains("no space left", summary.RootElement.GetProperty("message").GetString());
        Assert.Equal(1, Checkpoint.ReadState(run + "/last").Epoch);
        Assert.Equal(FaultWorld.Resolve(run + "/best"), FaultWorld.Resolve(run + "/last"));
        Assert.Single(Directory.GetDirectories(run + "/checkpoints")); // the partial checkpoint is gone
        Assert.Empty(Directory.GetFiles(run, "*.tmp*"));
        Assert.Single(File.ReadAllLines(run + "/metrics.jsonl"), l => l.Length > 0);
    }

    static void AssertCritical(string json, string rule)
    {
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("stop", root.GetProperty("verdict").GetString());
        Assert.Contains(root.GetProperty("findings").EnumerateArray(),
            f => f.GetProperty("rule").GetString() == rule && f.GetProperty("severity").GetString() == "critical");
    }

    static string FailedRun(FaultWorld w, string dir, bool dump)
    {
        string run = w.CopyRun(dir);
        var summary = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(run + "/summary.json"))!;
        var edited = summary.ToDictionary(kv => kv.Key, kv => (object)kv.Value);
        edited["status"] = "failed";
        edited["message"] = dump ? "non-finite loss (NaN) at epoch 2, step 5" : "no space left on the device holding the run";
        File.WriteAllText(run + "/summary.json", JsonSerializer.Serialize(edited));
        if (dump)
            File.WriteAllText(run + "/failure.json", """{"quantity": "loss", "value": "NaN", "epoch": 2, "step": 5, "sample_ids": ["a", "b"], "first_non_finite_module": null}""");
        return run;
    }

    static string PoisonedCheckpoint(FaultWorld w, string dir)
    {
        string best = w.CopyRun(dir) + "/best";
        var config = ModelCheckpoint.ReadConfig(best);
        using var model = ModelFactory.Create(config);
        ModelCheckpoint.LoadWeights(best, model);
        using (no_grad())
            foreach (var p in model.parameters()) p.fill_(double.NaN);
        model.save(Path.Combine(best, ModelCheckpoint.ModelFile));
        return best;
    }

    static string HugeFrame(FaultWorld w, string dir)
    {
        string corpus = w.CopyCorpus(dir);
        string frame = Directory.EnumerateFiles(corpus, "*fn000000-0.png", SearchOption.AllDirectories).Where(f => f.Contains("/train/")).Order().First();
        var bytes = File.ReadAllBytes(frame);
        // IHDR width and height (big-endian at bytes 16..23), with the chunk's CRC recomputed so decoders accept it.
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), 60000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), 60000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), Crc32(bytes.AsSpan(12, 17)));
        File.WriteAllBytes(frame, bytes);
        return corpus;
    }

    /// <summary>PNG's chunk checksum (CRC-32, polynomial 0xEDB88320).</summary>
    static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    /// <summary>Random MobileNetV3-Small weights saved the way users get torchvision's (a torch.save state dict).</summary>
    static string SmallBackboneWeights(string dir)
    {
        using var backbone = new Glossa.Models.Backbones.MobileNetV3(large: false);
        Glossa.Models.WeightIO.SavePyTorch(backbone, dir + "/mbv3s.pt");
        return dir + "/mbv3s.pt";
    }

    /// <summary>The frame folder of the fault world's i-th clip of a split.</summary>
    static string FrameFolder(FaultWorld w, string split, int i) =>
        Directory.GetDirectories(Path.Combine(Directory.GetDirectories(w.Corpus)[0], "features", "fullFrame-210x260px", split)).Order().ElementAt(i) + "/1";

    static string LeakyManifest(FaultWorld w, string dir)
    {
        string m = "id|split|path|signer|glosses\n"
                   + $"a|train|{FrameFolder(w, "train", 0)}|s1|A B\n"
                   + $"b|trian|{FrameFolder(w, "train", 1)}|s1|B C\n"
                   + $"c|train|{FrameFolder(w, "train", 2)}|s1|C D\n"
                   + $"a|dev|{FrameFolder(w, "train", 0)}|s1|A B\n";
        var bytes = System.Text.Encoding.UTF8.GetBytes(m).ToList();
        // A Latin-1 umlaut in sample c's signer name: a warning (paths are ASCII). In its glosses it is an error since
        // 2026-12-07, as distinct glosses would merge (ManifestReaderTests).
        int at = m.IndexOf("|s1|C D\n", StringComparison.Ordinal) + 3;
        bytes.Insert(at, 0xE4);
        File.WriteAllBytes(dir + "/m.csv", bytes.ToArray());
        return dir + "/m.csv";
    }

    /// <summary>A manifest whose dev clip is annotated with glosses no checkpoint of the fault world has learnt.</summary>
    static string UnseenGlossManifest(FaultWorld w, string dir)
    {
        return FaultWorld.Write(dir + "/m.csv", "id|split|path|signer|glosses\n"
            + $"a|train|{FrameFolder(w, "train", 0)}|s1|ZZ_UNSEEN\n"
            + $"b|dev|{FrameFolder(w, "train", 1)}|s1|ZZ_UNSEEN ZZ_UNSEEN YY_UNSEEN\n");
    }

    static string OtherCorpus(string dir)
    {
        string other = dir + "/other";
        Glossa.Corpora.SyntheticCorpus.Write(new Glossa.Corpora.SynthOptions { TrainSentences = 4, DevSentences = 2, TestSentences = 2, Glosses = 9, Signers = 1, Seed = 11 }, other, overwrite: true);
        return other;
    }

    static string DamagedMp4(string dir)
    {
        string good = dir + "/good.mp4";
        var psi = new System.Diagnostics.ProcessStartInfo("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=25", "-frames:v", "60", "-pix_fmt", "yuv420p", good]) { RedirectStandardError = true };
        using (var p = System.Diagnostics.Process.Start(psi)!) { p.StandardError.ReadToEnd(); p.WaitForExit(); Assert.Equal(0, p.ExitCode); }
        var bytes = File.ReadAllBytes(good);
        int mdat = bytes.AsSpan().IndexOf("mdat"u8);
        int size = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(mdat - 4));
        bytes.AsSpan(mdat + 100, size - 160).Fill(0x5a); // the coded frames, not the index (moov)
        File.WriteAllBytes(dir + "/bad.mp4", bytes);
        return dir + "/bad.mp4";
    }
}
