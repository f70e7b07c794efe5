using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Glossa.Scoring;

namespace Glossa.Tests.Scoring;

/// <summary>
/// <c>glossa score</c> through the command line, and the official PHOENIX-2014 flow (GNU sed
/// and grep on a one-gloss-per-line CTM, [EMPTY] fill, real sclite) against it.
/// </summary>
public sealed class ScoreCommandTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("glossa-score-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Runs the CLI's score command in-process (the command type is internal to Glossa.Cli).</summary>
    static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var type = System.Reflection.Assembly.Load("Glossa.Cli").GetType("Glossa.Cli.Commands.ScoreCommand", throwOnError: true)!;
        var command = (Command)type.GetMethod("Create")!.Invoke(null, null)!;
        var root = new RootCommand { command };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(["score", .. args]).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    string Write(string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void JsonHasTheAgreedFields()
    {
        string stm = Write("ref.stm", "u1 1 s 0.0 1.79769e+308 A B C D\nu2 1 s 0.0 1.79769e+308 E F\n");
        string hyp = Write("hyp.txt", "u1 A X C D Y\n");
        var (code, output, err) = Cli("--reference", stm, "--hypothesis", hyp, "--json");
        Assert.True(code == 0, err);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(1, json.GetProperty("substitutions").GetInt32() - 1); // B->X and the [EMPTY] fill of u2
        Assert.Equal(1, json.GetProperty("deletions").GetInt32());
        Assert.Equal(1, json.GetProperty("insertions").GetInt32());
        Assert.Equal(6, json.GetProperty("reference_words").GetInt32());
        Assert.Equal(2, json.GetProperty("utterances").GetInt32());
        Assert.Equal(400.0 / 6, json.GetProperty("wer").GetDouble(), 3);
        // sclite's per-speaker rows: Signer01 and signer01 are one, named in lower case.
        stm = Write("spk.stm", "u1 1 Signer01 0.0 1.79769e+308 A B\nu2 1 signer01 0.0 1.79769e+308 C\nu3 1 Signer02 0.0 1.79769e+308 D\n");
        (code, output, err) = Cli("--reference", stm, "--hypothesis", Write("spk.txt", "u1 A B\nu2 X\nU3 D\n"), "--json");
        Assert.True(code == 0, err);
        var speakers = JsonDocument.Parse(output).RootElement.GetProperty("speakers").EnumerateArray().ToList();
        Assert.Equal(["signer01", "signer02"], speakers.Select(p => p.GetProperty("speaker").GetString()));
        Assert.Equal(2, speakers[0].GetProperty("utterances").GetInt32());
        Assert.Equal(1, speakers[0].GetProperty("substitutions").GetInt32());
        Assert.Equal(0, speakers[1].GetProperty("wer").GetDouble());
    }

    [Fact]
    public void Empty_hypotheses_are_counted_whether_missing_empty_or_already_written_as_EMPTY()
    {
        // evaluate's CTM writes an empty hypothesis as the word [EMPTY]; a new user's dev file with one such line read
        // "0 of 30 utterances had no hypothesis". u2 is [EMPTY] in the file, u3 missing, u4 emptied by the cleanup.
        string stm = Write("e.stm", "u1 1 s 0.0 1.79769e+308 A B\nu2 1 s 0.0 1.79769e+308 C\nu3 1 s 0.0 1.79769e+308 D\nu4 1 s 0.0 1.79769e+308 E\n");
        string ctm = Write("e.ctm", "u1 1 0.000 0.030 A\nu1 1 0.030 0.030 B\nu2 1 0.000 0.030 [EMPTY]\nu4 1 0.000 0.030 __PU__\n");
        var (code, output, err) = Cli("--reference", stm, "--hypothesis", ctm, "--cleanup", "phoenix2014");
        Assert.True(code == 0, err);
        Assert.Contains("3 of 4 utterances had an empty hypothesis (1 missing from the file; each scored as the word [EMPTY])", output);
        (code, output, err) = Cli("--reference", stm, "--hypothesis", ctm, "--cleanup", "phoenix2014", "--json");
        Assert.True(code == 0, err);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(3, json.GetProperty("empty_hypotheses").GetInt32());
        Assert.Equal(1, json.GetProperty("missing_hypotheses").GetInt32());
    }

    [Fact]
    public void A_corpus_reference_is_cleaned_as_the_official_ground_truth_under_phoenix2014()
    {
        // The official scoring cleans the hypothesis only, against ground-truth STM files that are the raw annotations cleaned
        // over whole sentences. A reference read from raw annotations was left raw: a new user's exact copy of the dev
        // annotations (loc-NORD, __EMOTION__, __PU__) scored 21% WER, as the hypothesis's loc-NORD became NORD.
        string manual = Path.Combine(dir, "phoenix2014-release", "phoenix-2014-multisigner", "annotations", "manual");
        Directory.CreateDirectory(manual);
        File.WriteAllText(Path.Combine(manual, "dev.corpus.csv"),
            "id|folder|signer|annotation\nc1|c1/1/*.png|Signer01|__ON__ loc-NORD REGEN __EMOTION__ WIE AUSSEHEN cl-KOMMEN __PU__ __OFF__\n");
        string corpus = Path.Combine(dir, "phoenix2014-release"), stmOut = Path.Combine(dir, "gt.stm");
        var (code, output, err) = Cli("--corpus", corpus, "--split", "dev", "--hypothesis", Write("gt.txt", "c1 __ON__ NORD REGEN WIE-AUSSEHEN KOMMEN __OFF__\n"), "--stm-out", stmOut, "--json");
        Assert.True(code == 0, err);
        Assert.Equal(0, JsonDocument.Parse(output).RootElement.GetProperty("wer").GetDouble());
        Assert.Equal("c1 1 Signer01 0.0 1.79769e+308 __ON__ NORD REGEN WIE-AUSSEHEN KOMMEN __OFF__\n", File.ReadAllText(stmOut));
        // The raw copy: its per-gloss cleanup gives NORD, KOMMEN and drops the markers, as the official script does; only the
        // two-gloss WIE AUSSEHEN stays apart (the official per-gloss edit never joins it): 1 substitution, 1 insertion.
        (code, output, err) = Cli("--corpus", corpus, "--split", "dev", "--hypothesis",
            Write("raw.txt", "c1 __ON__ loc-NORD REGEN __EMOTION__ WIE AUSSEHEN cl-KOMMEN __PU__ __OFF__\n"), "--json");
        Assert.True(code == 0, err);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal((1, 0, 1), (json.GetProperty("substitutions").GetInt32(), json.GetProperty("deletions").GetInt32(), json.GetProperty("insertions").GetInt32()));
        // An STM reference is used as it is (it is the ground truth already).
        (code, output, err) = Cli("--reference", stmOut, "--hypothesis", Path.Combine(dir, "gt.txt"), "--json");
        Assert.True(code == 0, err);
        Assert.Equal(0, JsonDocument.Parse(output).RootElement.GetProperty("wer").GetDouble());
    }

    [Fact]
    public void TextOutputAndErrorsThatNameTheLine()
    {
        string stm = Write("ref.stm", "u1 1 s 0.0 1.79769e+308 A B\n");
        var (code, output, _) = Cli("--reference", stm, "--hypothesis", Write("ok.txt", "u1 A B\n"));
        Assert.Equal(0, code);
        Assert.StartsWith("WER 0.00% (S=0, D=0, I=0, N=2", output);
        var unknown = Cli("--reference", stm, "--hypothesis", Write("unknown.txt", "u1 A\nu7 B\n"));
        Assert.Equal(2, unknown.Code);
        Assert.Contains("unknown.txt:2", unknown.Err);
        var dup = Cli("--reference", stm, "--hypothesis", Write("dup.txt", "u1 A\nu1 B\n"));
        Assert.Contains("dup.txt:2", dup.Err);
        var bad = Cli("--reference", stm, "--hypothesis", Write("bad.ctm", "u1 1 0.00 A\n"));
        Assert.Contains("bad.ctm:1", bad.Err);
        Assert.Single(bad.Err.Trim().Split('\n'));
        var neither = Cli("--hypothesis", Write("x.txt", "u1 A\n"));
        Assert.Contains("--reference", neither.Err);
    }

    /// <summary>The official script's per-line sed/grep edits (PHOENIX-2014), run by GNU sed and grep.</summary>
    const string OfficialSed =
        "sed -e 's,loc-,,g' -e 's,cl-,,g' -e 's,qu-,,g' -e 's,poss-,,g' -e 's,lh-,,g' -e 's,S0NNE,SONNE,g' -e 's,HABEN2,HABEN,g' " +
        "| sed -e 's,__EMOTION__,,g' -e 's,__PU__,,g' -e 's,__LEFTHAND__,,g' " +
        "| sed -e 's,WIE AUSSEHEN,WIE-AUSSEHEN,g' -e 's,ZEIGEN ,ZEIGEN-BILDSCHIRM ,g' -e 's,ZEIGEN$,ZEIGEN-BILDSCHIRM,' -e 's,\\([A-Z][A-Z]\\)RAUM,\\1,g' -e 's,-PLUSPLUS,,g' " +
        "| grep -v __LEFTHAND__ | grep -v __EPENTHESIS__ | grep -v __EMOTION__ " +
        // A gloss emptied by the edits leaves a 4-field line that sclite silently mis-reads; drop it.
        "| awk 'NF==5'";

    [ScliteFact]
    public void Phoenix2014CleanupEqualsTheOfficialSedFlowPlusSclite()
    {
        string[] tokens = ["__ON__", "__OFF__", "IX", "loc-REGION", "cl-KOMMEN", "qu-WAS", "poss-MEIN", "lh-HAND", "S0NNE", "SONNE", "HABEN2", "HABEN",
            "__EMOTION__", "__PU__", "__LEFTHAND__", "__EPENTHESIS__", "ZEIGEN", "ANZEIGEN", "NORDRAUM", "XRAUM", "REGEN-PLUSPLUS", "REGEN", "WIND", "A", "B", "WIE", "AUSSEHEN"];
        var rng = new Random(2014);
        var refs = new List<Utterance>();
        var hyps = new Dictionary<string, IReadOnlyList<string>>();
        for (int u = 0; u < 400; u++)
        {
            string id = $"{u:D4}_phoenix-{u % 5}";
            var clean = new[] { "REGEN", "WIND", "SONNE", "HABEN", "REGION", "KOMMEN", "ZEIGEN-BILDSCHIRM", "NORD", "IX", "__ON__", "__OFF__", "A", "B" };
            refs.Add(new Utterance(id, $"Signer0{u % 9}", Enumerable.Range(0, rng.Next(1, 12)).Select(_ => clean[rng.Next(clean.Length)]).ToList()));
            if (rng.Next(15) == 0) continue;
            hyps[id] = Enumerable.Range(0, rng.Next(0, 12)).Select(_ => tokens[rng.Next(tokens.Length)]).ToList();
        }
        string stm = Path.Combine(dir, "ref.stm"), raw = Path.Combine(dir, "raw.ctm"), official = Path.Combine(dir, "official.ctm");
        StmFile.Write(stm, refs);
        CtmFile.Write(raw, refs, hyps, fillEmpty: false);

        // Official flow: edit the raw CTM line by line, then give every utterance without lines [EMPTY].
        var sed = Process.Start(new ProcessStartInfo("/bin/bash", ["-c", $"cat '{raw}' | {OfficialSed}"]) { RedirectStandardOutput = true })!;
        string edited = sed.StandardOutput.ReadToEnd();
        sed.WaitForExit();
        var lines = edited.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToLookup(l => l.Split(' ')[0]);
        using (var w = new StreamWriter(official))
            foreach (var r in refs)
            {
                if (!lines.Contains(r.Id)) w.Write($"{r.Id} 1 0.000 0.030 [EMPTY]\n");
                foreach (string l in lines[r.Id]) w.Write(l + "\n");
            }
        var theirs = Sclite.Run(stm, official);

        var (code, output, err) = Cli("--reference", stm, "--hypothesis", raw, "--cleanup", "phoenix2014", "--json");
        Assert.True(code == 0, err);
        var json = JsonDocument.Parse(output).RootElement;
        var ours = new ErrorCounts(
            json.GetProperty("reference_words").GetInt32() - json.GetProperty("substitutions").GetInt32() - json.GetProperty("deletions").GetInt32(),
            json.GetProperty("substitutions").GetInt32(), json.GetProperty("deletions").GetInt32(), json.GetProperty("insertions").GetInt32());
        Assert.Equal(theirs.Totals, ours);
        Assert.True(ours.Insertions > 100 && ours.Substitutions > 100, ours.ToString());
    }
}
