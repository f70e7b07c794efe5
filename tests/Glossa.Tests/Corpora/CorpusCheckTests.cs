using Glossa.Corpora;

namespace Glossa.Tests.Corpora;

public class CorpusCheckTests
{
    static Dictionary<string, string[]> Good() => new()
    {
        ["train"] = ["t0|t0/1/*.png|Signer01|__ON__ A B __OFF__", "t1|t1/1/*.png|Signer02|A  C"],
        ["dev"] = ["d0|d0/1/*.png|Signer01|A B"],
        ["test"] = ["e0|e0/1/*.png|Signer02|C A"],
    };

    static CorpusCheckReport Check(string path, int stride = 4)
    {
        var problems = new CorpusProblems();
        var corpus = CorpusLoader.Load(path, null, problems);
        return CorpusChecker.Check(corpus, problems, new CorpusCheckOptions { Stride = stride });
    }

    [Fact]
    public void A_clean_corpus_has_no_errors_and_correct_figures()
    {
        using var fx = new CorpusFixture();
        var r = Check(fx.WritePhoenix2014("phoenix-2014-multisigner", Good(), frames: 20));
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        Assert.Equal(5, r.VocabularySize); // __ON__ A B __OFF__ C
        var train = r.Splits["train"];
        Assert.Equal(2, train.Sentences);
        Assert.Equal(40, train.Frames);
        Assert.Equal(20, train.MaxFrames);
        Assert.Equal(3.0, train.MeanGlosses);
        Assert.Equal(2, train.Signers);
        Assert.Equal(0, r.Splits["dev"].OutOfVocabulary);
        Assert.Equal(0, r.Splits["dev"].UnseenSigners);
    }

    [Fact]
    public void Signers_of_dev_and_test_who_sign_nothing_in_train_are_counted()
    {
        using var fx = new CorpusFixture();
        var splits = Good();
        splits["dev"] = ["d0|d0/1/*.png|Signer03|A B", "d1|d1/1/*.png|Signer01|A C"];
        splits["test"] = ["e0|e0/1/*.png|Signer04|C A"];
        var r = Check(fx.WritePhoenix2014("phoenix-2014-multisigner", splits, frames: 20));
        Assert.Equal((2, 1), (r.Splits["dev"].Signers, r.Splits["dev"].UnseenSigners));
        Assert.Equal((1, 1), (r.Splits["test"].Signers, r.Splits["test"].UnseenSigners));
        Assert.Equal(0, r.Splits["train"].UnseenSigners);
        // "unknown" names no signer: a dev split without signer ids is not one of unseen signers.
        splits["dev"] = ["d0|d0/1/*.png|unknown|A B", "d1|d1/1/*.png||A C"];
        r = Check(fx.WritePhoenix2014("phoenix-2014-multisigner", splits, frames: 20));
        Assert.Equal((0, 0), (r.Splits["dev"].Signers, r.Splits["dev"].UnseenSigners));
    }

    static CorpusProblem SingleError(CorpusCheckReport r, CorpusProblemKind kind)
    {
        Assert.False(r.Ok);
        var e = Assert.Single(r.Errors);
        Assert.Equal(kind, e.Kind);
        return e;
    }

    [Fact]
    public void Missing_frames_are_reported_with_file_line_and_sample()
    {
        using var fx = new CorpusFixture();
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", Good(), 20, "d0");
        var e = SingleError(Check(v), CorpusProblemKind.MissingFrames);
        Assert.EndsWith("dev.corpus.csv", e.File);
        Assert.Equal(2, e.Line);
        Assert.Equal("d0", e.Sample);
        Assert.Equal("missing_frames", e.KindName);
    }

    [Fact]
    public void A_renamed_frame_folder_is_one_error_per_split_naming_what_is_there()
    {
        // A new user renamed features/fullFrame-210x260px after the size of their frames and got one
        // missing_frames error per row (84 alike) that never named the folder.
        using var fx = new CorpusFixture();
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", Good(), 20);
        Directory.Move(Path.Combine(v, "features", "fullFrame-210x260px"), Path.Combine(v, "features", "fullFrame-80x96px"));
        var r = Check(v);
        Assert.Equal(3, r.Errors.Count);
        foreach (var e in r.Errors)
        {
            Assert.Equal(CorpusProblemKind.MissingFrames, e.Kind);
            Assert.Null(e.Line);
            Assert.Contains("features/ holds fullFrame-80x96px", e.Message);
            Assert.Contains("features/fullFrame-210x260px/", e.Message);
        }
        Assert.Equal(["dev", "test", "train"], r.Errors.Select(e => Path.GetFileName(e.File)).Order());
    }

    [Fact]
    public void A_corrupt_png_is_reported_naming_the_frame_file()
    {
        using var fx = new CorpusFixture();
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", Good(), 20);
        string bad = Path.Combine(v, "features", "fullFrame-210x260px", "train", "t1", "1", "t1.avi_pid0_fn000007-0.png");
        File.WriteAllBytes(bad, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5, 6, 7]); // PNG signature, then garbage
        var e = SingleError(Check(v), CorpusProblemKind.UnreadableFrame);
        Assert.Equal(bad, e.File);
        Assert.Equal("t1", e.Sample);
        Assert.Equal("unreadable_frame", e.KindName);
    }

    [Fact]
    public void Damaged_pixel_data_behind_a_sound_header_is_found_only_when_pixels_are_decoded()
    {
        // A PNG whose header and IEND are intact but whose compressed pixels are scrambled passed the header check and
        // stopped training in its first epoch; --decode-frames decodes the pixels as training does.
        using var fx = new CorpusFixture();
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", Good(), 20);
        string bad = Path.Combine(v, "features", "fullFrame-210x260px", "train", "t1", "1", "t1.avi_pid0_fn000007-0.png");
        using (var bitmap = new SkiaSharp.SKBitmap(64, 48))
        {
            var random = new Random(3);
            for (int y = 0; y < 48; y++)
                for (int x = 0; x < 64; x++) bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 90);
            byte[] bytes = data.ToArray();
            int idat = bytes.AsSpan().IndexOf("IDAT"u8);
            for (int i = idat + 40; i < bytes.Length - 40; i++) bytes[i] ^= 0x5A; // the compressed data, not the chunk lengths or IEND
            File.WriteAllBytes(bad, bytes);
        }
        Assert.DoesNotContain(Check(v).Errors, e => e.Kind == CorpusProblemKind.UnreadableFrame);
        Assert.Throws<Glossa.Common.GlossaException>(() => Glossa.Frames.ImageDecoder.Decode(bad)); // what training meets

        var problems = new CorpusProblems();
        var corpus = CorpusLoader.Load(v, null, problems);
        var e = SingleError(CorpusChecker.Check(corpus, problems, new CorpusCheckOptions { DecodePixels = true }), CorpusProblemKind.UnreadableFrame);
        Assert.Equal((bad, "t1"), (e.File, e.Sample));
        Assert.Contains("pixels do not decode", e.Message);
    }

    [Fact]
    public void Rows_with_an_empty_signer_are_one_warning_per_split_naming_the_first()
    {
        var rows = Good();
        rows["train"] = ["t0|t0/1/*.png||__ON__ A B __OFF__", "t1|t1/1/*.png| |A  C"];
        using var fx = new CorpusFixture();
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", rows, 20);
        var report = Check(v);
        Assert.Empty(report.Errors);
        var w = Assert.Single(report.Warnings, x => x.Kind == CorpusProblemKind.MissingSigner);
        Assert.Equal(("missing_signer", 2), (w.KindName, w.Line));
        Assert.EndsWith("train.corpus.csv", w.File);
        Assert.Contains("split 'train': 2 rows with an empty signer", w.Message);
        Assert.Equal(0, report.Splits["train"].Signers);
        Assert.DoesNotContain(Check(fx.WritePhoenix2014("phoenix-2014-other", Good(), 20)).Warnings, x => x.Kind == CorpusProblemKind.MissingSigner);
    }

    [Fact]
    public void Frames_of_one_clip_in_two_sizes_are_a_warning_once_per_clip()
    {
        // A new user's re-extracted 200x200 frame in a clip of another size passed the check and training silently.
        using var fx = new CorpusFixture();
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", Good(), 20);
        string folder = Path.Combine(v, "features", "fullFrame-210x260px", "train", "t1", "1");
        foreach (int i in new[] { 7, 9 })
        {
            using var big = new SkiaSharp.SKBitmap(12, 10);
            using var data = big.Encode(SkiaSharp.SKEncodedImageFormat.Png, 90);
            File.WriteAllBytes(Path.Combine(folder, $"t1.avi_pid0_fn{i:D6}-0.png"), data.ToArray());
        }
        var report = Check(v);
        Assert.Empty(report.Errors);
        var w = Assert.Single(report.Warnings, x => x.Kind == CorpusProblemKind.MixedFrameSizes);
        Assert.Equal(("t1", "mixed_frame_sizes"), (w.Sample, w.KindName));
        Assert.EndsWith("fn000007-0.png", w.File);
        Assert.Contains("this frame is 12x10 but the clip's first is 8x8", w.Message);
    }

    [Fact]
    public void An_empty_annotation_is_reported()
    {
        using var fx = new CorpusFixture();
        var rows = Good();
        rows["test"] = ["e0|e0/1/*.png|Signer02|C A", "e1|e1/1/*.png|Signer02|   "];
        var e = SingleError(Check(fx.WritePhoenix2014("phoenix-2014-multisigner", rows, 20)), CorpusProblemKind.EmptyAnnotation);
        Assert.Equal(3, e.Line);
        Assert.Equal("e1", e.Sample);
    }

    [Fact]
    public void A_malformed_line_is_reported_and_the_other_rows_are_still_checked()
    {
        using var fx = new CorpusFixture();
        var rows = Good();
        rows["train"] = [.. rows["train"], "t2|t2/1/*.png|Signer01|A|B|extra"];
        var r = Check(fx.WritePhoenix2014("phoenix-2014-multisigner", rows, 20));
        var e = SingleError(r, CorpusProblemKind.MalformedLine);
        Assert.EndsWith("train.corpus.csv", e.File);
        Assert.Equal(4, e.Line);
        Assert.Contains("found 6", e.Message);
        Assert.Equal(2, r.Splits["train"].Sentences);
    }

    [Fact]
    public void A_duplicate_id_is_reported_with_both_locations()
    {
        using var fx = new CorpusFixture();
        var rows = Good();
        rows["train"] = [.. rows["train"], "t0|t0/1/*.png|Signer01|B"];
        var e = SingleError(Check(fx.WritePhoenix2014("phoenix-2014-multisigner", rows, 20)), CorpusProblemKind.DuplicateId);
        Assert.Equal(4, e.Line);
        Assert.Contains("train.corpus.csv:2", e.Message);
    }

    [Fact]
    public void A_clip_too_short_for_ctc_is_reported_counting_repeats()
    {
        using var fx = new CorpusFixture();
        var rows = Good();
        // 12 frames at stride 4 -> 3 steps. "A B C" needs 3 (fine); "A A B" needs 3 + 1 = 4 (infeasible).
        rows["train"] = ["t0|t0/1/*.png|Signer01|A B C"];
        rows["dev"] = ["d0|d0/1/*.png|Signer01|A B C", "d1|d1/1/*.png|Signer01|A A B"];
        var e = SingleError(Check(fx.WritePhoenix2014("phoenix-2014-multisigner", rows, 12)), CorpusProblemKind.CtcInfeasible);
        Assert.Equal("d1", e.Sample);
        Assert.Equal(3, e.Line);
        Assert.Contains("need at least 4", e.Message);
        Assert.Equal(4, CorpusChecker.MinimumOutputLength(["A", "A", "B"]));
        Assert.Equal(5, CorpusChecker.MinimumOutputLength(["A", "A", "A"]));
        Assert.True(CorpusChecker.IsCtcFeasible(16, ["A", "A", "B"], 4));
        Assert.False(CorpusChecker.IsCtcFeasible(15, ["A", "A", "B"], 4));
    }

    [Fact]
    public void Dev_glosses_outside_train_are_a_warning_not_an_error()
    {
        using var fx = new CorpusFixture();
        var rows = Good();
        rows["dev"] = ["d0|d0/1/*.png|Signer01|A NEU NEU ANDERS"];
        var r = Check(fx.WritePhoenix2014("phoenix-2014-multisigner", rows, 20));
        Assert.True(r.Ok);
        Assert.Equal(2, r.Splits["dev"].OutOfVocabulary);
        var w = Assert.Single(r.Warnings);
        Assert.Equal(CorpusProblemKind.OutOfVocabulary, w.Kind);
        Assert.Contains("3 occurrences", w.Message);
    }

    [Fact]
    public void All_problems_are_collected_at_once()
    {
        using var fx = new CorpusFixture();
        var rows = Good();
        rows["train"] = [.. rows["train"], "bad line", "t0|t0/1/*.png|Signer01|B", "t3|t3/1/*.png|Signer01|"];
        rows["dev"] = ["d0|d0/1/*.png|Signer01|A A A A A A"];
        string v = fx.WritePhoenix2014("phoenix-2014-multisigner", rows, 16, "e0");
        var r = Check(v);
        Assert.Equal(
            new[] { CorpusProblemKind.CtcInfeasible, CorpusProblemKind.MissingFrames, CorpusProblemKind.MalformedLine, CorpusProblemKind.DuplicateId, CorpusProblemKind.EmptyAnnotation },
            r.Errors.Select(e => e.Kind)); // sorted by file (dev, test, train) then line
    }
}
