using Glossa.Common;
using Glossa.Decoding;

namespace Glossa.Tests.Decoding;

public sealed class GreedyDecoderTests
{
    static float[] OneHotPath(int[] path, int classes)
    {
        // Peaked rows: the path's class gets 0.7, the others share the rest.
        var rows = path.Select(c => Enumerable.Range(0, classes).Select(k => k == c ? 0.7 : 0.3 / (classes - 1)).ToArray()).ToArray();
        return DecoderTestData.FromProbs(rows);
    }

    [Fact]
    public void MergesAdjacentRepeatsButKeepsRepeatsSeparatedByABlank()
    {
        // The CTC rule: "A A" is one A, "A _ A" is two.
        Assert.Equal([1], GreedyDecoder.Decode(OneHotPath([1, 1], 4), 2, 4));
        Assert.Equal([1, 1], GreedyDecoder.Decode(OneHotPath([1, 0, 1], 4), 3, 4));
        // argmax path 1 1 0 1 2 2 0 0 2 -> merge runs 1 0 1 2 0 2 -> drop blanks 1 1 2 2
        int[] path = [1, 1, 0, 1, 2, 2, 0, 0, 2];
        Assert.Equal([1, 1, 2, 2], GreedyDecoder.Decode(OneHotPath(path, 4), path.Length, 4));
    }

    [Fact]
    public void KeepsDistinctLabelsAndHandlesAllBlankAndEmptyInput()
    {
        int[] path = [0, 3, 3, 1, 0, 2, 1, 1, 0];
        Assert.Equal([3, 1, 2, 1], GreedyDecoder.Decode(OneHotPath(path, 4), path.Length, 4));
        Assert.Empty(GreedyDecoder.Decode(OneHotPath([0, 0, 0], 4), 3, 4));
        Assert.Empty(GreedyDecoder.Decode([], 0, 4));
    }

    [Fact]
    public void HonoursANonZeroBlank()
    {
        // Class 0 is an ordinary label here: 0 3 0 1 1 2 -> merge runs 0 3 0 1 2 -> drop blank 3 -> 0 0 1 2
        int[] path = [0, 3, 0, 1, 1, 2];
        Assert.Equal([0, 0, 1, 2], GreedyDecoder.Decode(OneHotPath(path, 4), path.Length, 4, blank: 3));
    }

    [Fact]
    public void ThePathKeepsSegmentsScoreAndBlankFrames()
    {
        int[] path = [0, 2, 2, 0, 2, 1];
        var p = GreedyDecoder.Path(OneHotPath(path, 4), path.Length, 4);
        Assert.Equal([(2, 1, 2), (2, 4, 4), (1, 5, 5)], p.Segments);
        Assert.Equal(2, p.BlankFrames);
        Assert.Equal(6 * Math.Log(0.7), p.Score, 4);
    }

    [Fact]
    public void AgreesWithPrefixBeamSearchOnPeakedPaths()
    {
        // With one dominant class per frame the most probable labelling is the best path's, so the
        // beam decoder and the greedy decoder must give the same labels, repeats across blanks included.
        int[][] paths = [[1, 0, 1], [2, 2, 0, 2, 2, 1], [0, 3, 0, 3, 3, 0, 3]];
        foreach (var path in paths)
        {
            var probs = path.Select(c => Enumerable.Range(0, 4).Select(k => k == c ? 0.97 : 0.01).ToArray()).ToArray();
            var lp = DecoderTestData.FromProbs(probs);
            var beam = new BeamSearchDecoder(new BeamSearchOptions { TopClasses = 4 }).Decode(lp, path.Length, 4)[0].Ids;
            Assert.Equal(GreedyDecoder.Decode(lp, path.Length, 4), beam);
        }
    }

    [Fact]
    public void BatchDecodingMatchesOneByOneWithLengths()
    {
        var rng = new Random(3);
        int b = 9, t = 12, c = 6;
        var all = DecoderTestData.RandomLogProbs(rng, b * t, c, 6);
        int[] lengths = Enumerable.Range(0, b).Select(i => 1 + i % t).ToArray();
        var batch = GreedyDecoder.DecodeBatch(all, lengths, t, c, threads: 2);
        for (int i = 0; i < b; i++)
            Assert.Equal(GreedyDecoder.Decode(all.AsSpan(i * t * c, lengths[i] * c), lengths[i], c), batch[i]);
    }

    [Fact]
    public void RejectsShapeMismatchAndNaN()
    {
        Assert.Throws<GlossaException>(() => GreedyDecoder.Decode(new float[10], 3, 4));
        var nan = new float[8];
        nan[5] = float.NaN;
        var e = Assert.Throws<GlossaException>(() => GreedyDecoder.Decode(nan, 2, 4));
        Assert.Contains("frame 1", e.Message);
    }
}
