using Glossa.Common;
using Glossa.Corpora;
using Glossa.Tests.Frames;

namespace Glossa.Tests.Corpora;

public class ManifestReaderTests
{
    [Fact]
    public void Manifest_with_frame_folders_and_a_video_is_read_relative_to_its_folder()
    {
        using var fx = new CorpusFixture();
        fx.WriteFrames("my-corpus/clips/a", 10, i => $"{i}.png");
        fx.WriteFrames("my-corpus/clips/b", 8, i => $"img_{i:D3}.jpg");
        File.WriteAllBytes(fx.Path("my-corpus", "clips", "c.mp4"), [0, 0, 0, 0]);
        fx.WriteText("my-corpus/glossa-manifest.csv",
            "# my corpus\n" +
            "id|split|path|signer|glosses\n" +
            "a|train|clips/a|anna|HELLO  WORLD\n" +
            "\n" +
            "b|dev|clips/b||HELLO\n" +
            "c|train|clips/c.mp4|ben|WORLD HELLO\n");

        foreach (var path in new[] { fx.Path("my-corpus"), fx.Path("my-corpus", "glossa-manifest.csv") })
        {
            var corpus = CorpusLoader.Load(path);
            Assert.Equal(CorpusFormat.Manifest, corpus.Format);
            var train = corpus.Split("train");
            Assert.Equal(["a", "c"], train.Select(s => s.Id));
            Assert.Equal(["HELLO", "WORLD"], train[0].Glosses);
            Assert.Equal("anna", train[0].Signer);
            Assert.Equal(10, train[0].FrameCount);
            Assert.EndsWith("9.png", train[0].FramePaths[^1]);
            Assert.Equal(fx.Path("my-corpus", "clips", "c.mp4"), train[1].VideoPath);
            Assert.Empty(train[1].FramePaths);
            Assert.Equal(-1, train[1].FrameCount);
            var dev = Assert.Single(corpus.Split("dev"));
            Assert.Equal("unknown", dev.Signer);
            Assert.EndsWith("glossa-manifest.csv:5", dev.Source);
        }
        var problems = new CorpusProblems(strict: false);
        CorpusLoader.Load(fx.Path("my-corpus"), null, problems);
        var w = Assert.Single(problems.Warnings, x => x.Kind == CorpusProblemKind.MissingSigner); // said, not silent
        Assert.Equal((5, "split 'dev': 1 row with an empty signer"), (w.Line, w.Message[..39]));
    }

    [Fact]
    public void Glosses_that_are_not_utf8_are_an_error_naming_the_encodings_to_convert_from()
    {
        // Two GBK-encoded Chinese glosses (天气, 下雨) would both become U+FFFD strings and merge into one class.
        using var fx = new CorpusFixture();
        Directory.CreateDirectory(fx.Path("m", "a"));
        Directory.CreateDirectory(fx.Path("m", "b"));
        FrameTestData.WriteImage(fx.Path("m", "a", "0.png"), 8, 8, FrameTestData.Rgb(0, 8, 8));
        FrameTestData.WriteImage(fx.Path("m", "b", "0.png"), 8, 8, FrameTestData.Rgb(0, 8, 8));
        var text = new List<byte>(System.Text.Encoding.ASCII.GetBytes("id|split|path|signer|glosses\na|train|a|s|"));
        text.AddRange(new byte[] { 0xCC, 0xEC, 0xC6, 0xF8 });
        text.AddRange(System.Text.Encoding.ASCII.GetBytes("\nb|train|b|s|"));
        text.AddRange(new byte[] { 0xCF, 0xC2, 0xD3, 0xEA });
        text.AddRange(System.Text.Encoding.ASCII.GetBytes("\n"));
        File.WriteAllBytes(fx.Path("m", "glossa-manifest.csv"), [.. text]);

        var e = Assert.Throws<GlossaException>(() => CorpusLoader.Load(fx.Path("m")));
        Assert.Contains("glossa-manifest.csv:2", e.Message);
        Assert.Contains("iconv -f gb18030", e.Message);
        Assert.Contains("re-save the file as UTF-8", e.Message);
        var problems = new CorpusProblems();
        var report = CorpusChecker.Check(CorpusLoader.Load(fx.Path("m"), null, problems), problems, new CorpusCheckOptions());
        // One finding for the file (not a warning and an error per sample), naming the first sample.
        var finding = Assert.Single(report.Errors.Concat(report.Warnings), p => p.Kind == CorpusProblemKind.InvalidEncoding);
        Assert.Equal((2, "a"), (finding.Line, finding.Sample));
        Assert.Contains("2 lines with such bytes", finding.Message);
    }

    [Fact]
    public void Tab_separated_manifest_with_other_column_order_is_read()
    {
        using var fx = new CorpusFixture();
        fx.WriteFrames("m/x", 5, i => $"{i}.png");
        string file = fx.WriteText("m/list.tsv", "glosses\tpath\tid\tsplit\nA B\tx\tx1\ttrain\n");
        var corpus = CorpusLoader.Load(file);
        Assert.Equal(["A", "B"], Assert.Single(corpus.Split("train")).Glosses);
    }

    [Fact]
    public void A_manifest_without_dev_rows_is_warned_by_the_check_and_training_says_what_to_do()
    {
        // A new user's manifest with train and test rows only: 'OK: no errors', then training stopped on "has no split 'dev'".
        using var fx = new CorpusFixture();
        fx.WriteFrames("m/x", 5, i => $"{i}.png");
        string file = fx.WriteText("m/list.csv", "id|path|split|glosses\nx1|x|train|A B\nx2|x|test|B A\n");
        var problems = new CorpusProblems();
        var report = CorpusChecker.Check(CorpusLoader.Load(file, null, problems), problems);
        var warning = Assert.Single(report.Warnings, w => w.Kind == CorpusProblemKind.MissingSplit);
        Assert.Contains("no 'dev' split: glossa train validates on it", warning.Message);
        Assert.Contains("--val-split", warning.Message);
        var error = Assert.Throws<GlossaException>(() => Glossa.Training.TrainingJob.Resolve(new Glossa.Training.TrainingOptions
        {
            Model = "tiny-student", Corpus = file, OutputDir = fx.Path("run"),
        }));
        Assert.Contains("has no 'dev' split to validate on (available: train, test); add dev clips", error.Message);
    }

    [Fact]
    public void A_header_typo_names_the_missing_column()
    {
        using var fx = new CorpusFixture();
        fx.WriteFrames("m/x", 5, i => $"{i}.png");
        string file = fx.WriteText("m/list.csv", "# mine\nid|split|path|signer|gloss\nx1|train|x|s1|A B\n");
        var e = Assert.Throws<GlossaException>(() => CorpusLoader.Load(file));
        Assert.Equal($"{file}:2: the header 'id|split|path|signer|gloss' lacks the column 'glosses' (found 'gloss') of a Glossa manifest (e.g. 'id|split|path|signer|glosses'); fix the header, or pass the corpus folder", e.Message);
        string prose = fx.WriteText("m/notes.txt", "just some notes\n");
        Assert.Contains("neither a Glossa manifest", Assert.Throws<GlossaException>(() => CorpusLoader.Load(prose)).Message);
    }

    [Fact]
    public void A_missing_path_is_reported_with_file_and_line()
    {
        using var fx = new CorpusFixture();
        fx.WriteText("m/glossa-manifest.csv", "id|split|path|glosses\nq|train|nowhere|A\n");
        var e = Assert.Throws<GlossaException>(() => CorpusLoader.Load(fx.Path("m")));
        Assert.Contains("glossa-manifest.csv:2:", e.Message);
        Assert.Contains("nowhere", e.Message);
    }

    [Fact]
    public void Format_names_parse_leniently_and_unknown_names_fail_clearly()
    {
        Assert.Equal(CorpusFormat.Phoenix2014T, CorpusLoader.ParseFormat("PHOENIX-2014-T"));
        Assert.Equal(CorpusFormat.CslDaily, CorpusLoader.ParseFormat("csl-daily"));
        Assert.Equal(CorpusFormat.Phoenix2014, CorpusLoader.ParseFormat("phoenix2014"));
        Assert.Equal(CorpusFormat.Manifest, CorpusLoader.ParseFormat("manifest"));
        foreach (CorpusFormat f in Enum.GetValues<CorpusFormat>())
            Assert.Equal(f, CorpusLoader.ParseFormat(CorpusLoader.FormatName(f)));
        Assert.Contains("csl-daily", Assert.Throws<GlossaException>(() => CorpusLoader.ParseFormat("kinetics")).Message);
    }
}
