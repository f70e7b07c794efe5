using Glossa.Corpora;

namespace Glossa.Tests.Corpora;

public class CslDailyReaderTests
{
    static void WriteCsl(CorpusFixture fx)
    {
        fx.WriteText("CSL-Daily/sentence_label/video_map.txt",
            "index|name|length|gloss|char|word|postag\n" +
            "0|S000020_P0000_T00|6|他 今天 年龄 4|他 今 年 四 岁 。|他 今年 四 岁 。|r t m q w\n" +
            "1|S000021_P0003_T00|6|我  喜欢   吃 苹果|我 喜 欢 吃 苹 果 。|我 喜欢 吃 苹果 。|r v v n w\n" +
            "2|S000022_P0001_T01|5|你 好|你 好 。|你好 。|r w\n" +
            "3|S000023_P0002_T00|6|谢谢|谢 谢 。|谢谢 。|v w\n");
        fx.WriteText("CSL-Daily/sentence_label/split_1.txt",
            "Name|split\nS000020_P0000_T00|train\nS000021_P0003_T00|train\nS000022_P0001_T01|dev\nS000023_P0002_T00|test\n");
        foreach (var name in new[] { "S000020_P0000_T00", "S000021_P0003_T00", "S000022_P0001_T01", "S000023_P0002_T00" })
            fx.WriteFrames($"CSL-Daily/sentence/frames_512x512/{name}", 6, i => $"{i:D6}.jpg");
    }

    [Fact]
    public void Chinese_glosses_splits_signers_and_jpeg_frames_are_read()
    {
        using var fx = new CorpusFixture();
        WriteCsl(fx);
        var problems = new CorpusProblems();
        var corpus = CorpusLoader.Load(fx.Path("CSL-Daily"), null, problems);
        Assert.Equal(CorpusFormat.CslDaily, corpus.Format);
        Assert.Empty(problems.Errors);
        var train = corpus.Split("train");
        Assert.Equal(2, train.Count);
        Assert.Equal(["他", "今天", "年龄", "4"], train[0].Glosses);
        Assert.Equal(["我", "喜欢", "吃", "苹果"], train[1].Glosses); // double and triple spaces
        Assert.Equal("P0000", train[0].Signer);
        Assert.Equal("P0003", train[1].Signer);
        Assert.Equal(6, train[0].FrameCount);
        Assert.EndsWith("000005.jpg", train[0].FramePaths[^1]);
        Assert.Equal("S000022_P0001_T01", Assert.Single(corpus.Split("dev")).Id);
        Assert.Equal(["谢谢"], Assert.Single(corpus.Split("test")).Glosses);
        // Splits in the order every table shows them (sorted by name they came out dev, test, train).
        Assert.Equal(["train", "dev", "test"], corpus.Splits.Keys);
        // the declared length 5 of S000022 differs from its 6 frames: a warning, not an error
        Assert.Contains(problems.Warnings, w => w.Kind == CorpusProblemKind.LengthMismatch && w.Sample == "S000022_P0001_T01");

        var vocabulary = Vocabulary.Build(train);
        Assert.True(vocabulary.Contains("苹果"));
        string file = fx.Path("vocab.txt");
        vocabulary.Save(file);
        Assert.Contains("苹果", File.ReadAllText(file, System.Text.Encoding.UTF8));
        Assert.Equal(vocabulary.Tokens, Vocabulary.Load(file).Tokens);
    }

    [Fact]
    public void Detected_from_the_sentence_label_folder_and_from_a_parent()
    {
        using var fx = new CorpusFixture();
        WriteCsl(fx);
        Assert.Equal(CorpusFormat.CslDaily, CorpusLoader.Locate(fx.Path("CSL-Daily", "sentence_label")).Format);
        Assert.Equal(fx.Path("CSL-Daily"), CorpusLoader.Locate(fx.Root).Location);
    }
}
