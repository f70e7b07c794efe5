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
    public void CollapsesRepeatsDropsBlanksAndCollapsesAgain()
    {
        // argmax path 1 1 0 1 2 2 0 0 2 -> collapse 1 0 1 2 0 2 -> drop blank 1 1 2 2 -> collapse again 1 2
        int[] path = [1, 1, 0, 1, 2, 2, 0, 0, 2];
        Assert.Equal([1, 2], GreedyDecoder.Decode(OneHotPath(path, 4), path.Length, 4));
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
        // Class 0 is an ordinary label here: 0 3 0 1 -> drop blank 3 -> 0 0 1 -> collapse -> 0 1
        int[] path = [0, 3, 0, 1, 1, 2];
        Assert.Equal([0, 1, 2], GreedyDecoder.Decode(OneHotPath(path, 4), path.Length, 4, blank: 3));
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
