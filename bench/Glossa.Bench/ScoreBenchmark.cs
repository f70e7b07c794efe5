using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Glossa.Common;
using Glossa.Scoring;

namespace Glossa.Bench;

/// <summary>
/// Glossa's scorer against the real sclite on the same generated STM/CTM pair, alternating in one
/// run, with a check that both report the same counts.
/// </summary>
public static partial class ScoreBenchmark
{
    /// <summary>Median seconds of each side, their counts and the sclite that ran.</summary>
    public sealed record Result(int Utterances, int ReferenceWords, int Repeat, string ScliteVersion, double ScliteSeconds, double GlossaSeconds,
        ErrorCounts ScliteCounts, ErrorCounts GlossaCounts)
    {
        /// <summary>sclite's time over Glossa's.</summary>
        public double SpeedUp => ScliteSeconds / GlossaSeconds;

        /// <summary>True when both count the same correct words, substitutions, deletions and insertions.</summary>
        public bool Identical => ScliteCounts == GlossaCounts;

        /// <summary>The results as a markdown table with its setting line.</summary>
        public string Markdown()
        {
            var inv = CultureInfo.InvariantCulture;
            var (s, g) = (ScliteCounts, GlossaCounts);
            var md = new StringBuilder();
            md.Append(inv, $"{Utterances} utterances, {ReferenceWords} reference words, {Repeat} alternating repetitions, {Environment.ProcessorCount} cores visible\n\n");
            md.Append("| scorer | median seconds (read + align + count) | C | S | D | I |\n|---|---:|---:|---:|---:|---:|\n");
            md.Append(inv, $"| {ScliteVersion} (-o sgml rsum) | {ScliteSeconds:F3} | {s.Correct} | {s.Substitutions} | {s.Deletions} | {s.Insertions} |\n");
            md.Append(inv, $"| glossa (in process, alignments kept) | {GlossaSeconds:F3} | {g.Correct} | {g.Substitutions} | {g.Deletions} | {g.Insertions} |\n\n");
            md.Append(inv, $"speed-up: {SpeedUp:F1}x; counts identical: {(Identical ? "yes" : "NO")}\n");
            return md.ToString();
        }
    }

    /// <summary>Scores <paramref name="utterances"/> generated utterances <paramref name="repeat"/> times with each scorer.</summary>
    public static Result Run(int utterances, int repeat, ExternalTool sclite)
    {
        if (!sclite.Exists) throw new GlossaException($"{sclite.Path}: sclite not found; install the Debian package 'sctk' or set {sclite.EnvironmentVariable}");
        string dir = Directory.CreateTempSubdirectory("glossa-bench-score-").FullName;
        try
        {
            var (refs, hyps) = Generate(utterances, seed: 2014);
            string stm = Path.Combine(dir, "ref.stm"), ctm = Path.Combine(dir, "hyp.ctm");
            StmFile.Write(stm, refs);
            CtmFile.Write(ctm, refs, hyps);
            var ours = new List<double>();
            var theirs = new List<double>();
            ScoreReport? report = null;
            ErrorCounts counts = default;
            for (int r = 0; r < repeat; r++)
            {
                var sw = Stopwatch.StartNew();
                counts = RunSclite(sclite, stm, ctm, dir);
                theirs.Add(sw.Elapsed.TotalSeconds);
                sw.Restart();
                var refsRead = StmFile.Read(stm);
                var hypsRead = HypothesisSet.Read(ctm);
                hypsRead.CheckIds(refsRead);
                report = WerScorer.Score(refsRead, hypsRead.Words, CleanupRules.None);
                ours.Add(sw.Elapsed.TotalSeconds);
            }
            var t = report!.Totals;
            return new(refs.Count, t.ReferenceWords, repeat, Version(sclite), Statistics.Median(theirs), Statistics.Median(ours), counts, t);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>"sclite 2.10" as the program reports itself in its usage text.</summary>
    static string Version(ExternalTool sclite)
    {
        var usage = ProcessRunner.Run(sclite.StartInfo([]), sclite.Name, TimeSpan.FromSeconds(30), allowFailure: true);
        var m = VersionLine().Match(usage.Stdout + usage.Stderr);
        return m.Success ? $"sclite {m.Groups[1].Value}" : "sclite (version unknown)";
    }

    /// <summary>Random edits of random PHOENIX-like gloss sentences (about 10 words each).</summary>
    static (List<Utterance>, Dictionary<string, IReadOnlyList<string>>) Generate(int count, int seed)
    {
        var rng = new Random(seed);
        string[] vocab = Enumerable.Range(0, 1200).Select(i => $"GLOSS{i}").Concat(["__ON__", "__OFF__", "IX", "REGEN", "SONNE", "WIE-AUSSEHEN"]).ToArray();
        var refs = new List<Utterance>(count);
        var hyps = new Dictionary<string, IReadOnlyList<string>>(count);
        for (int u = 0; u < count; u++)
        {
            string id = $"bench{u:D6}";
            var r = Enumerable.Range(0, rng.Next(3, 18)).Select(_ => vocab[rng.Next(vocab.Length)]).ToList();
            refs.Add(new Utterance(id, $"signer{u % 9:D2}", r));
            if (rng.Next(50) == 0) continue;
            var h = new List<string>();
            foreach (string w in r)
            {
                int e = rng.Next(12);
                if (e == 0) continue;
                if (e == 1) h.Add(vocab[rng.Next(vocab.Length)]);
                else if (e == 2) { h.Add(w); h.Add(vocab[rng.Next(vocab.Length)]); }
                else h.Add(w);
            }
            hyps[id] = h;
        }
        return (refs, hyps);
    }

    static ErrorCounts RunSclite(ExternalTool sclite, string stm, string ctm, string dir)
    {
        sclite.Run(["-h", ctm, "ctm", "-r", stm, "stm", "-f", "0", "-O", dir, "-n", "bench", "-o", "sgml", "rsum"]);
        var m = SumRow().Match(File.ReadAllText(Path.Combine(dir, "bench.raw")));
        if (!m.Success) throw new GlossaException("sclite wrote no Sum row");
        int G(int i) => int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
        return new ErrorCounts(G(1), G(2), G(3), G(4));
    }

    [GeneratedRegex(@"\| Sum\s*\|\s*\d+\s+\d+\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)")]
    private static partial Regex SumRow();

    [GeneratedRegex(@"sclite Version: ([0-9.]+)")]
    private static partial Regex VersionLine();
}
