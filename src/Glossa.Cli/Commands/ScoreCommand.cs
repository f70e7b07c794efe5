using System.CommandLine;
using System.Text;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Scoring;

namespace Glossa.Cli.Commands;

/// <summary>
/// <c>glossa score</c>: WER of a hypothesis file (CTM or "id gloss ..." lines) against an STM
/// reference, with the official cleaning rules and sclite's alignment.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var reference = new Option<string?>("--reference") { Description = "Reference STM file (id channel speaker start end glosses...). Or use --corpus and --split.", HelpName = "FILE" };
        var split = new Option<string>("--split") { Description = "With --corpus: the split whose annotations are the reference.", DefaultValueFactory = _ => "dev" };
        var hypothesis = new Option<string>("--hypothesis") { Description = "Hypothesis: a CTM file, or a text file of 'id gloss gloss ...' lines.", Required = true, HelpName = "FILE" };
        var cleanup = new Option<string>("--cleanup") { Description = "Cleaning rules: none, phoenix2014 (official, per gloss, hypothesis only), phoenix2014-sentence (whole sentences, both sides), phoenix2014t. Default: the corpus format's official rules with --corpus, none with an STM.", HelpName = "RULES" };
        var json = new Option<bool>("--json") { Description = "Print a JSON object instead of text." };
        var pra = new Option<string?>("--pra") { Description = "Write per-utterance alignments (sclite pra style) to this file." };
        var summary = new Option<string?>("--summary") { Description = "Write a summary (totals, per speaker, most frequent errors) to this file." };
        var noFill = new Option<bool>("--no-empty-fill") { Description = "Do not give empty hypotheses the [EMPTY] word (then all their reference words are deletions)." };
        var stmOut = new Option<string?>("--stm-out") { Description = "Also write the reference as an STM file (sclite's -r input)." };
        var ctmOut = new Option<string?>("--ctm-out") { Description = "Also write the hypothesis as a CTM in reference order, [EMPTY]-filled, uncleaned (the official script's input)." };
        var top = new Option<int>("--top") { Description = "Most frequent confusions to list.", DefaultValueFactory = _ => 10 };
        var command = new Command("score", "Word error rate exactly as NIST sclite computes it, with the official PHOENIX cleaning rules.");
        foreach (var o in new Option[] { reference, hypothesis, cleanup, json, pra, summary, noFill, stmOut, ctmOut, top }) command.Options.Add(o);
        command.Options.Add(split);
        CorpusOptions.AddTo(command);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            if (parse.GetValue(top) < 0)
                throw new GlossaException($"--top must be 0 or more (got {parse.GetValue(top)}); it is how many of the most frequent confusions to list");
            var (refs, format) = ReadReference(parse, reference, split);
            var rules = CleanupRules.Parse(parse.GetValue(cleanup) ?? DefaultCleanup(format));
            var hyps = HypothesisSet.Read(parse.GetValue(hypothesis)!);
            hyps.CheckIds(refs);
            // A corpus's raw annotations become the reference the official ground truth holds (an STM is used as it is).
            if (format is not null) refs = refs.Select(rules.GroundTruth).ToList();
            var report = WerScorer.Score(refs, hyps.Words, new ScoreOptions { Cleanup = rules, FillEmpty = !parse.GetValue(noFill) });
            int missing = refs.Count(r => !hyps.Words.ContainsKey(r.Id));
            // Scored as the lone word [EMPTY]: missing from the file, empty or emptied by the cleanup, or already written as
            // [EMPTY] (evaluate's CTM fills them so). A new user's file with one [EMPTY] line read "0 of 30 ... no hypothesis".
            int empty = report.Utterances.Count(u => u.Hypothesis.Count == 1 && string.Equals(u.Hypothesis[0], WerScorer.EmptyWord, StringComparison.OrdinalIgnoreCase)
                                                 || u.Hypothesis.Count == 0);
            if (parse.GetValue(stmOut) is { } stmPath) StmFile.Write(stmPath, refs);
            if (parse.GetValue(ctmOut) is { } ctmPath) CtmFile.Write(ctmPath, refs, hyps.Words, fillEmpty: !parse.GetValue(noFill));
            if (parse.GetValue(pra) is { } praPath) Write(praPath, report.WritePra);
            if (parse.GetValue(summary) is { } summaryPath) Write(summaryPath, w => report.WriteSummary(w));
            int n = parse.GetValue(top);
            var t = report.Totals;
            if (parse.GetValue(json))
            {
                CliRunner.PrintJson(new
                {
                    Wer = Math.Round(report.WerPercent, 4),
                    Substitutions = t.Substitutions,
                    Deletions = t.Deletions,
                    Insertions = t.Insertions,
                    Correct = t.Correct,
                    ReferenceWords = t.ReferenceWords,
                    HypothesisWords = t.HypothesisWords,
                    Utterances = report.Utterances.Count,
                    MissingHypotheses = missing,
                    EmptyHypotheses = empty,
                    Cleanup = rules.Name,
                    EmptyFill = !parse.GetValue(noFill),
                    TopSubstitutions = report.TopErrors(EditOp.Substitution, n).Select(c => new { c.Reference, c.Hypothesis, c.Count }),
                    TopDeletions = report.TopErrors(EditOp.Deletion, n).Select(c => new { Word = c.Reference, c.Count }),
                    TopInsertions = report.TopErrors(EditOp.Insertion, n).Select(c => new { Word = c.Hypothesis, c.Count }),
                    // sclite's per-speaker rows (speakers in lower case, as it names them), in order of first appearance.
                    Speakers = report.PerSpeaker().Select(p => new
                    {
                        Speaker = p.Key,
                        Utterances = report.Utterances.Count(u => AsciiCase.Lower(u.Speaker) == p.Key),
                        Wer = Math.Round(p.Value.WerPercent, 4),
                        p.Value.Substitutions, p.Value.Deletions, p.Value.Insertions, p.Value.Correct, p.Value.ReferenceWords,
                    }),
                });
            }
            else
            {
                Console.WriteLine(report.OneLine());
                Console.WriteLine($"cleanup: {rules.Description}; {empty} of {refs.Count} utterances had an empty hypothesis ({missing} missing from the file{(parse.GetValue(noFill) ? "" : "; each scored as the word [EMPTY]")})");
                foreach (var c in report.TopErrors(EditOp.Substitution, n))
                    Console.WriteLine($"  {c.Count,5}  {c.Reference} -> {c.Hypothesis}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>The reference: an STM file, or a corpus split's annotations (id, signer, glosses).</summary>
    static (List<Utterance> Refs, CorpusFormat? Format) ReadReference(ParseResult parse, Option<string?> reference, Option<string> split)
    {
        string? stm = parse.GetValue(reference);
        string? corpusPath = parse.GetValue(CorpusOptions.Corpus);
        if ((stm is null) == (corpusPath is null))
            throw new GlossaException("give the reference either as --reference FILE.stm or as --corpus PATH --split NAME (not both, not neither)");
        List<Utterance> refs;
        string where;
        CorpusFormat? format = null;
        if (stm is not null)
        {
            refs = StmFile.Read(stm);
            where = stm;
        }
        else
        {
            string name = parse.GetValue(split)!;
            var corpus = CorpusLoader.LoadSplit(corpusPath!, CorpusOptions.GetFormat(parse), name, annotationsOnly: true);
            format = corpus.Format;
            refs = corpus.Split(name).Select(s => s.ToUtterance()).ToList();
            where = $"{corpusPath} split '{name}'";
        }
        if (refs.Count == 0) throw new GlossaException($"{where}: no utterances in the reference");
        return (refs, format);
    }

    /// <summary>The official rules of the corpus the reference came from; none for an STM.</summary>
    static string DefaultCleanup(CorpusFormat? format) => CorpusLoader.CleanupName(format);

    static void Write(string path, Action<TextWriter> body) =>
        SafeWrite.Stream(path, s => { using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true); body(w); });
}
