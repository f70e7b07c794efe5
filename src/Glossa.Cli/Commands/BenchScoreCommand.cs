using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Glossa.Common;
using Glossa.Scoring;

namespace Glossa.Cli.Commands;

/// <summary>
/// Hidden <c>glossa bench-score</c>: Glossa's scorer against the real sclite on the same
/// generated STM/CTM pair, side by side in one run (alternating, several repetitions), with a
/// check that both report the same counts. Prints a markdown table.
/// </summary>
internal static partial class BenchScoreCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--utterances") { Description = "Generated utterances.", DefaultValueFactory = _ => 10_000 };
        var reps = new Option<int>("--repeat") { Description = "Repetitions (medians are reported).", DefaultValueFactory = _ => 5 };
        var sclite = new Option<string>("--sclite") { Description = "sclite binary.", DefaultValueFactory = _ => "/usr/lib/sctk/bin/sclite" };
        var command = new Command("bench-score", "Benchmark the scorer against sclite on the same generated utterances.") { Hidden = true };
        foreach (var o in new Option[] { count, reps, sclite }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            string binary = parse.GetValue(sclite)!;
            if (!File.Exists(binary)) throw new GlossaException($"{binary}: sclite not found; install the Debian package 'sctk'");
            string dir = Directory.CreateTempSubdirectory("glossa-bench-score-").FullName;
            try
            {
                var (refs, hyps) = Generate(parse.GetValue(count), seed: 2014);
                string stm = Path.Combine(dir, "ref.stm"), ctm = Path.Combine(dir, "hyp.ctm");
                StmFile.Write(stm, refs);
                CtmFile.Write(ctm, refs, hyps);
                var ours = new List<double>();
                var theirs = new List<double>();
                ScoreReport? report = null;
                ErrorCounts scliteCounts = default;
                for (int r = 0; r < parse.GetValue(reps); r++)
                {
                    var sw = Stopwatch.StartNew();
                    scliteCounts = RunSclite(binary, stm, ctm, dir);
                    theirs.Add(sw.Elapsed.TotalSeconds);
                    sw.Restart();
                    var refsRead = StmFile.Read(stm);
                    var hypsRead = HypothesisSet.Read(ctm);
                    hypsRead.CheckIds(refsRead);
                    report = WerScorer.Score(refsRead, hypsRead.Words, CleanupRules.None);
                    ours.Add(sw.Elapsed.TotalSeconds);
                }
                double o = Median(ours), s = Median(theirs);
                var t = report!.Totals;
                var inv = CultureInfo.InvariantCulture;
                Console.WriteLine(string.Create(inv, $"{refs.Count} utterances, {t.ReferenceWords} reference words, {parse.GetValue(reps)} alternating repetitions, {Environment.ProcessorCount} cores visible"));
                Console.WriteLine();
                Console.WriteLine("| scorer | median seconds (read + align + count) | C | S | D | I |");
                Console.WriteLine("|---|---:|---:|---:|---:|---:|");
                Console.WriteLine(string.Create(inv, $"| sclite 2.10 (-o sgml rsum) | {s:F3} | {scliteCounts.Correct} | {scliteCounts.Substitutions} | {scliteCounts.Deletions} | {scliteCounts.Insertions} |"));
                Console.WriteLine(string.Create(inv, $"| glossa (in process, alignments kept) | {o:F3} | {t.Correct} | {t.Substitutions} | {t.Deletions} | {t.Insertions} |"));
                Console.WriteLine();
                Console.WriteLine(string.Create(inv, $"speed-up: {s / o:F1}x; counts identical: {(scliteCounts == t ? "yes" : "NO")}"));
                return scliteCounts == t ? 0 : 1;
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }));
        return command;
    }

    static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
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

    static ErrorCounts RunSclite(string binary, string stm, string ctm, string dir)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-h", ctm, "ctm", "-r", stm, "stm", "-f", "0", "-O", dir, "-n", "bench", "-o", "sgml", "rsum" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new GlossaException($"sclite failed with exit code {p.ExitCode}: {stderr.Result}");
        var m = SumRow().Match(File.ReadAllText(Path.Combine(dir, "bench.raw")));
        if (!m.Success) throw new GlossaException("sclite wrote no Sum row");
        int G(int i) => int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
        return new ErrorCounts(G(1), G(2), G(3), G(4));
    }

    [GeneratedRegex(@"\| Sum\s*\|\s*\d+\s+\d+\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)")]
    private static partial Regex SumRow();
}
