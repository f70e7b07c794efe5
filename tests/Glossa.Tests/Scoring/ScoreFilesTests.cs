using Glossa.Common;
using Glossa.Scoring;

namespace Glossa.Tests.Scoring;

/// <summary>STM/CTM/text readers and writers, and their errors (each names the file and line).</summary>
public sealed class ScoreFilesTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("glossa-score-files-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string File(string name, string text)
    {
        string path = Path.Combine(dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void StmRoundTripsAndSkipsCommentsAndLabels()
    {
        var path = File("a.stm", ";; comment\nu1 1 s1 0.0 1.79769e+308 <o,f0,male> A B\nu2 1 s2 0.0 1.79769e+308\n");
        var refs = StmFile.Read(path);
        Assert.Equal(["A", "B"], refs[0].Words);
        Assert.Equal("s1", refs[0].Speaker);
        Assert.Empty(refs[1].Words);
        Assert.EndsWith("a.stm:2", refs[0].Source);
        var w = new StringWriter();
        StmFile.Write(w, refs);
        Assert.Equal("u1 1 s1 0.0 1.79769e+308 A B\nu2 1 s2 0.0 1.79769e+308\n", w.ToString());
    }

    [Fact]
    public void StmErrorsNameTheLine()
    {
        Assert.Contains("b.stm:2", Assert.Throws<GlossaException>(() => StmFile.Read(File("b.stm", "u1 1 s 0 1 A\nu2 1 s\n"))).Message);
        var dup = Assert.Throws<GlossaException>(() => StmFile.Read(File("c.stm", "u1 1 s 0 1 A\nu1 1 s 0 1 B\n"))).Message;
        Assert.Contains("c.stm:2", dup);
        Assert.Contains("line 1", dup);
    }

    [Fact]
    public void CtmWriterUsesPeersTimingReferenceOrderAndEmptyFill()
    {
        var refs = new List<Utterance> { new("b", "s", ["X"]), new("a", "s", ["Y"]) };
        var hyps = new Dictionary<string, IReadOnlyList<string>> { ["a"] = ["P", "Q"] };
        var w = new StringWriter();
        CtmFile.Write(w, refs, hyps);
        Assert.Equal("b 1 0.000 0.030 [EMPTY]\na 1 0.000 0.010 P\na 1 0.010 0.020 Q\n", w.ToString());
    }

    [Fact]
    public void CtmReaderSortsByStartAndReportsBadLines()
    {
        var set = CtmFile.Read(File("h.ctm", "u1 1 0.02 0.03 C\nu1 1 0.00 0.01 A\nu1 1 0.01 0.02 B 0.9\nu2 1 0 0.03 [EMPTY]\n"));
        Assert.Equal(["A", "B", "C"], set.Words["u1"]);
        Assert.Equal(4, set.LineOf("u2"));
        Assert.Contains("bad.ctm:2", Assert.Throws<GlossaException>(() => CtmFile.Read(File("bad.ctm", "u1 1 0 0.1 A\nu1 1 0.1 0.2\n"))).Message);
        Assert.Contains("split.ctm:3", Assert.Throws<GlossaException>(() => CtmFile.Read(File("split.ctm", "u1 1 0 0.1 A\nu2 1 0 0.1 B\nu1 1 0.1 0.2 C\n"))).Message);
    }

    [Fact]
    public void TextHypothesesDetectDuplicatesAndUnknownIds()
    {
        var set = HypothesisSet.Read(File("h.txt", "u1 A B\nu2\n"));
        Assert.Empty(set.Words["u2"]);
        Assert.Contains("d.txt:3", Assert.Throws<GlossaException>(() => HypothesisSet.Read(File("d.txt", "u1 A\nu2 B\nu1 C\n"))).Message);
        var unknown = HypothesisSet.Read(File("u.txt", "u1 A\nzz B\n"));
        var e = Assert.Throws<GlossaException>(() => unknown.CheckIds([new Utterance("u1", "s", ["A"])]));
        Assert.Contains("u.txt:2", e.Message);
        Assert.Contains("'zz'", e.Message);
    }

    [Fact]
    public void ScorerIsCaseInsensitiveAndReportsConfusions()
    {
        var refs = new List<Utterance> { new("u1", "s1", ["REGEN", "WIND", "SONNE"]), new("u2", "s2", ["REGEN", "WIND"]) };
        var hyps = new Dictionary<string, IReadOnlyList<string>> { ["u1"] = ["regen", "SCHNEE", "SONNE", "NEBEL"], ["u2"] = ["REGEN", "SCHNEE"] };
        var report = WerScorer.Score(refs, hyps, CleanupRules.None);
        Assert.Equal(new ErrorCounts(3, 2, 0, 1), report.Totals);
        Assert.Equal(60.0, report.WerPercent, 6);
        Assert.Equal(new Confusion("WIND", "SCHNEE", 2), report.TopErrors(EditOp.Substitution)[0]);
        Assert.Equal(new Confusion(null, "NEBEL", 1), report.TopErrors(EditOp.Insertion)[0]);
        var pra = new StringWriter();
        report.WritePra(pra);
        Assert.Contains("Scores: (#C #S #D #I) 2 1 0 1", pra.ToString());
        Assert.Contains("REF:  regen WIND   sonne ***", pra.ToString());
        var summary = new StringWriter();
        report.WriteSummary(summary);
        Assert.Contains("WIND -> SCHNEE", summary.ToString());
        Assert.Contains("most frequent deletions:" + Environment.NewLine + "  (none)", summary.ToString()); // no deletions: said, not an empty heading
        Assert.DoesNotContain("most frequent insertions:" + Environment.NewLine + "  (none)", summary.ToString());
        Assert.Throws<GlossaException>(() => WerScorer.Score(refs, new Dictionary<string, IReadOnlyList<string>> { ["u9"] = [] }, CleanupRules.None));
    }
}
