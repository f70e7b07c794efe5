using System.Diagnostics;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Frames;
using Glossa.Training;

namespace Glossa.Tests.Corpora;

/// <summary>Video samples of a manifest, measured with the real ffprobe.</summary>
public class VideoCheckTests
{
    static void MakeVideo(string path, int frames) =>
        Ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=25", "-frames:v", frames.ToString(), "-pix_fmt", "yuv420p", path);

    static void Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-y" }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
    }

    [Fact]
    public void Video_lengths_are_probed_for_the_ctc_check_and_broken_videos_are_errors()
    {
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        MakeVideo(fx.Path("v", "ok.mp4"), 20);
        MakeVideo(fx.Path("v", "short.mp4"), 7);
        File.WriteAllText(fx.Path("v", "broken.mkv"), "not a video");
        fx.WriteText("v/glossa-manifest.csv",
            "id|split|path|signer|glosses\n" +
            "ok|train|ok.mp4|a|A B C\n" +
            "short|train|short.mp4|a|A B\n" +
            "broken|dev|broken.mkv|b|A\n");
        var problems = new CorpusProblems();
        var corpus = CorpusLoader.Load(fx.Path("v"), null, problems);
        var report = CorpusChecker.Check(corpus, problems, new CorpusCheckOptions { Stride = 4 });

        Assert.Equal(27, report.Splits["train"].Frames);
        Assert.Equal(20, report.Splits["train"].MaxFrames);
        Assert.Equal(1, report.Splits["dev"].VideosWithoutLength);
        Assert.Equal(2, report.Errors.Count);
        var ctc = Assert.Single(report.Errors, e => e.Kind == CorpusProblemKind.CtcInfeasible);
        Assert.Equal("short", ctc.Sample);
        Assert.Equal(3, ctc.Line);
        var broken = Assert.Single(report.Errors, e => e.Kind == CorpusProblemKind.UnreadableVideo);
        // The manifest row that names it, and the video in the message (its line was null).
        Assert.Equal((fx.Path("v", "glossa-manifest.csv"), (int?)4), (broken.File, broken.Line));
        Assert.StartsWith(fx.Path("v", "broken.mkv") + ": ", broken.Message);
    }

    /// <summary>A 64-frame mp4 cut to <paramref name="share"/> of its bytes, as a download that stopped: ffprobe still counts frames, with errors.</summary>
    static void MakeTruncatedVideo(string path, double share)
    {
        string whole = path + ".whole.mp4";
        var psi = new ProcessStartInfo("/usr/bin/ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=25", "-frames:v", "64", "-pix_fmt", "yuv420p", "-movflags", "+faststart", whole })
            psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
        }
        byte[] bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * share)]);
        File.Delete(whole);
    }

    [Fact]
    public void A_truncated_video_is_counted_with_the_error_ffprobe_reports_and_corpus_check_warns()
    {
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        MakeVideo(fx.Path("v", "ok.mp4"), 20);
        MakeTruncatedVideo(fx.Path("v", "cut.mp4"), 0.85);

        var (frames, problem) = VideoLength.Count(fx.Path("v", "ok.mp4"));
        Assert.Equal(20, frames);
        Assert.Null(problem);
        Assert.Equal((20, (string?)null), VideoLength.Count(fx.Path("v", "ok.mp4"), decode: true)); // corpus check --decode-frames
        var (cutFrames, cutProblem) = VideoLength.Count(fx.Path("v", "cut.mp4"));
        Assert.InRange(cutFrames, 1, 63);
        Assert.NotNull(cutProblem);
        Assert.DoesNotContain("@ 0x", cutProblem); // ffmpeg's memory-address prefix is no help to a user
        // recognize warns before its result (which would miss the glosses of the lost part), and not for a whole video.
        Assert.Contains("truncated or damaged", Glossa.Recognition.Recognizer.ValidateInput(fx.Path("v", "cut.mp4")));
        Assert.Null(Glossa.Recognition.Recognizer.ValidateInput(fx.Path("v", "ok.mp4")));
        // ... and with --json the warning is in the input's object too, not only on stderr.
        var (code, stdout, stderr) = Glossa.Tests.Cli.CliProcess.Run(TimeSpan.FromMinutes(3), "recognize", "-c", Glossa.Tests.Recognition.RecognitionFixture.Checkpoint(),
            fx.Path("v", "cut.mp4"), "--json", "--threads", "2");
        Assert.True(code == 0, stderr);
        using (var doc = System.Text.Json.JsonDocument.Parse(stdout))
            Assert.Contains("truncated or damaged", doc.RootElement[0].GetProperty("warning").GetString());
        Assert.Contains("truncated or damaged", stderr);

        fx.WriteText("v/glossa-manifest.csv", "id|split|path|signer|glosses\nok|train|ok.mp4|a|A B\ncut|dev|cut.mp4|b|A\n");
        var problems = new CorpusProblems();
        var report = CorpusChecker.Check(CorpusLoader.Load(fx.Path("v"), null, problems), problems, new CorpusCheckOptions { Stride = 4 });
        Assert.Empty(report.Errors);
        var warning = Assert.Single(report.Warnings, w => w.Kind == CorpusProblemKind.UnreadableVideo);
        Assert.Equal("cut", warning.Sample);
        Assert.Contains("truncated or damaged", warning.Message);
    }

    [Fact]
    public void Training_leaves_out_a_video_too_short_for_its_label_as_it_does_a_frame_folder()
    {
        // A 6-frame clip of 5 glosses gives 1 output frame at stride 4; before 2026-12-07 a video's length was unknown at
        // start-up, and the temporal rescale stretched it to 32 frames, so it was trained on in silence.
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        MakeVideo(fx.Path("v", "ok.mp4"), 40);
        MakeVideo(fx.Path("v", "short.mp4"), 6);
        MakeTruncatedVideo(fx.Path("v", "cut.mp4"), 0.85);
        fx.WriteText("v/glossa-manifest.csv", "id|split|path|signer|glosses\nok|train|ok.mp4|a|A B\nshort|train|short.mp4|a|A B A B A\ncut|train|cut.mp4|a|B\n");
        var train = CorpusLoader.Load(fx.Path("v")).Split("train");
        var notes = new List<string>();
        var lengths = CtcFeasibility.VideoLengths(train, notes);
        Assert.Equal(40, lengths[train.Single(s => s.Id == "ok")]);
        Assert.Equal(6, lengths[train.Single(s => s.Id == "short")]);
        Assert.Contains(notes, n => n.Contains("cut") && n.Contains("truncated or damaged"));
        var vocabulary = Vocabulary.Build(train);
        var (kept, rejected) = CtcFeasibility.Split(train, vocabulary, n => n, n => n / 4, lengths);
        // A video ffprobe cannot read at all stops training before it starts, with the sample named in one line.
        File.WriteAllText(fx.Path("v", "junk.mp4"), "not a video");
        fx.WriteText("v/junk.csv", "id|split|path|signer|glosses\nok|train|ok.mp4|a|A B\njunk|train|junk.mp4|a|B\n");
        var e = Assert.Throws<GlossaException>(() => CtcFeasibility.VideoLengths(CorpusLoader.Load(fx.Path("v", "junk.csv")).Split("train"), []));
        Assert.StartsWith("sample 'junk' (", e.Message);
        Assert.Contains("junk.csv:3", e.Message);
        Assert.Equal(["ok", "cut"], kept.Select(s => s.Id));
        var r = Assert.Single(rejected);
        Assert.Equal(("short", 6, 1), (r.Sample.Id, r.InputFrames, r.OutputFrames));
        // Its length unknown at start-up (ffprobe missing), the loader stops at the clip instead of stretching it to fit:
        // a new user's run without ffprobe had trained on a 15-frame clip of 5 glosses, the rescale stretching it.
        var loader = new BatchLoader([train.Single(s => s.Id == "short")], vocabulary, new LoaderOptions
        {
            Frames = FramePolicy.For(32, 300, augment: true), Mode = FrameMode.Train, BatchSize = 1, ShortestClip = _ => 20,
        });
        var stop = Assert.Throws<GlossaException>(() => { foreach (var b in loader.Epoch(0)) b.Dispose(); });
        Assert.StartsWith("sample 'short' (", stop.Message); // named once, with its file and line
        Assert.Contains("it decodes to 6 frames, fewer than the 20 its 5 glosses need for CTC", stop.Message);
        Assert.Contains("glossa-manifest.csv:3", stop.Message);
    }

    [Fact]
    public void Evaluate_scores_a_clip_the_model_gives_no_output_frame_as_empty_and_names_it()
    {
        // One frame gives the tiny student no output frame at all: evaluate had stopped (a misleading ONNX error, a nameless
        // torch error, or an internal error for a K5-P3-K5 model) on a new user's dev split.
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        MakeVideo(fx.Path("v", "ok.mp4"), 40);
        fx.WriteFrames("v/one", 1, i => $"{i:D4}.png");
        fx.WriteText("v/glossa-manifest.csv", "id|split|path|signer|glosses\nok|dev|ok.mp4|a|A\none|dev|one|a|B C\n");
        foreach (string engine in new[] { "torch", "auto" })
        {
            var result = Evaluator.Run(new EvaluationOptions
            {
                Checkpoint = Glossa.Tests.Recognition.RecognitionFixture.Checkpoint(), Corpus = fx.Path("v"), Split = "dev",
                OutputDir = fx.Path("eval-" + engine), Device = "cpu", Engine = engine, Beam = 0,
            });
            Assert.Equal(2, result.Utterances);
            Assert.Equal(3, result.ReferenceWords);
            // The empty hypothesis is scored as the official protocol scores one ("[EMPTY]" against "B C": one substitution, one deletion).
            Assert.Contains(File.ReadAllLines(fx.Path("eval-" + engine, "dev.greedy.ctm")), l => l.StartsWith("one 1 ", StringComparison.Ordinal) && l.EndsWith(" [EMPTY]", StringComparison.Ordinal));
            Assert.True(result.Substitutions + result.Deletions >= 2, $"S={result.Substitutions} D={result.Deletions}");
            var warning = Assert.Single(result.Warnings, w => w.Contains("too short for CTC"));
            Assert.StartsWith("1 of 2 clips are too short", warning); // 'ok', whose gloss the model does not know, is not too short
            Assert.Contains("one: 1 frames -> 0 output frames", warning);
            Assert.Contains("1 give no output frame at all and are scored as empty", warning);
        }
    }

    [Fact]
    public void Evaluate_names_a_video_of_its_split_that_ffprobe_reads_with_errors()
    {
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        MakeVideo(fx.Path("v", "ok.mp4"), 40);
        MakeTruncatedVideo(fx.Path("v", "cut.mp4"), 0.85);
        fx.WriteText("v/glossa-manifest.csv", "id|split|path|signer|glosses\nok|dev|ok.mp4|a|A\ncut|dev|cut.mp4|a|B\n");
        var result = Evaluator.Run(new EvaluationOptions
        {
            Checkpoint = Glossa.Tests.Recognition.RecognitionFixture.Checkpoint(), Corpus = fx.Path("v"), Split = "dev",
            OutputDir = fx.Path("eval"), Device = "cpu",
        });
        Assert.Equal(2, result.Utterances);
        Assert.Contains(result.Warnings, w => w.Contains("cut (") && w.Contains("truncated or damaged"));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("ok ("));
    }

    [Fact]
    public void A_tool_variable_naming_a_missing_file_is_no_tool_so_corpus_check_warns_instead_of_crashing()
    {
        const string variable = "GLOSSA_TEST_MISSING_FFPROBE";
        Environment.SetEnvironmentVariable(variable, "/nonexistent/ffprobe");
        try
        {
            Assert.False(new ExternalTool("ffprobe", variable, "/usr/bin/ffprobe").Exists);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void A_trimmed_mp4_and_a_variable_frame_rate_video_are_counted_as_they_decode()
    {
        // An MP4 cut without re-encoding keeps the packets from the keyframe before its start, and an edit list that
        // discards them: its 103 packets were counted where it decodes to 28 frames, so corpus check passed a clip that
        // training stopped on. A VFR clip's 103 frames were decoded as 154 (repeated to a constant rate).
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        Ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=25", "-frames:v", "75", "-g", "75", "-pix_fmt", "yuv420p", fx.Path("v", "whole.mp4"));
        Ffmpeg("-ss", "2.0", "-i", fx.Path("v", "whole.mp4"), "-c", "copy", fx.Path("v", "trim.mp4"));
        // 30 frames whose timestamps jump once by a second (the mkv keeps them), i.e. a variable frame rate.
        Ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=25", "-frames:v", "30", "-vf", "setpts='N/25/TB+if(gte(N,15),1/TB,0)'",
            "-fps_mode", "passthrough", "-pix_fmt", "yuv420p", fx.Path("v", "vfr.mkv"));
        foreach (var (name, frames) in new[] { ("trim.mp4", 25), ("vfr.mkv", 30) })
        {
            string path = fx.Path("v", name);
            var decoded = VideoDecoder.Default.ReadClip(path, 16, 16);
            Assert.Equal((frames, frames), (VideoLength.Count(path).Frames, decoded.Length));
            Assert.Null(decoded.DecodeErrors);
        }
    }

    [Fact]
    public void A_video_with_damaged_frames_that_still_decodes_is_a_warning_in_recognize()
    {
        // A damaged MJPEG stream decodes to the end with "error dc" and fewer frames; recognize said nothing.
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        string whole = fx.Path("v", "whole.avi"), path = fx.Path("v", "damaged.avi");
        Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=25", "-frames:v", "60", "-c:v", "mjpeg", "-q:v", "3", whole);
        byte[] bytes = File.ReadAllBytes(whole);
        for (int i = bytes.Length / 3; i < 2 * bytes.Length / 3; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);

        string? heard = null;
        int streamed = VideoDecoder.Default.ReadFrames(path, 16, 16, onDecodeErrors: e => heard = e).Count();
        Assert.InRange(streamed, 1, 59);
        Assert.NotNull(heard);
        Assert.Null(VideoDecoder.Default.ReadClip(whole, 16, 16).DecodeErrors);
        Assert.NotNull(VideoDecoder.Default.ReadClip(path, 16, 16).DecodeErrors);

        var (code, stdout, stderr) = Glossa.Tests.Cli.CliProcess.Run(TimeSpan.FromMinutes(3), "recognize", "-c", Glossa.Tests.Recognition.RecognitionFixture.Checkpoint(),
            path, "--json", "--threads", "2");
        Assert.True(code == 0, stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Contains("errors decoding the video", doc.RootElement[0].GetProperty("warning").GetString());
        Assert.Contains("errors decoding the video", stderr);

        // Training and evaluate decode through the loader: it names the clip, once decoded and again from the frame cache.
        fx.WriteText("v/glossa-manifest.csv", "id|split|path|signer|glosses\ngood|dev|whole.avi|a|A\nbad|dev|damaged.avi|a|A\n");
        var samples = CorpusLoader.Load(fx.Path("v")).Split("dev");
        foreach (int pass in new[] { 1, 2 })
        {
            var loader = new BatchLoader(samples, FrameTestDataVocab(), new LoaderOptions
            {
                Frames = FramePolicy.For(16, 300, augment: false), Mode = FrameMode.Eval, BatchSize = 2, CacheDirectory = fx.Path("cache"),
            });
            foreach (var b in loader.Epoch(0)) b.Dispose();
            var line = Assert.Single(loader.Stats.DecodeErrors);
            Assert.StartsWith("bad (", line);
            Assert.Contains("damaged.avi decodes with errors", line);
        }
    }

    static Glossa.Corpora.Vocabulary FrameTestDataVocab() => Glossa.Tests.Frames.FrameTestData.Vocab("A");

    [Fact]
    public void A_video_given_as_a_corpus_and_several_bad_inputs_to_recognize_are_each_one_clean_line()
    {
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("v"));
        MakeVideo(fx.Path("v", "clip.mp4"), 8);
        File.WriteAllBytes(fx.Path("v", "empty.mp4"), []);
        // corpus check quoted an mp4's first bytes (NULs and x264's settings) as a manifest header.
        var (code, _, stderr) = Glossa.Tests.Cli.CliProcess.Run(TimeSpan.FromMinutes(1), "corpus", "check", fx.Path("v", "clip.mp4"));
        Assert.Equal(2, code);
        Assert.Equal($"glossa: error: {fx.Path("v", "clip.mp4")}: a video, not a corpus", stderr.Trim().Split(';')[0]);
        Assert.DoesNotContain('\0', stderr);
        // recognize named only the first bad input.
        (code, _, stderr) = Glossa.Tests.Cli.CliProcess.Run(TimeSpan.FromMinutes(2), "recognize", "-c", Glossa.Tests.Recognition.RecognitionFixture.Checkpoint(),
            fx.Path("v", "clip.mp4"), fx.Path("v", "empty.mp4"), fx.Path("v", "nope.mp4"));
        Assert.Equal(2, code);
        var lines = stderr.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains("empty.mp4: the video file is empty (0 bytes)", lines[0]);
        Assert.Contains("nope.mp4: no such video file", lines[1]);
        // train --dry-run passed a corpus whose unreadable video stops the real run at start-up.
        fx.WriteText("v/glossa-manifest.csv", "id|split|path|signer|glosses\nc|train|clip.mp4|a|A\ne|train|empty.mp4|a|A\nd|dev|clip.mp4|b|A\n");
        (code, _, stderr) = Glossa.Tests.Cli.CliProcess.Run(TimeSpan.FromMinutes(1), "train", "--model", "tiny-student", "--corpus", fx.Path("v"),
            "--output-dir", fx.Path("run"), "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("sample 'e'", stderr);
        Assert.Contains("the video file is empty", stderr);
    }
}
