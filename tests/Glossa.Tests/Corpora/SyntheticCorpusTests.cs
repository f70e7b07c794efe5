using Glossa.Common;
using Glossa.Corpora;
using SkiaSharp;

namespace Glossa.Tests.Corpora;

public class SyntheticCorpusTests
{
    static readonly SynthOptions Small = new()
    {
        TrainSentences = 4, DevSentences = 2, TestSentences = 2, Glosses = 6, Signers = 3, Seed = 7,
        MinGlossesPerSentence = 2, MaxGlossesPerSentence = 4, MinGlossFrames = 4, MaxGlossFrames = 6,
    };

    static string Annotation(string outDir, string split) =>
        Path.Combine(outDir, SyntheticCorpus.VariantFolder, "annotations", "manual", $"{split}.corpus.csv");

    static string Frame(string outDir, string split, string id, int n) =>
        Path.Combine(outDir, SyntheticCorpus.VariantFolder, "features", "fullFrame-210x260px", split, id, "1", $"{id}.avi_pid0_fn{n:D6}-0.png");

    [Fact]
    public void Same_seed_writes_identical_annotations_and_frames_and_another_seed_differs()
    {
        using var fx = new CorpusFixture();
        string a = fx.Path("a"), b = fx.Path("b"), c = fx.Path("c");
        SyntheticCorpus.Write(Small, a);
        SyntheticCorpus.Write(Small with { Parallelism = 1 }, b);
        SyntheticCorpus.Write(Small with { Seed = 8 }, c);
        foreach (var split in new[] { "train", "dev", "test" })
            Assert.Equal(File.ReadAllText(Annotation(a, split)), File.ReadAllText(Annotation(b, split)));
        foreach (var (split, id, n) in new[] { ("train", "synth_train_0000-0", 0), ("train", "synth_train_0003-0", 11), ("test", "synth_test_0001-0", 8) })
            Assert.Equal(File.ReadAllBytes(Frame(a, split, id, n)), File.ReadAllBytes(Frame(b, split, id, n)));
        Assert.NotEqual(File.ReadAllText(Annotation(a, "train")), File.ReadAllText(Annotation(c, "train")));
        Assert.NotEqual(File.ReadAllBytes(Frame(a, "train", "synth_train_0000-0", 5)), File.ReadAllBytes(Frame(c, "train", "synth_train_0000-0", 5)));
    }

    [Fact]
    public void Output_is_read_back_by_the_phoenix_reader_and_passes_corpus_check()
    {
        using var fx = new CorpusFixture();
        string outDir = fx.Path("synth");
        var summary = SyntheticCorpus.Write(Small, outDir);
        Assert.Equal(4, summary.Sentences["train"]);

        var problems = new CorpusProblems();
        var corpus = CorpusLoader.Load(outDir, null, problems);
        Assert.Equal(CorpusFormat.Phoenix2014, corpus.Format);
        var report = CorpusChecker.Check(corpus, problems, new CorpusCheckOptions { Stride = 4 });
        Assert.True(report.Ok, string.Join("\n", report.Errors));
        Assert.Empty(report.Warnings);
        Assert.Equal(8, report.VocabularySize); // 6 content glosses + __ON__ + __OFF__, all dealt into train
        Assert.Equal(summary.Frames, report.Splits.Values.Sum(s => s.Frames));

        var s = corpus.Split("train")[0];
        Assert.Equal("__ON__", s.Glosses[0]);
        Assert.Equal("__OFF__", s.Glosses[^1]);
        Assert.InRange(s.Glosses.Count, 2 + Small.MinGlossesPerSentence, 2 + Small.MaxGlossesPerSentence);
        Assert.StartsWith("Signer0", s.Signer);
        using var codec = SKCodec.Create(s.FramePaths[0]);
        Assert.Equal(210, codec.Info.Width);
        Assert.Equal(260, codec.Info.Height);
        string header = File.ReadLines(Annotation(outDir, "dev")).First();
        Assert.Equal("id|folder|signer|annotation", header);
    }

    [Fact]
    public void Glosses_differ_in_motion_but_single_frames_overlap()
    {
        var glosses = SynthMotion.MakeGlosses(new SynthOptions());
        Assert.Equal(32, glosses.Count);
        var starts = glosses.Values.Where(g => g.Name is not ("__ON__" or "__OFF__"))
            .Select(g => (Math.Round(g.Right.X0 / 20), Math.Round(g.Right.Y0 / 20))).ToList();
        Assert.True(starts.Distinct().Count() < starts.Count, "several glosses should start from the same place");
        var paths = glosses.Values.Select(g => (g.Right, g.Left)).ToList();
        Assert.Equal(paths.Count, paths.Distinct().Count());
    }

    [Fact]
    public void An_existing_folder_is_only_replaced_with_overwrite_and_only_if_synthetic()
    {
        using var fx = new CorpusFixture();
        string outDir = fx.Path("synth");
        SyntheticCorpus.Write(Small, outDir);
        var e = Assert.Throws<GlossaException>(() => SyntheticCorpus.Write(Small with { Seed = 9 }, outDir));
        Assert.Contains("--overwrite", e.Message);
        SyntheticCorpus.Write(Small with { Seed = 9 }, outDir, overwrite: true);
        Assert.Contains("\"seed\": 9", File.ReadAllText(Path.Combine(outDir, SyntheticCorpus.MarkerFile)));

        string foreign = fx.Path("my-data");
        fx.WriteText("my-data/precious.txt", "keep me");
        Assert.Throws<GlossaException>(() => SyntheticCorpus.Write(Small, foreign, overwrite: true));
        Assert.True(File.Exists(Path.Combine(foreign, "precious.txt")));
        Assert.Empty(Directory.EnumerateDirectories(fx.Root, ".*partial*"));
    }

    [Fact]
    public void Invalid_options_fail_before_writing_anything()
    {
        using var fx = new CorpusFixture();
        var e = Assert.Throws<GlossaException>(() => SyntheticCorpus.Write(Small with { Glosses = 1 }, fx.Path("x")));
        Assert.Contains("--glosses", e.Message);
        Assert.False(Directory.Exists(fx.Path("x")));
    }
}
