using Glossa.Common;
using Glossa.Scoring;

namespace Glossa.Tests.Scoring;

/// <summary>One test per cleaning rule (docs/scoring.md lists them with these numbers).</summary>
public sealed class CleanupRulesTests
{
    static string Hyp(CleanupRules rules, string sentence) =>
        string.Join(' ', rules.CleanHypothesis(sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    static string Ref(CleanupRules rules, string sentence) =>
        string.Join(' ', rules.CleanReference(sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    static readonly CleanupRules P14 = CleanupRules.Phoenix2014, S14 = CleanupRules.Phoenix2014Sentence, T = CleanupRules.Phoenix2014T;

    [Fact] public void Rule1_DeletesPrefixSubstrings() => Assert.Equal("REGION KOMMEN FRAGE MEIN HAND", Hyp(P14, "loc-REGION cl-KOMMEN qu-FRAGE poss-MEIN lh-HAND"));

    [Fact] public void Rule2_FixesSonneAndHaben() => Assert.Equal("SONNE HABEN", Hyp(P14, "S0NNE HABEN2"));

    [Fact] public void Rule3_DeletesMarkerSubstrings() => Assert.Equal("REGEN WIND", Hyp(P14, "REGEN__EMOTION__ __PU__ WIND__LEFTHAND__"));

    [Fact] public void Rule4_ZeigenBecomesZeigenBildschirm() => Assert.Equal("ZEIGEN-BILDSCHIRM REGEN", Hyp(P14, "ZEIGEN REGEN"));

    [Fact]
    public void Rule4_WieAussehenJoinsOnlyInTheSentenceVariant()
    {
        Assert.Equal("WIE AUSSEHEN", Hyp(P14, "WIE AUSSEHEN"));
        Assert.Equal("WIE-AUSSEHEN", Hyp(S14, "WIE AUSSEHEN"));
        Assert.Equal("WIE-AUSSEHEN ZEIGEN-BILDSCHIRM", Ref(S14, "WIE AUSSEHEN ZEIGEN"));
    }

    [Fact]
    public void Rule5_JoinsFingerspellingOnlyInTheSentenceVariant()
    {
        Assert.Equal("A B C", Hyp(P14, "A B C"));
        Assert.Equal("A+B+C REGEN", Hyp(S14, "A B C REGEN"));
        Assert.Equal("SCH+X REGEN NN+Y", Hyp(S14, "SCH X REGEN NN Y"));
        Assert.Equal("X+NN", Hyp(S14, "X NN"));
        Assert.Equal("AB C", Hyp(S14, "AB C"));
    }

    [Fact] public void Rule6_RaumAfterTwoCapitalsIsRemoved() => Assert.Equal("NORD SUED XRAUM RAUM", Hyp(P14, "NORDRAUM SUEDRAUM XRAUM RAUM"));

    [Fact] public void Rule7_DeletesPlusPlus() => Assert.Equal("REGEN WIND", Hyp(P14, "REGEN-PLUSPLUS WIND-PLUSPLUS"));

    [Fact]
    public void Rule8_CollapsesRepeatsOnlyInTheSentenceVariant()
    {
        Assert.Equal("REGEN REGEN", Hyp(P14, "REGEN REGEN"));
        Assert.Equal("REGEN WIND", Hyp(S14, "REGEN REGEN WIND"));
        // Hyphenated words are left alone, as by the official perl expression.
        Assert.Equal("WIE-AUSSEHEN WIE-AUSSEHEN", Hyp(S14, "WIE-AUSSEHEN WIE-AUSSEHEN"));
    }

    [Fact] public void Rule9_DropsTokensWithEpenthesis() => Assert.Equal("REGEN", Hyp(P14, "__EPENTHESIS__ REGEN __EPENTHESIS__X"));

    [Fact]
    public void Rule10_EmptyResultScoresAsEmptyWord()
    {
        Assert.Empty(P14.CleanHypothesis(["__PU__", "__EMOTION__"]));
        var report = WerScorer.Score([new Utterance("u", "s", ["A", "B"])], new Dictionary<string, IReadOnlyList<string>> { ["u"] = ["__PU__"] }, P14);
        Assert.Equal(["[EMPTY]"], report.Utterances[0].Hypothesis);
        Assert.Equal(new ErrorCounts(0, 1, 1, 0), report.Totals);
    }

    [Fact]
    public void Phoenix2014KeepsOnOffAndIxAndLeavesTheReferenceAlone()
    {
        Assert.Equal("__ON__ IX __OFF__", Hyp(P14, "__ON__ IX __OFF__"));
        Assert.Equal("loc-REGION REGEN REGEN", Ref(P14, "loc-REGION REGEN REGEN"));
    }

    [Fact] public void Phoenix2014T_DropsEveryDoubleUnderscoreToken() => Assert.Equal("REGEN WIND", Hyp(T, "__ON__ REGEN __PU__ WIND __OFF__ __LEFTHAND__"));

    [Fact] public void Phoenix2014T_StripsLocAndClPrefixes() => Assert.Equal("REGION KOMMEN qu-FRAGE", Hyp(T, "loc-REGION cl-KOMMEN qu-FRAGE"));

    [Fact] public void Phoenix2014T_StripsPlusPlusAndRaum() => Assert.Equal("REGEN NORD X RAUM", Hyp(T, "REGEN-PLUSPLUS NORDRAUM XRAUM RAUM"));

    [Fact] public void Phoenix2014T_CollapsesConsecutiveDuplicates() => Assert.Equal("REGEN WIND REGEN", Hyp(T, "REGEN REGEN loc-REGEN WIND REGEN"));

    [Fact]
    public void Phoenix2014T_ReferenceAlsoGetsJoins()
    {
        Assert.Equal("WIE AUSSEHEN A B", Hyp(T, "WIE AUSSEHEN A B"));
        Assert.Equal("WIE-AUSSEHEN A+B", Ref(T, "WIE AUSSEHEN A B"));
    }

    [Fact]
    public void Phoenix2014T_CleansBothSidesWhenScoring()
    {
        var report = WerScorer.Score([new Utterance("u", "s", ["__ON__", "loc-REGEN", "WIND", "__OFF__"])],
            new Dictionary<string, IReadOnlyList<string>> { ["u"] = ["REGEN", "WIND"] }, T);
        Assert.Equal(new ErrorCounts(2, 0, 0, 0), report.Totals);
        Assert.Equal(new ErrorCounts(1, 1, 2, 0), WerScorer.Score([new Utterance("u", "s", ["__ON__", "loc-REGEN", "WIND", "__OFF__"])],
            new Dictionary<string, IReadOnlyList<string>> { ["u"] = ["REGEN", "WIND"] }, CleanupRules.None).Totals);
    }

    [Fact]
    public void NoneChangesNothing() => Assert.Equal("loc-X __ON__ X X", Hyp(CleanupRules.None, "loc-X __ON__ X X"));

    [Fact]
    public void ParsesNamesAndRejectsUnknownOnes()
    {
        Assert.Same(T, CleanupRules.Parse("PHOENIX2014T"));
        Assert.Same(S14, CleanupRules.Parse("phoenix2014-sentence"));
        Assert.Contains("phoenix2014t", Assert.Throws<GlossaException>(() => CleanupRules.Parse("phoenix")).Message);
    }
}
