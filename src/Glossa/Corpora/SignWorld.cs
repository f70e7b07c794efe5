using System.Diagnostics;

namespace Glossa.Corpora;

/// <summary>
/// Writes the "sign" synthetic world (<c>glossa synth --world sign</c>) in the RWTH-PHOENIX-Weather
/// 2014 layout: signs built from phonological parameters (<see cref="SignForm"/>, with minimal
/// pairs), performed with co-articulation, holds and pauses at each signer's speed and amplitude
/// (<see cref="SignPerformance"/>), drawn by signers who differ in body, colours and background under
/// a per-video camera and light (<see cref="SignPainter"/>). Sizes and statistics follow PHOENIX-2014
/// by default (<see cref="SignWorldOptions"/>). Deterministic for a seed.
/// </summary>
public static class SignWorld
{
    /// <summary>The variant folder of the multisigner split.</summary>
    public const string MultisignerFolder = SyntheticCorpus.VariantFolder;

    /// <summary>The variant folder of the signer-independent split.</summary>
    public const string SignerIndependentFolder = "phoenix-2014-signerindependent-SI5";


    sealed record Plan(string Split, int SplitIndex, int Index, string Id, int Signer, int[] Signs);

    /// <summary>
    /// Generates the corpus into a temporary sibling folder and renames it to <paramref name="outDir"/>
    /// at the end, like <see cref="SyntheticCorpus.Write"/> (same overwrite rules and marker file).
    /// </summary>
    public static SynthSummary Write(SignWorldOptions options, string outDir, IProgress<SynthProgress>? progress = null,
        bool overwrite = false, CancellationToken cancel = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        string target = SynthOutput.FullTarget(outDir);
        var (parent, temp) = SynthOutput.Stage(target, overwrite);
        string variant = options.SignerIndependent ? SignerIndependentFolder : MultisignerFolder;
        try
        {
            var lexicon = SignLexicon.Make(options);
            var plans = MakePlans(options, lexicon.Count);
            var frameCounts = Render(options, lexicon, plans, Path.Combine(temp, variant), progress, cancel);
            WriteAnnotations(Path.Combine(temp, variant), plans, lexicon, options.SignerIndependent);
            WriteMarker(temp, options, lexicon, plans, frameCounts);
            SynthOutput.Replace(target, temp);
            var sentences = SynthOutput.SplitNames.ToDictionary(s => s, s => plans.Count(p => p.Split == s));
            var used = plans.SelectMany(p => p.Signs).Distinct().Select(i => lexicon[i].Name).Order(StringComparer.Ordinal).ToList();
            return new SynthSummary(target, Path.Combine(target, variant), sentences, frameCounts.Sum(), used, clock.Elapsed);
        }
        catch (Exception e)
        {
            throw SynthOutput.Abandon(e, parent, temp);
        }
    }

    /// <summary>Sentences: lengths around the mean, glosses drawn by Zipf rank, signers by split; then every dev/test gloss is made to occur in train.</summary>
    static List<Plan> MakePlans(SignWorldOptions o, int glosses)
    {
        var cumulative = new double[glosses];
        double sum = 0;
        for (int r = 0; r < glosses; r++) cumulative[r] = sum += Math.Pow(r + 1, -o.ZipfExponent);
        int[] counts = [o.TrainSentences, o.DevSentences, o.TestSentences];
        int trainSigners = o.SignerIndependent ? o.Signers - o.HeldOutSigners : o.Signers;
        var share = Enumerable.Range(0, o.Signers).Select(i => SynthRandom.For(o.Seed, 13, i).Range(0.5, 1.5)).ToArray();
        var plans = new List<Plan>();
        for (int s = 0; s < SynthOutput.SplitNames.Length; s++)
        {
            var rng = SynthRandom.For(o.Seed, 14, s);
            var (first, count) = !o.SignerIndependent ? (0, o.Signers) : s == 0 ? (0, trainSigners) : (trainSigners, o.HeldOutSigners);
            for (int i = 0; i < counts[s]; i++)
            {
                double g = rng.Range(0, 1), h = rng.Range(0, 1);
                double normal = Math.Sqrt(-2 * Math.Log(1 - g)) * Math.Cos(2 * Math.PI * h);
                int n = Math.Clamp((int)Math.Round(o.MeanGlossesPerSentence * (1 + 0.42 * normal)), 1, o.MaxGlossesPerSentence);
                var signs = new int[n];
                for (int k = 0; k < n; k++)
                {
                    int r = Array.BinarySearch(cumulative, rng.NextDouble() * sum);
                    signs[k] = Math.Min(glosses - 1, r < 0 ? ~r : r);
                }
                int signer = first + Weighted(share.AsSpan(first, count), rng);
                plans.Add(new Plan(SynthOutput.SplitNames[s], s, i, VideoId(SynthOutput.SplitNames[s], i, o.Seed), signer, signs));
            }
        }
        CoverHeldOutGlosses(plans, SynthRandom.For(o.Seed, 15));
        return plans;
    }

    static int Weighted(ReadOnlySpan<double> weights, SynthRandom rng)
    {
        double total = 0;
        foreach (double w in weights) total += w;
        double x = rng.NextDouble() * total;
        for (int i = 0; i < weights.Length; i++) if ((x -= weights[i]) < 0) return i;
        return weights.Length - 1;
    }

    /// <summary>
    /// A dev or test gloss never seen in train could not be learnt, so it replaces a train token whose
    /// gloss occurs more than once in train (when there is one).
    /// </summary>
    static void CoverHeldOutGlosses(List<Plan> plans, SynthRandom rng)
    {
        var train = plans.Where(p => p.SplitIndex == 0).ToList();
        var seen = new Dictionary<int, int>();
        foreach (var p in train) foreach (int g in p.Signs) seen[g] = seen.GetValueOrDefault(g) + 1;
        var missing = plans.Where(p => p.SplitIndex > 0).SelectMany(p => p.Signs).Where(g => !seen.ContainsKey(g)).Distinct().Order().ToList();
        foreach (int g in missing)
        {
            for (int attempt = 0; attempt < 200; attempt++)
            {
                var p = train[rng.Next(train.Count)];
                int k = rng.Next(p.Signs.Length);
                if (seen[p.Signs[k]] < 2) continue;
                seen[p.Signs[k]]--;
                p.Signs[k] = g;
                seen[g] = 1;
                break;
            }
        }
    }

    /// <summary>PHOENIX-like video names: a broadcast date and show, numbered to stay unique.</summary>
    static string VideoId(string split, int index, int seed)
    {
        string[] months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
        var rng = SynthRandom.For(seed, 16, Array.IndexOf(SynthOutput.SplitNames, split), index);
        var date = new DateTime(2009, 1, 1).AddDays(rng.Next(4 * 365));
        string show = rng.Next(3) == 0 ? "tagesschau" : "heute";
        return $"{date.Day:D2}{months[date.Month - 1]}_{date.Year}_{date.DayOfWeek}_{show}_{split}{index:D5}-0";
    }

    static long[] Render(SignWorldOptions o, List<(string Name, SignForm Form)> lexicon, List<Plan> plans, string root,
        IProgress<SynthProgress>? progress, CancellationToken cancel)
    {
        var signers = Enumerable.Range(0, o.Signers).Select(i => new SignPainter(i, o.Seed)).ToArray();
        try
        {
            var frames = new long[plans.Count];
            long total = 0;
            int done = 0;
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Parallelism, CancellationToken = cancel };
            Parallel.For(0, plans.Count, parallel, i =>
            {
                frames[i] = RenderSentence(o, lexicon, plans[i], signers[plans[i].Signer], root);
                long sum = Interlocked.Add(ref total, frames[i]);
                progress?.Report(new SynthProgress(Interlocked.Increment(ref done), plans.Count, sum));
            });
            return frames;
        }
        finally
        {
            foreach (var s in signers) s.Dispose();
        }
    }

    static int RenderSentence(SignWorldOptions o, List<(string Name, SignForm Form)> lexicon, Plan plan, SignPainter signer, string root)
    {
        var (poses, rng) = Perform(o, lexicon, plan, signer.Style);
        var shot = SignPainter.RandomShot(rng);
        using var frames = new SynthOutput.FrameWriter(root, plan.Split, plan.Id, SignPainter.Width, SignPainter.Height);
        for (int f = 0; f < poses.Count; f++)
        {
            signer.Draw(frames.Canvas, poses[f], shot, rng);
            frames.Save(f);
        }
        return poses.Count;
    }

    static (List<SignPerformance.Pose> Poses, SynthRandom Rng) Perform(SignWorldOptions o, List<(string Name, SignForm Form)> lexicon, Plan plan, SignPerformance.Style style)
    {
        var rng = SynthRandom.For(o.Seed, 17, plan.SplitIndex, plan.Index);
        return (SignPerformance.Sentence(plan.Signs.Select(i => lexicon[i].Form).ToList(), style, o, rng), rng);
    }

    /// <summary>Glosses and frames of every video <see cref="Write"/> would write, without drawing anything (for statistics).</summary>
    internal static (int[] Glosses, int[] Frames, string[] Splits) Measure(SignWorldOptions o)
    {
        var lexicon = SignLexicon.Make(o);
        var plans = MakePlans(o, lexicon.Count);
        var styles = Enumerable.Range(0, o.Signers).Select(i => SignPainter.MakeStyle(i, o.Seed)).ToArray();
        var frames = plans.Select(p => Perform(o, lexicon, p, styles[p.Signer]).Poses.Count).ToArray();
        return (plans.Select(p => p.Signs.Length).ToArray(), frames, plans.Select(p => p.Split).ToArray());
    }

    static void WriteAnnotations(string root, List<Plan> plans, List<(string Name, SignForm Form)> lexicon, bool signerIndependent) =>
        SynthOutput.WriteAnnotations(root, split => signerIndependent ? $"{split}.SI5.corpus.csv" : $"{split}.corpus.csv",
            plans.Select(p => (p.Split, p.Id, $"Signer{p.Signer + 1:D2}", string.Join(' ', p.Signs.Select(i => lexicon[i].Name)))));

    /// <summary>The marker records the options, the lexicon with each sign's parameters, and the statistics actually written.</summary>
    static void WriteMarker(string temp, SignWorldOptions o, List<(string Name, SignForm Form)> lexicon, List<Plan> plans, long[] frames)
    {
        var glossesPerSentence = plans.Select(p => p.Signs.Length).ToArray();
        var marker = new
        {
            generator = "glossa synth --world sign",
            format = o.SignerIndependent ? "phoenix-2014 signer-independent (SI5) layout" : "phoenix-2014 multisigner layout",
            options = o with { Parallelism = 1 },
            statistics = new
            {
                videos = plans.Count,
                frames = frames.Sum(),
                mean_frames = Math.Round(frames.Average(), 2),
                min_frames = frames.Min(),
                max_frames = frames.Max(),
                mean_glosses_per_sentence = Math.Round(glossesPerSentence.Average(), 2),
                max_glosses_per_sentence = glossesPerSentence.Max(),
                min_frames_per_gloss = Math.Round(plans.Select((p, i) => frames[i] / (double)p.Signs.Length).Min(), 2),
                glosses_used = plans.SelectMany(p => p.Signs).Distinct().Count(),
            },
            lexicon = lexicon.Select(e => new
            {
                gloss = e.Name,
                handshape = e.Form.Handshape,
                location = e.Form.Location,
                path = e.Form.Path.ToString().ToLowerInvariant(),
                direction = e.Form.Direction,
                orientation = e.Form.Orientation,
                hands = e.Form.Hands.ToString().ToLowerInvariant(),
                reversed = e.Form.Reversed,
                frames = e.Form.Frames,
            }).ToArray(),
        };
        SynthOutput.WriteMarker(temp, marker);
    }
}
