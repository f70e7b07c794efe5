using Glossa.Scoring;

namespace Glossa.Tests.Scoring;

/// <summary>
/// Glossa's scorer against the real sclite on generated reference/hypothesis pairs: the per-
/// utterance alignments (op by op) and the totals must be identical.
/// </summary>
public sealed class ScliteParityTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("glossa-sclite-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static readonly string[] Special = ["__ON__", "__OFF__", "IX", "__PU__", "__EMOTION__", "loc-REGION", "cl-KOMMEN", "WIE-AUSSEHEN", "A+B", "NORD", "SONNE", "REGEN-PLUSPLUS", "[EMPTY]"];

    /// <summary>Generates pairs with random edits, many ties, empty hypotheses, repeats, case changes and PHOENIX tokens.</summary>
    internal static (List<Utterance> Refs, Dictionary<string, IReadOnlyList<string>> Hyps) Generate(int count, int seed, int maxLength = 20)
    {
        var rng = new Random(seed);
        // A small vocabulary makes accidental matches, hence equal-cost paths, frequent.
        string[] vocab = Enumerable.Range(0, 12).Select(i => $"G{i}").Concat(Special).ToArray();
        string Word() => rng.Next(4) == 0 ? Special[rng.Next(Special.Length)] : vocab[rng.Next(12)];
        var refs = new List<Utterance>(count);
        var hyps = new Dictionary<string, IReadOnlyList<string>>();
        for (int u = 0; u < count; u++)
        {
            string id = $"utt{u:D5}_{(u % 3 == 0 ? "a-b" : "x")}";
            var r = Enumerable.Range(0, rng.Next(1, maxLength + 1)).Select(_ => Word()).ToList();
            if (rng.Next(10) == 0) r.Insert(rng.Next(r.Count), r[rng.Next(r.Count)]); // a repeated gloss
            refs.Add(new Utterance(id, $"signer{u % 7:D2}", r));
            int kind = rng.Next(20);
            if (kind == 0) continue;                                  // missing: [EMPTY] fill
            if (kind == 1) { hyps[id] = []; continue; }              // empty: [EMPTY] fill
            var h = new List<string>();
            foreach (string w in r)
            {
                int e = rng.Next(10);
                if (e == 0) continue;                                 // deletion
                if (e == 1) h.Add(Word());                            // substitution (or lucky match)
                else if (e == 2) { h.Add(w); h.Add(Word()); }         // insertion
                else if (e == 3) { h.Add(w); h.Add(w); }              // repeat
                else h.Add(rng.Next(15) == 0 ? w.ToLowerInvariant() : w); // case must not matter
            }
            if (rng.Next(8) == 0) h.Reverse();                        // scrambled: many ties
            hyps[id] = h;
        }
        return (refs, hyps);
    }

    (ScoreReport Ours, Sclite.Result Theirs) ScoreBoth(List<Utterance> refs, Dictionary<string, IReadOnlyList<string>> hyps)
    {
        string stm = Path.Combine(dir, "ref.stm"), ctm = Path.Combine(dir, "hyp.ctm");
        StmFile.Write(stm, refs);
        CtmFile.Write(ctm, refs, hyps);
        return (WerScorer.Score(refs, hyps, CleanupRules.None), Sclite.Run(stm, ctm));
    }

    static string Letters(UtteranceScore u) => string.Concat(u.Alignment.Select(c => c.Op switch
    {
        EditOp.Correct => 'C', EditOp.Substitution => 'S', EditOp.Deletion => 'D', _ => 'I',
    }));

    [ScliteFact]
    public void ThousandsOfRandomPairsMatchScliteAlignmentByAlignment()
    {
        var (refs, hyps) = Generate(1500, seed: 20140);
        var (ours, theirs) = ScoreBoth(refs, hyps);
        Assert.Equal(refs.Count, theirs.Ops.Count);
        int checkedUtterances = 0;
        foreach (var u in ours.Utterances)
        {
            // sclite prints ids lower-cased.
            Assert.True(theirs.Ops.TryGetValue(u.Id.ToLowerInvariant(), out string? expected), $"sclite has no utterance {u.Id}");
            Assert.True(expected == Letters(u), $"{u.Id}: sclite {expected}, glossa {Letters(u)}; ref [{string.Join(' ', u.Reference)}] hyp [{string.Join(' ', u.Hypothesis)}]");
            checkedUtterances++;
        }
        Assert.Equal(1500, checkedUtterances);
        Assert.Equal(theirs.Totals, ours.Totals);
        // The generator must really produce errors of every kind, or the test proves little.
        Assert.True(ours.Totals.Substitutions > 500 && ours.Totals.Deletions > 500 && ours.Totals.Insertions > 500, ours.OneLine());
    }

    [ScliteFact]
    public void TieHeavyShortPairsMatchSclite()
    {
        // Two-letter alphabet, short sequences: almost every cell has equal-cost alternatives.
        var rng = new Random(7);
        var refs = new List<Utterance>();
        var hyps = new Dictionary<string, IReadOnlyList<string>>();
        for (int u = 0; u < 600; u++)
        {
            string id = $"t{u:D4}";
            refs.Add(new Utterance(id, "s", Enumerable.Range(0, rng.Next(1, 7)).Select(_ => rng.Next(2) == 0 ? "A" : "B").ToList()));
            hyps[id] = Enumerable.Range(0, rng.Next(0, 7)).Select(_ => rng.Next(3) switch { 0 => "A", 1 => "B", _ => "c" }).ToList();
        }
        var (ours, theirs) = ScoreBoth(refs, hyps);
        foreach (var u in ours.Utterances)
            Assert.True(theirs.Ops[u.Id] == Letters(u), $"{u.Id}: sclite {theirs.Ops[u.Id]}, glossa {Letters(u)}; ref [{string.Join(' ', u.Reference)}] hyp [{string.Join(' ', u.Hypothesis)}]");
        Assert.Equal(theirs.Totals, ours.Totals);
    }

    [ScliteFact]
    public void NonAsciiGlossesMatchSclite()
    {
        // CSL-Daily glosses are Chinese; German umlauts and case pairs check that only ASCII folds.
        string[] vocab = ["你好", "我们", "明天", "天气", "下雨", "谢谢", "Äpfel", "äpfel", "ÉCOLE", "école", "Straße", "STRASSE", "straße"];
        var rng = new Random(99);
        var refs = new List<Utterance>();
        var hyps = new Dictionary<string, IReadOnlyList<string>>();
        for (int u = 0; u < 300; u++)
        {
            string id = $"zh{u:D4}";
            var r = Enumerable.Range(0, rng.Next(1, 10)).Select(_ => vocab[rng.Next(vocab.Length)]).ToList();
            refs.Add(new Utterance(id, "s", r));
            hyps[id] = r.Where(_ => rng.Next(10) > 0).Select(w => rng.Next(10) < 7 ? w : vocab[rng.Next(vocab.Length)]).ToList();
        }
        var (ours, theirs) = ScoreBoth(refs, hyps);
        foreach (var u in ours.Utterances)
            Assert.True(theirs.Ops[u.Id] == Letters(u), $"{u.Id}: sclite {theirs.Ops[u.Id]}, glossa {Letters(u)}");
        Assert.Equal(theirs.Totals, ours.Totals);
    }

    [ScliteFact]
    public void MissingHypothesisWithoutFillCountsAllDeletionsLikeSclite()
    {
        var refs = new List<Utterance> { new("u1", "s", ["A", "B", "C"]), new("u2", "s", ["D", "E"]) };
        var hyps = new Dictionary<string, IReadOnlyList<string>> { ["u2"] = ["D", "X"] };
        string stm = Path.Combine(dir, "ref.stm"), ctm = Path.Combine(dir, "hyp.ctm");
        StmFile.Write(stm, refs);
        CtmFile.Write(ctm, refs, hyps, fillEmpty: false);
        var theirs = Sclite.Run(stm, ctm);
        var ours = WerScorer.Score(refs, hyps, new ScoreOptions { FillEmpty = false });
        Assert.Equal(theirs.Totals, ours.Totals);
        Assert.Equal(new ErrorCounts(1, 1, 3, 0), ours.Totals);
        // With the official [EMPTY] fill the same utterance is 1 substitution + 2 deletions.
        Assert.Equal(new ErrorCounts(1, 2, 2, 0), WerScorer.Score(refs, hyps, CleanupRules.None).Totals);
    }

    [ScliteFact]
    public void IdsThatDifferInCaseAndNistsOptionalCtmFieldsScoreLikeSclite()
    {
        // sclite matches STM ids with CTM ids without ASCII case, and reads a CTM confidence of NA and a seventh field.
        string stm = Path.Combine(dir, "case.stm"), ctm = Path.Combine(dir, "case.ctm");
        File.WriteAllText(stm, "U1 1 Sig01 0.0 1.79769e+308 A B C\nu2 1 sig01 0.0 1.79769e+308 D E\nU3 1 SIG02 0.0 1.79769e+308 F\n");
        File.WriteAllText(ctm, "u1 1 0.00 0.01 A 0.9 lex\nu1 1 0.01 0.01 X NA\nU2 1 0.00 0.01 D\nU2 1 0.01 0.01 E\nu3 1 0.00 0.01 g\n");
        var theirs = Sclite.Run(stm, ctm);
        var refs = StmFile.Read(stm);
        var hyps = HypothesisSet.Read(ctm);
        hyps.CheckIds(refs);
        var ours = WerScorer.Score(refs, hyps.Words, new ScoreOptions { FillEmpty = false });
        Assert.Equal(theirs.Totals, ours.Totals);
        Assert.Equal(["sig01", "sig02"], ours.PerSpeaker().Select(p => p.Key));
    }
}
