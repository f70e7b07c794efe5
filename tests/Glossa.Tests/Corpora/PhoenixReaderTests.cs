using Glossa.Common;
using Glossa.Corpora;

namespace Glossa.Tests.Corpora;

public class PhoenixReaderTests
{
    static Dictionary<string, string[]> ThreeSplits() => new()
    {
        ["train"] =
        [
            "01April_2010_Thursday_heute_default-0|01April_2010_Thursday_heute_default-0/1/*.png|Signer04|__ON__ LIEB ZUSCHAUER  ABEND WINTER",
            "02April_2010_Friday_tagesschau_default-3|02April_2010_Friday_tagesschau_default-3/1/*.png|Signer01|REGEN  IX   NORD",
        ],
        ["dev"] = ["03April_2010_Saturday_heute_default-1|03April_2010_Saturday_heute_default-1/1/*.png|Signer05|ABEND REGEN"],
        ["test"] = ["04April_2010_Sunday_heute_default-2|04April_2010_Sunday_heute_default-2/1/*.png|Signer04|WINTER IX"],
    };

    [Fact]
    public void Multisigner_rows_become_samples_with_sorted_frames_and_whitespace_split_glosses()
    {
        using var fx = new CorpusFixture();
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", ThreeSplits(), frames: 12);
        var corpus = CorpusLoader.Load(variant);

        Assert.Equal(CorpusFormat.Phoenix2014, corpus.Format);
        Assert.Equal("phoenix-2014-multisigner", corpus.Name);
        var train = corpus.Split("train");
        Assert.Equal(2, train.Count);
        var s = train[0];
        Assert.Equal("01April_2010_Thursday_heute_default-0", s.Id);
        Assert.Equal("Signer04", s.Signer);
        Assert.Equal("train", s.Split);
        Assert.Equal(["__ON__", "LIEB", "ZUSCHAUER", "ABEND", "WINTER"], s.Glosses);
        Assert.Equal(["REGEN", "IX", "NORD"], train[1].Glosses);
        Assert.Equal(12, s.FrameCount);
        Assert.Null(s.VideoPath);
        // fn000010 and fn000011 follow fn000009
        Assert.EndsWith("fn000009-0.png", s.FramePaths[9]);
        Assert.EndsWith("fn000010-0.png", s.FramePaths[10]);
        Assert.All(s.FramePaths, p => Assert.True(Path.IsPathRooted(p) && File.Exists(p)));
        Assert.EndsWith("train.corpus.csv:2", s.Source);
        Assert.Single(corpus.Split("dev"));
        Assert.Single(corpus.Split("test"));
    }

    [Fact]
    public void A_latin1_annotation_file_is_one_finding_naming_the_file_and_the_fix_and_train_stops_on_the_same_line()
    {
        // A user's PHOENIX train.corpus.csv saved as Latin-1: corpus check printed a warning for the file and an error per sample.
        using var fx = new CorpusFixture();
        var rows = ThreeSplits();
        rows["train"] = [rows["train"][0] + " MÄDCHEN", rows["train"][1] + " GRÜN"];
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", rows, frames: 4);
        string file = Path.Combine(variant, "annotations", "manual", "train.corpus.csv");
        File.WriteAllBytes(file, System.Text.Encoding.Latin1.GetBytes(File.ReadAllText(file)));

        var problems = new CorpusProblems();
        var report = CorpusChecker.Check(CorpusLoader.Load(variant, null, problems), problems, new CorpusCheckOptions());
        var finding = Assert.Single(report.Errors.Concat(report.Warnings), p => p.Kind == CorpusProblemKind.InvalidEncoding);
        Assert.Contains(finding, report.Errors);
        Assert.Equal(file, finding.File);
        Assert.Contains("not UTF-8 (byte 0xC4 on line 2; 2 lines with such bytes)", finding.Message);
        Assert.Contains("re-save the file as UTF-8", finding.Message);
        // Training and evaluation read strictly: they stop on the same finding.
        Assert.Equal(finding.ToString(), Assert.Throws<GlossaException>(() => CorpusLoader.Load(variant)).Message);
        Assert.Equal(finding.ToString(), Assert.Throws<GlossaException>(() => CorpusLoader.LoadSplit(variant, null, "train")).Message);

        // Latin-1 outside the glosses (a signer name) is one warning for the file; the glosses read as they are.
        rows = ThreeSplits();
        rows["train"] = [rows["train"][0].Replace("Signer04", "SignerÖ"), rows["train"][1].Replace("Signer01", "SignerÜ")];
        variant = fx.WritePhoenix2014("phoenix-2014-multisigner", rows, frames: 4);
        File.WriteAllBytes(file, System.Text.Encoding.Latin1.GetBytes(File.ReadAllText(file)));
        problems = new CorpusProblems();
        report = CorpusChecker.Check(CorpusLoader.Load(variant, null, problems), problems, new CorpusCheckOptions());
        Assert.DoesNotContain(report.Errors, p => p.Kind == CorpusProblemKind.InvalidEncoding);
        var warning = Assert.Single(report.Warnings, p => p.Kind == CorpusProblemKind.InvalidEncoding);
        Assert.Contains("2 lines with such bytes, outside the glosses", warning.Message);
        Assert.Contains("re-save the file as UTF-8", warning.Message);
        Assert.Equal(2, CorpusLoader.Load(variant).Split("train").Count);
    }

    [Fact]
    public void One_split_is_read_without_the_faults_of_the_others()
    {
        using var fx = new CorpusFixture();
        var rows = ThreeSplits();
        rows["dev"] = [.. rows["dev"], "bad row without columns"];
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", rows, frames: 4, noFrames: "02April_2010_Friday_tagesschau_default-3");
        // The whole corpus stops at the first fault (train's missing frames)...
        Assert.Contains("02April_2010_Friday_tagesschau_default-3", Assert.Throws<GlossaException>(() => CorpusLoader.Load(variant)).Message);
        // ...one split needs only its own rows: test reads, dev names its bad line, a split that is not there names those that are.
        var test = CorpusLoader.LoadSplit(variant, null, "test");
        Assert.Equal(["04April_2010_Sunday_heute_default-2"], test.Split("test").Select(x => x.Id));
        Assert.False(test.HasSplit("train") || test.HasSplit("dev"));
        Assert.Contains("dev.corpus.csv:3", Assert.Throws<GlossaException>(() => CorpusLoader.LoadSplit(variant, null, "dev")).Message);
        Assert.Contains("has no split 'devel' (available: train, dev, test)", Assert.Throws<GlossaException>(() => CorpusLoader.LoadSplit(variant, null, "devel")).Message);
        // Annotations only: train's missing frames do not matter for scoring.
        Assert.Equal(2, CorpusLoader.LoadSplit(variant, null, "train", annotationsOnly: true).Split("train").Count);
    }

    [Fact]
    public void Unpadded_frame_numbers_are_sorted_numerically()
    {
        using var fx = new CorpusFixture();
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", new() { ["train"] = ["a|a/1/*.png|S1|X Y"] }, frames: 0);
        fx.WriteFrames("phoenix2014-release/phoenix-2014-multisigner/features/fullFrame-210x260px/train/a/1", 12, i => $"frame{i}.png");
        var corpus = CorpusLoader.Load(variant, null, new CorpusProblems());
        var names = corpus.Split("train")[0].FramePaths.Select(Path.GetFileName).ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"frame{i}.png"), names);
    }

    [Fact]
    public void Signer_independent_SI5_variant_is_read_when_given_its_folder()
    {
        using var fx = new CorpusFixture();
        fx.WritePhoenix2014("phoenix-2014-multisigner", ThreeSplits());
        string si5 = fx.WritePhoenix2014("phoenix-2014-signerindependent-SI5", new()
        {
            ["train"] = ["x-0|x-0/1/*.png|Signer01|A B"],
            ["dev"] = ["y-0|y-0/1/*.png|Signer05|B"],
            ["test"] = ["z-0|z-0/1/*.png|Signer05|A"],
        });
        var corpus = CorpusLoader.Load(si5);
        Assert.Equal(CorpusFormat.Phoenix2014, corpus.Format);
        Assert.Equal("phoenix-2014-signerindependent-SI5", corpus.Name);
        var train = Assert.Single(corpus.Split("train"));
        Assert.Equal("x-0", train.Id);
        Assert.EndsWith("train.SI5.corpus.csv:2", train.Source);
        Assert.Equal(CorpusFormat.Phoenix2014, CorpusLoader.Locate(Path.Combine(si5, "annotations", "manual", "dev.SI5.corpus.csv")).Format);
    }

    [Fact]
    public void Format_is_detected_from_release_root_variant_annotations_folder_and_annotation_file()
    {
        using var fx = new CorpusFixture();
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", ThreeSplits());
        string[] paths =
        [
            fx.Path("phoenix2014-release"),
            variant,
            Path.Combine(variant, "annotations"),
            Path.Combine(variant, "annotations", "manual"),
            Path.Combine(variant, "annotations", "manual", "dev.corpus.csv"),
        ];
        foreach (var p in paths)
        {
            var (format, location) = CorpusLoader.Locate(p);
            Assert.Equal(CorpusFormat.Phoenix2014, format);
            Assert.Equal(variant, location);
            Assert.Equal(2, CorpusLoader.Load(p).Split("train").Count);
        }
    }

    [Fact]
    public void Forcing_a_format_that_is_not_there_names_the_expected_layout()
    {
        using var fx = new CorpusFixture();
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", ThreeSplits());
        var e = Assert.Throws<GlossaException>(() => CorpusLoader.Load(variant, CorpusFormat.CslDaily));
        Assert.Contains("video_map.txt", e.Message);
        Assert.Contains(variant, e.Message);
        Assert.Equal(CorpusFormat.Phoenix2014, CorpusLoader.Load(variant, CorpusFormat.Phoenix2014).Format);
    }

    [Fact]
    public void Unknown_split_names_the_available_ones()
    {
        using var fx = new CorpusFixture();
        var corpus = CorpusLoader.Load(fx.WritePhoenix2014("phoenix-2014-multisigner", ThreeSplits()));
        var e = Assert.Throws<GlossaException>(() => corpus.Split("validation"));
        Assert.Contains("train, dev, test", e.Message);
    }

    [Fact]
    public void Strict_load_throws_the_first_problem_with_file_and_line()
    {
        using var fx = new CorpusFixture();
        var rows = ThreeSplits();
        rows["dev"] = ["ok-0|ok-0/1/*.png|Signer01|A", "broken|row"];
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", rows);
        var e = Assert.Throws<GlossaException>(() => CorpusLoader.Load(variant));
        Assert.Contains($"{Path.Combine(variant, "annotations", "manual", "dev.corpus.csv")}:3:", e.Message);
        Assert.Contains("expected 4", e.Message);
    }

    [Fact]
    public void A_header_naming_the_columns_in_another_order_is_read_by_name_and_another_header_reads_no_rows()
    {
        using var fx = new CorpusFixture();
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", ThreeSplits(), frames: 8);
        string dev = Path.Combine(variant, "annotations", "manual", "dev.corpus.csv");
        // A new user's file with the columns reordered: read by position it gave duplicate ids and signer names as glosses.
        File.WriteAllText(dev, "Signer|ID|Annotation|Folder\nSigner05|03April_2010_Saturday_heute_default-1|ABEND REGEN|03April_2010_Saturday_heute_default-1/1/*.png\n");
        var sample = Assert.Single(CorpusLoader.Load(variant).Split("dev"));
        Assert.Equal(("03April_2010_Saturday_heute_default-1", "Signer05"), (sample.Id, sample.Signer));
        Assert.Equal(["ABEND", "REGEN"], sample.Glosses);
        Assert.Equal(8, sample.FrameCount);
        // A header that does not name the columns: one error, and no row read as garbage.
        File.WriteAllText(dev, "name|video|speaker|orth\nSigner05|03April_2010_Saturday_heute_default-1|ABEND REGEN|x/1/*.png\nSigner05|03April|A|y/1/*.png\n");
        var problems = new CorpusProblems();
        var corpus = CorpusLoader.Load(variant, null, problems);
        Assert.Empty(corpus.Split("dev"));
        var error = Assert.Single(problems.Errors);
        Assert.Contains("expected the header 'id|folder|signer|annotation' but found 'name|video|speaker|orth', so its rows were not read", error.Message);
    }

    [Fact]
    public void Missing_split_file_is_an_error_naming_the_expected_file()
    {
        using var fx = new CorpusFixture();
        var rows = ThreeSplits();
        rows.Remove("test");
        string variant = fx.WritePhoenix2014("phoenix-2014-multisigner", rows);
        var e = Assert.Throws<GlossaException>(() => CorpusLoader.Load(variant));
        Assert.Contains("test.corpus.csv", e.Message);
    }

    static void WritePhoenixT(CorpusFixture fx, bool withOneLevel)
    {
        string root = "PHOENIX-2014-T-release-v3/PHOENIX-2014-T";
        string[] splits = ["train", "dev", "test"];
        foreach (var split in splits)
        {
            string name = $"11August_2010_Wednesday_tagesschau-{split}";
            fx.WriteText($"{root}/annotations/manual/PHOENIX-2014-T.{split}.corpus.csv",
                "name|video|start|end|speaker|orth|translation\n" +
                $"{name}|{name}/1/*.png|-1|-1|Signer08|DRUCK  TIEF KOMMEN|tiefer luftdruck bestimmt in den nächsten tagen unser wetter\n");
            string folder = withOneLevel ? $"{root}/features/fullFrame-210x260px/{split}/{name}/1" : $"{root}/features/fullFrame-210x260px/{split}/{name}";
            fx.WriteFrames(folder, 15, i => $"images{i + 1:D4}.png");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Phoenix2014T_frames_are_found_with_and_without_the_1_level(bool withOneLevel)
    {
        using var fx = new CorpusFixture();
        WritePhoenixT(fx, withOneLevel);
        foreach (var path in new[] { fx.Path("PHOENIX-2014-T-release-v3"), fx.Path("PHOENIX-2014-T-release-v3", "PHOENIX-2014-T") })
        {
            var corpus = CorpusLoader.Load(path);
            Assert.Equal(CorpusFormat.Phoenix2014T, corpus.Format);
            var s = Assert.Single(corpus.Split("dev"));
            Assert.Equal("Signer08", s.Signer);
            Assert.Equal(["DRUCK", "TIEF", "KOMMEN"], s.Glosses);
            Assert.Equal(15, s.FrameCount);
            Assert.EndsWith("images0001.png", s.FramePaths[0]);
            Assert.EndsWith("images0015.png", s.FramePaths[^1]);
        }
    }
}
