using Glossa.Common;
using Glossa.Decoding;

namespace Glossa.Tests.Decoding;

public sealed class BeamSearchDecoderTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("glossa-beam-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void FindsTheLabellingWhoseAlignmentsSumHighestWhereGreedyFails()
    {
        // Two frames, p(blank) = 0.6, p(A) = 0.4: the best path is blank blank (0.36, empty),
        // but "A" collects AA + A_ + _A = 0.16 + 0.24 + 0.24 = 0.64.
        var lp = DecoderTestData.FromProbs([[0.6, 0.4], [0.6, 0.4]]);
        Assert.Empty(GreedyDecoder.Decode(lp, 2, 2));
        var best = new BeamSearchDecoder(new BeamSearchOptions { NBest = 2 }).Decode(lp, 2, 2);
        Assert.Equal([1], best[0].Ids);
        Assert.Equal(Math.Log(0.64), best[0].Score, 5);
        Assert.Empty(best[1].Ids);
        Assert.Equal(Math.Log(0.36), best[1].Score, 5);
    }

    [Fact]
    public void EqualsExhaustiveSearchOnSmallRandomCases()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 40; trial++)
        {
            int frames = 2 + trial % 5, classes = 2 + trial % 3;
            var lp = DecoderTestData.RandomLogProbs(rng, frames, classes, sharpness: 1 + trial % 4);
            var exact = DecoderTestData.Exhaustive(lp, frames, classes);
            var ranked = exact.OrderByDescending(p => p.Value).ToList();
            var decoder = new BeamSearchDecoder(new BeamSearchOptions { BeamWidth = 4096, TopClasses = classes, NBest = 3, CollapseRepeats = false });
            var nbest = decoder.Decode(lp, frames, classes);
            for (int r = 0; r < Math.Min(3, ranked.Count); r++)
            {
                Assert.Equal(ranked[r].Value, nbest[r].Score, 4);
                Assert.Equal(ranked[r].Key, string.Join(',', nbest[r].Ids));
            }
        }
    }

    [Fact]
    public void BeamTenMatchesExhaustiveBestOnPeakedCases()
    {
        // Beam 10 is an approximation; on peaked posteriors (like a trained model's) it should
        // almost always find the exhaustive optimum, and its score can never exceed it.
        var rng = new Random(5);
        int found = 0;
        for (int trial = 0; trial < 30; trial++)
        {
            var lp = DecoderTestData.RandomLogProbs(rng, 7, 4, sharpness: 6);
            var exact = DecoderTestData.Exhaustive(lp, 7, 4);
            var best = exact.MaxBy(p => p.Value);
            var hyp = new BeamSearchDecoder(new BeamSearchOptions { CollapseRepeats = false }).Decode(lp, 7, 4)[0];
            Assert.True(hyp.Score <= best.Value + 1e-5);
            if (best.Key == string.Join(',', hyp.Ids)) found++;
        }
        Console.WriteLine($"beam 10 found the exhaustive optimum in {found}/30 cases");
        Assert.True(found >= 25, $"beam 10 found the exhaustive optimum in only {found}/30 cases");
    }

    [Fact]
    public void AgreesWithAPlainReferenceImplementationUnderPruning()
    {
        var rng = new Random(17);
        for (int trial = 0; trial < 40; trial++)
        {
            int frames = 5 + trial % 20, classes = 3 + trial % 9, width = 1 + trial % 10;
            var lp = DecoderTestData.RandomLogProbs(rng, frames, classes, sharpness: 3 + trial % 6);
            var expected = ReferencePrefixBeamSearch.Decode(lp, frames, classes, width);
            var actual = new BeamSearchDecoder(new BeamSearchOptions { BeamWidth = width, NBest = width, TopClasses = classes, CollapseRepeats = false }).Decode(lp, frames, classes);
            Assert.Equal(expected.Count, actual.Count);
            for (int r = 0; r < expected.Count; r++)
            {
                Assert.Equal(expected[r].Labels, string.Join(',', actual[r].Ids));
                Assert.Equal(expected[r].LogScore, actual[r].Score, 6);
            }
        }
    }

    [Fact]
    public void TopClassSelectionOverManyClassesMatchesAFullSort()
    {
        var rng = new Random(23);
        for (int trial = 0; trial < 12; trial++)
        {
            int frames = 30, classes = 200 + 50 * trial, top = 5 + 3 * trial, width = 3 + trial % 8;
            var lp = trial % 2 == 0
                ? Glossa.Decoding.SyntheticPosteriors.Generate(1, frames, classes, seed: trial)
                : DecoderTestData.RandomLogProbs(rng, frames, classes, sharpness: 2 + trial);
            var expected = ReferencePrefixBeamSearch.Decode(lp, frames, classes, width, top);
            var actual = new BeamSearchDecoder(new BeamSearchOptions { BeamWidth = width, NBest = width, TopClasses = top, CollapseRepeats = false }).Decode(lp, frames, classes);
            for (int r = 0; r < Math.Min(expected.Count, actual.Count); r++)
            {
                Assert.Equal(expected[r].Labels, string.Join(',', actual[r].Ids));
                Assert.Equal(expected[r].LogScore, actual[r].Score, 5);
            }
            Assert.Equal(expected.Count(e => double.IsFinite(e.LogScore)), actual.Count(a => double.IsFinite(a.Score)));
        }
    }

    [Fact]
    public void TopClassPruningDropsUnlikelyClasses()
    {
        // Class 2 is never in the top 2 of any frame, so with TopClasses = 2 it cannot appear.
        var lp = DecoderTestData.FromProbs([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.35, 0.45, 0.2]]);
        var pruned = new BeamSearchDecoder(new BeamSearchOptions { TopClasses = 2, NBest = 10 }).Decode(lp, 3, 3);
        Assert.DoesNotContain(pruned, h => h.Ids.Contains(2));
        var full = new BeamSearchDecoder(new BeamSearchOptions { TopClasses = 3, NBest = 10 }).Decode(lp, 3, 3);
        Assert.Contains(full, h => h.Ids.Contains(2));
    }

    string WriteArpa()
    {
        // Unigram-heavy LM: B is far more likely than A after <s>.
        string path = Path.Combine(dir, "lm.arpa");
        File.WriteAllText(path, """
            \data\
            ngram 1=5
            ngram 2=3

            \1-grams:
            -99 <s> -0.5
            -1.0 </s>
            -2.0 A -0.3
            -0.3 B -0.2
            -1.5 C

            \2-grams:
            -0.1 <s> B
            -3.0 <s> A
            -0.2 A C

            \end\
            """);
        return path;
    }

    [Fact]
    public void ArpaModelScoresWithBackOff()
    {
        var lm = ArpaLanguageModel.Load(WriteArpa());
        double ln10 = Math.Log(10);
        Assert.Equal(2, lm.Order);
        Assert.Equal(-0.1 * ln10, lm.Score(lm.StartState, lm.WordId("B"), out var afterB), 5);
        // "B C" has no bigram: back-off(B) + P(C) = -0.2 + -1.5
        Assert.Equal(-1.7 * ln10, lm.Score(afterB, lm.WordId("C"), out _), 5);
        Assert.Equal((-3.0 - 0.2 - 1.0) * ln10, lm.SentenceLogProb(["A", "C"]), 4);
    }

    [Fact]
    public void LanguageModelChangesTheResultWhenItShould()
    {
        // Acoustically A (0.5) beats B (0.4) in the single frame; the LM prefers B strongly.
        var lp = DecoderTestData.FromProbs([[0.1, 0.5, 0.4, 1e-6]]);
        string[] tokens = ["<blank>", "A", "B", "C"];
        var lm = ArpaLanguageModel.Load(WriteArpa());
        var plain = new BeamSearchDecoder(new BeamSearchOptions()).Decode(lp, 1, 4)[0];
        Assert.Equal([1], plain.Ids);
        var weak = new BeamSearchDecoder(new BeamSearchOptions { LanguageModel = lm, ClassTokens = tokens, LmWeight = 0.01 }).Decode(lp, 1, 4)[0];
        Assert.Equal([1], weak.Ids);
        var fused = new BeamSearchDecoder(new BeamSearchOptions { LanguageModel = lm, ClassTokens = tokens, LmWeight = 1.0 }).Decode(lp, 1, 4)[0];
        Assert.Equal([2], fused.Ids);
        Assert.Equal(Math.Log(0.4 / (0.1 + 0.5 + 0.4 + 1e-6)), fused.AcousticScore, 3);
        Assert.Equal(fused.AcousticScore + (-0.1 - 0.2 - 1.0) * Math.Log(10), fused.Score, 3);
    }

    [Fact]
    public void InsertionBonusFavoursLongerOutputs()
    {
        var lp = DecoderTestData.FromProbs([[0.55, 0.45], [0.55, 0.45], [0.55, 0.45]]);
        var none = new BeamSearchDecoder(new BeamSearchOptions { CollapseRepeats = false }).Decode(lp, 3, 2)[0];
        var bonus = new BeamSearchDecoder(new BeamSearchOptions { CollapseRepeats = false, InsertionBonus = 3 }).Decode(lp, 3, 2)[0];
        Assert.True(bonus.Ids.Length > none.Ids.Length, $"{none.Ids.Length} vs {bonus.Ids.Length}");
    }

    [Fact]
    public void BatchDecodingIsParallelAndEqualToSingleDecoding()
    {
        var rng = new Random(2);
        int b = 16, t = 20, c = 30;
        var all = DecoderTestData.RandomLogProbs(rng, b * t, c, 8);
        int[] lengths = Enumerable.Range(0, b).Select(i => t - i % 5).ToArray();
        var decoder = new BeamSearchDecoder(new BeamSearchOptions { Threads = 2, NBest = 3 });
        var batch = decoder.DecodeBatch(all, lengths, t, c);
        for (int i = 0; i < b; i++)
        {
            var single = decoder.Decode(all.AsSpan(i * t * c, lengths[i] * c), lengths[i], c);
            Assert.Equal(single.Count, batch[i].Count);
            for (int r = 0; r < single.Count; r++)
            {
                Assert.Equal(single[r].Ids, batch[i][r].Ids);
                Assert.Equal(single[r].Score, batch[i][r].Score, 9);
            }
            Assert.True(batch[i].Zip(batch[i].Skip(1)).All(p => p.First.Score >= p.Second.Score));
        }
    }

    [Fact]
    public void RejectsBadOptionsAndInput()
    {
        Assert.Throws<GlossaException>(() => new BeamSearchDecoder(new BeamSearchOptions { BeamWidth = 0 }));
        Assert.Throws<GlossaException>(() => new BeamSearchDecoder(new BeamSearchOptions { NBest = 11 }));
        Assert.Throws<GlossaException>(() => new BeamSearchDecoder(new BeamSearchOptions { LanguageModel = ArpaLanguageModel.Load(WriteArpa()) }));
        var decoder = new BeamSearchDecoder(new BeamSearchOptions());
        Assert.Throws<GlossaException>(() => decoder.Decode(new float[7], 2, 4));
        Assert.Throws<GlossaException>(() => decoder.Decode([float.NaN, 0, 0, 0], 1, 4));
        File.WriteAllText(Path.Combine(dir, "bad.arpa"), "\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\n\\end\\\n");
        var e = Assert.Throws<GlossaException>(() => ArpaLanguageModel.Load(Path.Combine(dir, "bad.arpa")));
        Assert.Contains("bad.arpa:5", e.Message);
    }
}
