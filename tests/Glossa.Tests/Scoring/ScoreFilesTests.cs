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
    public void Text_that_is_not_utf8_is_refused_naming_the_line_not_scored_as_replacement_characters()
    {
        // A new user's Latin-1 pair: MÄDCHEN GRÜN ÖL against MäDCHEN GRöN üL. Read leniently every umlaut became U+FFFD, so
        // three substitutions (sclite: S=3) scored as 0% WER.
        string stm = Path.Combine(dir, "l1.stm"), ctm = Path.Combine(dir, "l1.ctm");
        System.IO.File.WriteAllBytes(stm, [.. "u0 1 s 0.0 1 A\nu1 1 s1 0.0 1.79769e+308 M"u8, 0xC4, .. "DCHEN\n"u8]);
        System.IO.File.WriteAllBytes(ctm, [.. "u1 1 0.00 0.01 M"u8, 0xE4, .. "DCHEN\n"u8]);
        string error = Assert.Throws<GlossaException>(() => StmFile.Read(stm)).Message;
        Assert.Contains("l1.stm:2: the reference file is not UTF-8 (byte 0xC4)", error);
        Assert.Contains("iconv -f latin1 -t utf-8", error);
        Assert.Contains("l1.ctm:1: the hypothesis file is not UTF-8 (byte 0xE4)", Assert.Throws<GlossaException>(() => HypothesisSet.Read(ctm)).Message);
        // UTF-8, with or without a byte-order mark, reads as before.
        System.IO.File.WriteAllBytes(stm, [0xEF, 0xBB, 0xBF, .. "u1 1 s1 0.0 1 MÄDCHEN\n"u8]);
        Assert.Equal(["MÄDCHEN"], StmFile.Read(stm)[0].Words);
    }

    [Fact]
    public void Ids_and_speakers_follow_sclites_case_rule_and_ctm_takes_nists_optional_fields()
    {
        // sclite matches STM U1 with CTM u1 and prints one speaker row, sig01, for Sig01 and sig01 (checked with sclite 2.10).
        var refs = StmFile.Read(File("case.stm", "U1 1 Sig01 0.0 1.79769e+308 A B\nu2 1 sig01 0.0 1.79769e+308 C D\n"));
        var hyps = HypothesisSet.Read(File("case.ctm", "u1 1 0.00 0.01 A 0.9 lex\nu1 1 0.01 0.01 B NA\nU2 1 0.00 0.01 C\n"));
        hyps.CheckIds(refs);
        var report = WerScorer.Score(refs, hyps.Words, ScoreOptions.With(CleanupRules.Parse("none")) with { FillEmpty = false });
        Assert.Equal(new ErrorCounts(3, 0, 1, 0), report.Totals);
        var row = Assert.Single(report.PerSpeaker());
        Assert.Equal("sig01", row.Key);
        // Ids that differ only in ASCII case are one utterance, so a second line for it is a duplicate, as before.
        Assert.Contains("already appears on line 1", Assert.Throws<GlossaException>(() => StmFile.Read(File("dup.stm", "U1 1 s 0 1 A\nu1 1 s 0 1 B\n"))).Message);
        Assert.Contains("reappears after other ids", Assert.Throws<GlossaException>(() => HypothesisSet.Read(File("split.ctm", "U1 1 0 0.01 A\nu2 1 0 0.01 B\nu1 1 0.01 0.01 C\n"))).Message);
    }

    [Fact]
    public void Printed_words_change_case_on_ascii_letters_only_as_sclite_prints_them()
    {
        // A new user's trial: MÄDCHEN against MäDCHEN (one substitution, as sclite counts) was printed MÄDCHEN -> MÄDCHEN.
        var refs = new List<Utterance> { new("u1", "s", ["MÄDCHEN", "Ärztin", "öL"]) };
        var hyps = new Dictionary<string, IReadOnlyList<string>> { ["u1"] = ["MäDCHEN", "ÄRZTIN", "ÖL"] };
        var report = WerScorer.Score(refs, hyps, new ScoreOptions { KeepAlignments = true });
        Assert.Equal(new ErrorCounts(1, 2, 0, 0), report.Totals);
        var sub = report.TopErrors(EditOp.Substitution);
        Assert.Contains(sub, c => c.Reference == "MÄDCHEN" && c.Hypothesis == "MäDCHEN");
        var pra = new StringWriter();
        report.WritePra(pra);
        Assert.Contains("Ärztin", pra.ToString());   // correct: lower case on ASCII letters only, as sclite prints it
        Assert.DoesNotContain("ärztin", pra.ToString());
        Assert.Contains("MäDCHEN", pra.ToString());
        // NIST's optional CTM fields: sclite reads no confidence, so any value passes (inf, abc).
        var ctm = HypothesisSet.Read(File("conf.ctm", "u1 1 0.00 0.01 MäDCHEN inf\nu1 1 0.01 0.01 ÄRZTIN abc x y\n"));
        Assert.Equal(["MäDCHEN", "ÄRZTIN"], ctm.Words["u1"]);
        // A UTF-16 file is named as one, with its iconv command.
        string utf16 = Path.Combine(dir, "u16.stm");
        System.IO.File.WriteAllText(utf16, "u1 1 s 0 1 A\n", System.Text.Encoding.Unicode);
        Assert.Contains("is UTF-16 (its byte-order mark); Glossa reads UTF-8 text: convert it, e.g. iconv -f utf-16 -t utf-8",
            Assert.Throws<GlossaException>(() => StmFile.Read(utf16)).Message);
    }

    [Fact]
    public void Readers_given_a_folder_say_it_is_a_folder_and_name_the_file_they_expect()
    {
        // A new user passed the folder of an evaluation (holding dev.stm) to StmFile.Read and was told "not found".
        string stm = File("dev.stm", "u1 1 s1 0.0 1.79769e+308 A\n");
        File("hyp.ctm", "u1 1 0.00 0.04 A\n");
        File("vocab.txt", "<blank>\nA\n");
        File("lm.arpa", "\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0 A\n\n\\end\\\n");
        File("glossa-manifest.csv", "id|split|path|signer|glosses\n");
        var readers = new (string Names, Action<string> Read)[]
        {
            ("dev.stm", p => StmFile.Read(p)),
            ("hyp.ctm", p => CtmFile.Read(p)),
            ("hyp.ctm", p => HypothesisSet.Read(p)),
            ("vocab.txt", p => Glossa.Corpora.Vocabulary.Load(p)),
            ("lm.arpa", p => Glossa.Decoding.ArpaLanguageModel.Load(p)),
            ("glossa-manifest.csv", p => Glossa.Corpora.ManifestReader.Read(p, new Glossa.Corpora.CorpusProblems())),
        };
        foreach (var (names, read) in readers)
        {
            var e = Assert.Throws<GlossaException>(() => read(dir));
            Assert.StartsWith($"{dir}: is a folder", e.Message);
            Assert.Contains(Path.Combine(dir, names), e.Message);
            Assert.DoesNotContain("not found", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        string empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        Assert.Contains("give the .stm file itself", Assert.Throws<GlossaException>(() => StmFile.Read(empty)).Message);
        Assert.EndsWith("reference file not found", Assert.Throws<GlossaException>(() => StmFile.Read(stm + ".missing")).Message);
    }

    [Fact]
    public void Printed_scores_show_words_and_counts_not_type_names()
    {
        var references = new List<Utterance> { new("u1", "s1", ["SONNE", "REGEN", "WIND"]), new("u2", "s2", ["NEBEL"]) };
        var hypotheses = new Dictionary<string, IReadOnlyList<string>> { ["u1"] = ["SONNE", "SCHNEE"], ["u2"] = ["NEBEL"] };
        var report = WerScorer.Score(references, hypotheses, CleanupRules.None);
        Assert.Equal("u1 (s1): SONNE REGEN WIND", references[0].ToString());
        Assert.Equal("WER 50.00% (C=2, S=1, D=1, I=0, N=4)", report.Totals.ToString());
        Assert.Equal(report.OneLine(), report.ToString());
        Assert.Equal("u1 (s1): WER 66.67% (C=1, S=1, D=1, I=0, N=3); REF: SONNE REGEN WIND; HYP: SONNE SCHNEE", report.Utterances[0].ToString());
        var evaluation = new Glossa.Training.EvaluationResult { Split = "dev", Corpus = "c", Wer = 50, Substitutions = 1, Deletions = 1, ReferenceWords = 4, Utterances = 2, Decoder = "greedy", Engine = "torch" };
        Assert.Equal("dev of c: WER 50.00% (S=1, D=1, I=0, N=4), 2 utterances, greedy, torch", evaluation.ToString());
        Assert.Equal("ids 3 5 (score -1.25, acoustic -2)", new Glossa.Decoding.Hypothesis([3, 5], -1.25, -2).ToString());
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
