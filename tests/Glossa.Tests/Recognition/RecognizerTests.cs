using Glossa.Common;
using Glossa.Corpora;
using Glossa.Scoring;
using Glossa.Tests.Training;
using Glossa.Training;
using Glossa.Recognition;

namespace Glossa.Tests.Recognition;

public sealed class RecognizerTests
{
    static Recognizer Load(int layers = 1, int chunk = 256, int overlap = 32, int nbest = 1, int beam = 0) =>
        Recognizer.Load(new RecognitionOptions { Checkpoint = RecognitionFixture.Checkpoint(layers), ChunkFrames = chunk, Overlap = overlap, NBest = nbest, Beam = beam, Threads = 2 });

    [Fact]
    public void A_recognizer_used_after_dispose_throws_ObjectDisposedException()
    {
        // The onnx engine crashed the process (SIGSEGV) in a library user's trial; the torch engine threw from a SafeHandle.
        var recognizer = Load();
        recognizer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => recognizer.Recognize(RecognitionFixture.FrameFolder(0)));
        recognizer.Dispose(); // twice is fine
    }

    [Fact]
    public void Printed_results_show_glosses_scores_and_times_not_type_names()
    {
        // A library user's Console.WriteLine(result.NBest[0]) printed "NBestEntry { Glosses = System.Collections.Generic.List`1[...] ... }".
        using var recognizer = Load(nbest: 3, beam: 4);
        var result = recognizer.Recognize(RecognitionFixture.FrameFolder(0));
        var printed = new List<string> { result.ToString() };
        printed.AddRange(result.NBest.Select(e => e.ToString()));
        printed.AddRange(result.Timed.Select(g => g.ToString()));
        foreach (string line in printed)
        {
            Assert.DoesNotContain("System.", line);
            Assert.DoesNotContain(" = ", line);
            Assert.DoesNotContain('\n', line);
        }
        Assert.StartsWith($"{result.Input}: {string.Join(' ', result.Glosses)} (", result.ToString());
        foreach (var entry in result.NBest)
            Assert.Equal($"{(entry.Glosses.Count == 0 ? "(no glosses)" : string.Join(' ', entry.Glosses))} (score {entry.Score.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)})", entry.ToString());
        foreach (var g in result.Timed)
            Assert.StartsWith($"{g.Gloss} at ", g.ToString());
        Assert.Equal("(no glosses) (score -1.5)", new NBestEntry([], -1.5).ToString());
    }

    [Fact]
    public void Lossless_mp4_gives_the_same_glosses_and_scores_as_the_frame_folder()
    {
        using var recognizer = Load(nbest: 3);
        for (int i = 0; i < 2; i++)
        {
            var folder = recognizer.Recognize(RecognitionFixture.FrameFolder(i));
            var video = recognizer.Recognize(RecognitionFixture.Video(i));
            Assert.NotEmpty(folder.Glosses);
            Assert.Equal(folder.Glosses, video.Glosses);
            Assert.Equal(folder.Frames, video.Frames);
            Assert.Equal(folder.NBest.Count, video.NBest.Count);
            for (int k = 0; k < folder.NBest.Count; k++)
            {
                Assert.Equal(folder.NBest[k].Glosses, video.NBest[k].Glosses);
                Assert.Equal(folder.NBest[k].Score, video.NBest[k].Score, 3);
            }
            Assert.Equal(1, folder.Chunks);
            Assert.Equal(25, video.Fps, 3); // from ffprobe
        }
    }

    [Fact]
    public void Short_clips_give_what_evaluate_gives()
    {
        string outDir = Path.Combine(RecognitionFixture.Root, "eval");
        Evaluator.Run(new EvaluationOptions { Checkpoint = RecognitionFixture.Checkpoint(), Corpus = TinyCorpus.Path_, Split = "dev", OutputDir = outDir, Threads = 2 });
        var hypotheses = HypothesisSet.Read(Path.Combine(outDir, "dev.greedy.ctm")).Words;
        using var recognizer = Load();
        var dev = CorpusLoader.Load(TinyCorpus.Path_).Split("dev");
        Assert.True(dev.Count >= 2);
        foreach (var sample in dev)
        {
            var r = recognizer.Recognize(Path.GetDirectoryName(sample.FramePaths[0])!);
            Assert.Equal(1, r.Chunks);
            Assert.Equal(hypotheses[sample.Id].Where(w => w != WerScorer.EmptyWord), r.Glosses);
        }
    }

    [Fact]
    public void Chunks_without_a_bilstm_equal_the_whole_input_exactly()
    {
        // Without the BiLSTM every output depends on 16 input frames, inside the 32-frame context:
        // stitching chunk centres must reproduce the whole-input pass frame for frame.
        using var whole = Load(layers: 0, chunk: 4096, overlap: 32);
        using var chunked = Load(layers: 0, chunk: 96, overlap: 16);
        var a = whole.Recognize(RecognitionFixture.LongFolder);
        var b = chunked.Recognize(RecognitionFixture.LongFolder);
        Assert.Equal(1, a.Chunks);
        Assert.True(b.Chunks >= 4, $"{b.Chunks} chunks");
        Assert.Equal(a.OutputFrames, b.OutputFrames);
        Assert.Equal(a.Glosses, b.Glosses);
        Assert.Equal(a.NBest[0].Score, b.NBest[0].Score, 2);
        Assert.Equal(a.Timed, b.Timed);
    }

    [Fact]
    public void Chunked_bilstm_keeps_the_length_and_stays_close_to_the_whole_input()
    {
        using var whole = Load(chunk: 4096, overlap: 32);
        using var chunked = Load(chunk: 128, overlap: 32);
        var a = whole.Recognize(RecognitionFixture.LongFolder);
        var b = chunked.Recognize(RecognitionFixture.LongFolder);
        Assert.True(b.Chunks >= 3);
        Assert.Equal(a.OutputFrames, b.OutputFrames);
        Assert.Equal(a.Frames, b.Frames);
        // The BiLSTM sees only its chunk: the best-path score moves a little, not wholesale.
        Assert.True(Math.Abs(a.NBest[0].Score - b.NBest[0].Score) < 0.05 * Math.Abs(a.NBest[0].Score) + 1, $"{a.NBest[0].Score} vs {b.NBest[0].Score}");
    }

    [Fact]
    public void Streaming_updates_add_up_to_the_final_glosses_and_report_the_lag()
    {
        using var recognizer = Load(chunk: 96, overlap: 16);
        var updates = new List<StableUpdate>();
        var result = recognizer.Recognize(RecognitionFixture.LongFolder, updates.Add);
        Assert.Equal(result.Glosses, updates.SelectMany(u => u.NewGlosses).Select(g => g.Gloss));
        Assert.True(updates.Count > 2);
        // While chunks keep coming the lag is between the context and chunk - context; the last
        // chunk may be shorter, and the final update (end of input) has no lag.
        Assert.All(updates.SkipLast(2), u => Assert.InRange(u.LagFrames, 16, 96 - 16));
        Assert.All(updates, u => Assert.InRange(u.LagFrames, 0, 96 - 16));
        Assert.Equal(0, updates[^1].LagFrames);
        Assert.True(updates.Zip(updates.Skip(1)).All(p => p.First.DecodedFrames <= p.Second.DecodedFrames));
    }

    [Fact]
    public void Beam_search_gives_an_nbest_list_with_timings_inside_the_input()
    {
        using var recognizer = Load(beam: 5, nbest: 4);
        var r = recognizer.Recognize(RecognitionFixture.FrameFolder(0));
        Assert.Equal("beam-5", r.Decoder);
        Assert.InRange(r.NBest.Count, 2, 4);
        Assert.True(r.NBest.Zip(r.NBest.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        Assert.Equal(r.Glosses, r.Timed.Select(g => g.Gloss));
        double end = r.Frames / r.Fps;
        Assert.All(r.Timed, g => Assert.InRange(g.Start + g.Duration, 0.0, end + 1e-9));
        Assert.True(r.Timed.Zip(r.Timed.Skip(1)).All(p => p.First.Start < p.Second.Start));
    }

    [Fact]
    public void Forced_alignment_finds_the_obvious_path()
    {
        // 6 frames, classes {blank, A, B}: A A _ B B _ (log-probs strongly peaked).
        int[] best = [1, 1, 0, 2, 2, 0];
        var lp = new float[6 * 3];
        for (int t = 0; t < 6; t++)
            for (int c = 0; c < 3; c++) lp[t * 3 + c] = c == best[t] ? -0.01f : -6f;
        var spans = CtcAligner.Align(lp, 6, 3, [1, 2]);
        Assert.Equal([(0, 1), (3, 4)], spans!);
        Assert.Null(CtcAligner.Align(lp, 2, 3, [1, 1])); // A A needs a blank between: 3 frames
    }

    [Fact]
    public void Bad_inputs_and_settings_are_one_line_errors()
    {
        var e = Assert.Throws<GlossaException>(() => Recognizer.CheckInput(Path.Combine(RecognitionFixture.Root, "nope.mp4")));
        Assert.Contains("nope.mp4", e.Message);
        e = Assert.Throws<GlossaException>(() => Load(chunk: 100, overlap: 30)); // 30 is not a multiple of the stride 4
        Assert.Contains("stride 4", e.Message);
        e = Assert.Throws<GlossaException>(() => new RecognitionOptions { Checkpoint = "x", ChunkFrames = 64, Overlap = 32 }.Validate());
        Assert.Contains("--overlap", e.Message);
    }
}
