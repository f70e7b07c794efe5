using Glossa.Common;
using Glossa.Corpora;
using SkiaSharp;

namespace Glossa.Tests.Corpora;

public class SignWorldTests
{
    static readonly SignWorldOptions Tiny = new SignWorldOptions { Glosses = 12, Signers = 3, MeanGlossesPerSentence = 4, Seed = 5 }.WithTrainSentences(6);

    static string Annotation(string outDir, string variant, string file) => Path.Combine(outDir, variant, "annotations", "manual", file);

    [Fact]
    public void Same_seed_writes_identical_files_and_the_corpus_passes_check()
    {
        using var fx = new CorpusFixture();
        string a = fx.Path("a"), b = fx.Path("b");
        var summary = SignWorld.Write(Tiny, a);
        SignWorld.Write(Tiny with { Parallelism = 1 }, b);
        Assert.Equal(File.ReadAllText(Annotation(a, SignWorld.MultisignerFolder, "train.corpus.csv")),
            File.ReadAllText(Annotation(b, SignWorld.MultisignerFolder, "train.corpus.csv")));

        var problems = new CorpusProblems();
        var corpus = CorpusLoader.Load(a, null, problems);
        Assert.Equal(CorpusFormat.Phoenix2014, corpus.Format);
        var report = CorpusChecker.Check(corpus, problems, new CorpusCheckOptions { Stride = 5 });
        Assert.True(report.Ok, string.Join("\n", report.Errors));
        Assert.Equal(summary.Frames, report.Splits.Values.Sum(s => s.Frames));
        Assert.Equal((6, 2, 2), (corpus.Split("train").Count, corpus.Split("dev").Count, corpus.Split("test").Count));

        var sample = corpus.Split("test")[1];
        var twin = CorpusLoader.Load(b, null, new CorpusProblems()).Split("test")[1];
        Assert.Equal(File.ReadAllBytes(sample.FramePaths[^3]), File.ReadAllBytes(twin.FramePaths[^3]));
        Assert.InRange(sample.FramePaths.Count, Tiny.MinFrames, Tiny.MaxFrames);
        using var codec = SKCodec.Create(sample.FramePaths[0]);
        Assert.Equal((210, 260), (codec.Info.Width, codec.Info.Height));
        Assert.Matches(@"^\d\d[A-Z][a-z]+_20\d\d_[A-Za-z]+_(heute|tagesschau)_test00001-0$", sample.Id);
    }

    [Fact]
    public void Signer_independent_split_keeps_dev_and_test_signers_out_of_train()
    {
        using var fx = new CorpusFixture();
        string outDir = fx.Path("si");
        SignWorld.Write(Tiny with { SignerIndependent = true, TrainSentences = 10 }, outDir);
        Assert.True(File.Exists(Annotation(outDir, SignWorld.SignerIndependentFolder, "dev.SI5.corpus.csv")));
        var corpus = CorpusLoader.Load(outDir, null, new CorpusProblems());
        var train = corpus.Split("train").Select(s => s.Signer).ToHashSet();
        var held = corpus.Split("dev").Concat(corpus.Split("test")).Select(s => s.Signer).ToHashSet();
        Assert.Equal(["Signer03"], held);
        Assert.DoesNotContain("Signer03", train);
        Assert.Equal(2, train.Count);
    }

    [Fact]
    public void Lexicon_is_distinct_and_has_minimal_pairs_including_reversed_paths()
    {
        var lexicon = SignLexicon.Make(new SignWorldOptions { Glosses = 300 });
        Assert.Equal(300, lexicon.Select(e => e.Name).Distinct().Count());
        var forms = lexicon.Select(e => e.Form with { Frames = 0 }).ToList();
        Assert.Equal(300, forms.Distinct().Count());
        var set = forms.ToHashSet();
        int reversed = forms.Count(f => f.Path != SignForm.PathKind.Tap && set.Contains(f with { Reversed = !f.Reversed }));
        int handshape = forms.Count(f => Enumerable.Range(0, SignPainter.HandshapeCount).Any(h => h != f.Handshape && set.Contains(f with { Handshape = h })));
        int location = forms.Count(f => Enumerable.Range(0, SignForm.Locations.Length).Any(l => l != f.Location && set.Contains(f with { Location = l })));
        Assert.True(reversed >= 4 && handshape >= 4 && location >= 4, $"minimal pairs: reversed {reversed}, handshape {handshape}, location {location}");
        Assert.Contains(forms, f => f.Hands == SignForm.HandsKind.One);
        Assert.Contains(forms, f => f.Hands == SignForm.HandsKind.Mirrored);
    }

    [Fact]
    public void Reversed_path_visits_the_same_places_backwards()
    {
        var form = new SignForm(1, 5, SignForm.PathKind.Arc, 3, 0, SignForm.HandsKind.One, false, 6);
        var back = form with { Reversed = true };
        foreach (double u in new[] { 0, 0.3, 1.0 })
        {
            var (x, y) = form.Offset(u);
            var (bx, by) = back.Offset(1 - u);
            Assert.Equal(x, bx, 9);
            Assert.Equal(y, by, 9);
        }
        Assert.NotEqual(form.Offset(0.2), back.Offset(0.2));
    }

    [Fact]
    public void Full_size_statistics_follow_phoenix_2014()
    {
        var (glosses, frames, splits) = SignWorld.Measure(new SignWorldOptions());
        Assert.Equal(5671, splits.Count(s => s == "train"));
        Assert.Equal(540, splits.Count(s => s == "dev"));
        Assert.Equal(629, splits.Count(s => s == "test"));
        Assert.InRange(glosses.Average(), 11.0, 12.0);
        Assert.Equal(28, glosses.Max());
        Assert.InRange(frames.Average(), 136, 148);
        Assert.Equal(27, frames.Min());
        Assert.InRange(frames.Max(), 280, 299);
        Assert.True(frames.Select((f, i) => f / (double)glosses[i]).Min() >= 5.4);
        Assert.InRange(frames.Sum(), 900_000, 1_030_000);
    }

    [Fact]
    public void Invalid_options_name_the_option()
    {
        var e = Assert.Throws<GlossaException>(() => SignWorld.Write(Tiny with { SignerIndependent = true, Signers = 1 }, "unused"));
        Assert.Contains("--signers", e.Message);
        e = Assert.Throws<GlossaException>(() => SignWorld.Write(Tiny with { MeanGlossesPerSentence = 40 }, "unused"));
        Assert.Contains("--glosses-per-sentence", e.Message);
    }
}
