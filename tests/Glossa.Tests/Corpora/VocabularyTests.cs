using Glossa.Common;
using Glossa.Corpora;

namespace Glossa.Tests.Corpora;

public class VocabularyTests
{
    static Sample S(params string[] glosses) => new("id", "train", "s", glosses, [], null, "f:1");

    [Fact]
    public void Built_from_train_with_blank_first_and_sorted_ordinally()
    {
        var v = Vocabulary.Build([S("REGEN", "__ON__", "IX"), S("IX", "ABEND")]);
        Assert.Equal([Vocabulary.BlankToken, "ABEND", "IX", "REGEN", "__ON__"], v.Tokens);
        Assert.Equal(5, v.Count);
        Assert.Equal(4, v.GlossCount);
        Assert.Equal(0, Vocabulary.Blank);
    }

    [Fact]
    public void Save_then_load_gives_identical_tokens_and_indices()
    {
        string dir = Directory.CreateTempSubdirectory("glossa-vocab-").FullName;
        try
        {
            var v = Vocabulary.Build([S("REGEN", "SONNE", "WIND-STARK", "苹果", "__OFF__")]);
            string path = Path.Combine(dir, "vocab.txt");
            v.Save(path);
            var back = Vocabulary.Load(path);
            Assert.Equal(v.Tokens, back.Tokens);
            foreach (var t in v.Tokens) Assert.Equal(v.IndexOf(t), back.IndexOf(t));
            back.Save(Path.Combine(dir, "again.txt"));
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(Path.Combine(dir, "again.txt")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Unknown_glosses_are_skipped_and_counted_at_encode_time()
    {
        var v = Vocabulary.Build([S("A", "B", "C")]);
        int[] ids = v.Encode(["A", "X", "C", "Y", "Y"], out int unknown);
        Assert.Equal([1, 3], ids);
        Assert.Equal(3, unknown);
        Assert.Equal(["A", "C"], v.Decode([0, 1, 0, 3, 0]));
        v.Encode(["A", "B"], out unknown);
        Assert.Equal(0, unknown);
    }

    [Fact]
    public void Loading_a_file_without_the_blank_names_the_file()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "A\nB\n");
            var e = Assert.Throws<GlossaException>(() => Vocabulary.Load(path));
            Assert.Contains($"{path}:1", e.Message);
        }
        finally { File.Delete(path); }
    }
}
