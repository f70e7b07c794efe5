using System.Diagnostics;

namespace Glossa.Corpora;

/// <summary>
/// Writes a synthetic corpus in the exact RWTH-PHOENIX-Weather 2014 multisigner layout, so every
/// stage can be exercised without the real data: <c>OUT/phoenix-2014-multisigner/annotations/manual/{split}.corpus.csv</c>
/// and 210x260 PNG frames named like the real ones. Signers are drawn figures whose hands trace a
/// per-gloss trajectory (see <see cref="SynthMotion"/>). Deterministic for a seed.
/// </summary>
public static class SyntheticCorpus
{
    /// <summary>The variant folder written inside OUT.</summary>
    public const string VariantFolder = "phoenix-2014-multisigner";

    /// <summary>The file that marks OUT as written by this generator (and records its options).</summary>
    public const string MarkerFile = "glossa-synth.json";


    sealed record Plan(string Split, int SplitIndex, int Index, string Id, string Signer, int SignerIndex, string[] Tokens);

    /// <summary>
    /// Generates the corpus into a temporary sibling folder and renames it to <paramref name="outDir"/>
    /// at the end, so a failure leaves nothing half-written. An existing non-empty
    /// <paramref name="outDir"/> is replaced only with <paramref name="overwrite"/> and only when it
    /// was itself written by this generator.
    /// </summary>
    public static SynthSummary Write(SynthOptions options, string outDir, IProgress<SynthProgress>? progress = null,
        bool overwrite = false, CancellationToken cancel = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        string target = SynthOutput.FullTarget(outDir);
        var (parent, temp) = SynthOutput.Stage(target, overwrite);
        try
        {
            var glosses = SynthMotion.MakeGlosses(options);
            var plans = MakePlans(options, glosses);
            long frames = Render(options, glosses, plans, Path.Combine(temp, VariantFolder), progress, cancel);
            WriteAnnotations(Path.Combine(temp, VariantFolder), plans);
            WriteMarker(temp, options, glosses.Keys);
            SynthOutput.Replace(target, temp);
            var sentences = SynthOutput.SplitNames.ToDictionary(s => s, s => plans.Count(p => p.Split == s));
            return new SynthSummary(target, Path.Combine(target, VariantFolder), sentences, frames,
                glosses.Keys.Order(StringComparer.Ordinal).ToList(), clock.Elapsed);
        }
        catch (Exception e)
        {
            throw SynthOutput.Abandon(e, parent, temp);
        }
    }

    /// <summary>Chooses every sentence's glosses and signer. Glosses are dealt from shuffled decks, so each is used about equally and all appear in train.</summary>
    static List<Plan> MakePlans(SynthOptions o, Dictionary<string, SynthMotion.Gloss> glosses)
    {
        var content = glosses.Keys.Where(k => k is not (SynthMotion.On or SynthMotion.Off)).Order(StringComparer.Ordinal).ToArray();
        int[] counts = [o.TrainSentences, o.DevSentences, o.TestSentences];
        var plans = new List<Plan>();
        for (int s = 0; s < SynthOutput.SplitNames.Length; s++)
        {
            var rng = SynthRandom.For(o.Seed, 3, s);
            var deck = new List<string>();
            for (int i = 0; i < counts[s]; i++)
            {
                int n = rng.Between(o.MinGlossesPerSentence, o.MaxGlossesPerSentence);
                var tokens = new List<string> { SynthMotion.On };
                for (int k = 0; k < n; k++)
                {
                    if (deck.Count == 0) deck = Shuffle(content, rng);
                    int pick = deck.Count - 1;
                    // Avoid immediate repeats (they need an extra CTC blank and make the task harder than intended).
                    if (deck[pick] == tokens[^1] && deck.Count > 1) pick = rng.Next(deck.Count - 1);
                    tokens.Add(deck[pick]);
                    deck.RemoveAt(pick);
                }
                tokens.Add(SynthMotion.Off);
                int signer = rng.Next(o.Signers);
                string id = $"synth_{SynthOutput.SplitNames[s]}_{i:D4}-0";
                plans.Add(new Plan(SynthOutput.SplitNames[s], s, i, id, $"Signer{signer + 1:D2}", signer, tokens.ToArray()));
            }
        }
        return plans;
    }

    static List<string> Shuffle(string[] items, SynthRandom rng)
    {
        var list = items.ToList();
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    static long Render(SynthOptions o, Dictionary<string, SynthMotion.Gloss> glosses, List<Plan> plans, string root,
        IProgress<SynthProgress>? progress, CancellationToken cancel)
    {
        var signers = Enumerable.Range(0, o.Signers).Select(i => new SynthSigner(i, o.Seed)).ToArray();
        try
        {
            long frames = 0;
            int done = 0;
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Parallelism, CancellationToken = cancel };
            Parallel.ForEach(plans, parallel, plan =>
            {
                int n = RenderSentence(o, glosses, plan, signers[plan.SignerIndex], root);
                long total = Interlocked.Add(ref frames, n);
                progress?.Report(new SynthProgress(Interlocked.Increment(ref done), plans.Count, total));
            });
            return frames;
        }
        finally
        {
            foreach (var s in signers) s.Dispose();
        }
    }

    static int RenderSentence(SynthOptions o, Dictionary<string, SynthMotion.Gloss> glosses, Plan plan, SynthSigner signer, string root)
    {
        var rng = SynthRandom.For(o.Seed, 4, plan.SplitIndex, plan.Index);
        var poses = SynthMotion.Sentence(plan.Tokens, glosses, o, rng);
        double cameraX = rng.Range(-3, 3), cameraY = rng.Range(-3, 3);
        using var frames = new SynthOutput.FrameWriter(root, plan.Split, plan.Id, SynthSigner.Width, SynthSigner.Height);
        for (int f = 0; f < poses.Count; f++)
        {
            signer.Draw(frames.Canvas, poses[f], cameraX, cameraY, rng);
            frames.Save(f);
        }
        return poses.Count;
    }

    static void WriteAnnotations(string root, List<Plan> plans) =>
        SynthOutput.WriteAnnotations(root, split => $"{split}.corpus.csv", plans.Select(p => (p.Split, p.Id, p.Signer, string.Join(' ', p.Tokens))));

    static void WriteMarker(string temp, SynthOptions o, IEnumerable<string> glosses)
    {
        var marker = new
        {
            generator = "glossa synth",
            format = "phoenix-2014 multisigner layout",
            options = o with { Parallelism = 1 },
            glosses = glosses.Order(StringComparer.Ordinal).ToArray(),
        };
        SynthOutput.WriteMarker(temp, marker);
    }
}
