using Glossa.Corpora;
using Glossa.Training;

namespace Glossa.Tests.Training;

/// <summary>Training says what corpus check would warn of and training would otherwise pass over in silence.</summary>
public sealed class CorpusNotesTests
{
    static Sample Clip(string id, string split, params string[] glosses) =>
        new(id, split, "s1", glosses, ["f1.png"], null, $"m.csv:{id.Length + 1}");

    [Fact]
    public void An_unread_split_and_garbled_glosses_are_noted()
    {
        var corpus = new Corpus(CorpusFormat.Manifest, "/c", "m.csv", new Dictionary<string, IReadOnlyList<Sample>>
        {
            ["train"] = [Clip("a", "train", "A", "B"), Clip("cc", "train", "C", "\uFFFD\uFFFDD")],
            ["trian"] = [Clip("b", "trian", "B")],
            ["dev"] = [Clip("d", "dev", "A")],
            ["extra"] = [Clip("e", "extra", "A"), Clip("f", "extra", "B")],
        });
        var notes = TrainingJob.CorpusNotes(corpus, "dev").ToList();
        Assert.Equal(3, notes.Count);
        Assert.Equal("  note: split 'extra' (2 clips) is not train, dev or test, so training does not read it; 'glossa corpus check' says more", notes[0]);
        Assert.Contains("split 'trian' (1 clip) is not", notes[1]);
        Assert.Equal("  note: 1 clip has glosses with U+FFFD (annotation bytes that are not UTF-8; first: 'cc', m.csv:3), learnt as glosses of their own; 'glossa corpus check' names the lines", notes[2]);
        // A split named by --val-split is read; a clean corpus has nothing to note.
        Assert.Equal(2, TrainingJob.CorpusNotes(corpus, "extra").Count());
        var clean = new Corpus(CorpusFormat.Manifest, "/c", "m.csv", new Dictionary<string, IReadOnlyList<Sample>> { ["train"] = [Clip("a", "train", "A")], ["test"] = [Clip("t", "test", "A")] });
        Assert.Empty(TrainingJob.CorpusNotes(clean, "dev"));
    }
}
