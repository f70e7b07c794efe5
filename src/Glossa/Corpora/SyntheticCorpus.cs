using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Glossa.Common;
using SkiaSharp;

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

    static readonly string[] SplitNames = ["train", "dev", "test"];

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
        string target = Path.GetFullPath(outDir);
        var (parent, temp) = Stage(target, overwrite);
        try
        {
            var glosses = SynthMotion.MakeGlosses(options);
            var plans = MakePlans(options, glosses);
            long frames = Render(options, glosses, plans, Path.Combine(temp, VariantFolder), progress, cancel);
            WriteAnnotations(Path.Combine(temp, VariantFolder), plans);
            WriteMarker(temp, options, glosses.Keys);
            Replace(target, temp);
            var sentences = SplitNames.ToDictionary(s => s, s => plans.Count(p => p.Split == s));
            return new SynthSummary(target, Path.Combine(target, VariantFolder), sentences, frames,
                glosses.Keys.Order(StringComparer.Ordinal).ToList(), clock.Elapsed);
        }
        catch (Exception e)
        {
            throw Abandon(e, parent, temp);
        }
    }

    /// <summary>
    /// Checks the target, removes stale staging folders of killed generators and returns the
    /// parent folder and this process's staging folder, which is renamed to the target at the end.
    /// </summary>
    internal static (string Parent, string Temp) Stage(string target, bool overwrite)
    {
        CheckTarget(target, overwrite);
        string parent = Path.GetDirectoryName(target.TrimEnd(Path.DirectorySeparatorChar))
            ?? throw new GlossaException($"{target}: cannot write a corpus at the file-system root; choose a folder");
        SafeWrite.Folder(parent, "synth:");
        RemoveStalePartials(parent, Path.GetFileName(target));
        string temp = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Environment.ProcessId}");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        return (parent, temp);
    }

    /// <summary>Removes the staging folder after a failure; an output failure (disk full) becomes a one-line error naming the folder and the bytes written.</summary>
    internal static Exception Abandon(Exception e, string parent, string temp)
    {
        // Frames are rendered in parallel: a full disk arrives wrapped in an AggregateException.
        if (e is AggregateException { InnerException: { } inner } && SafeWrite.IsOutputFailure(inner)) e = inner;
        long written = SafeWrite.IsOutputFailure(e) ? FolderBytes(temp) : 0;
        RemoveQuietly(temp);
        return SafeWrite.IsOutputFailure(e) ? SafeWrite.Describe(e, parent, written) : e;
    }

    static void RemoveQuietly(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static long FolderBytes(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    /// <summary>
    /// Removes <c>.NAME.partial-PID</c> folders left by a generator that was killed (kill -9,
    /// power loss): only those whose process is gone, so a concurrent writer is never disturbed.
    /// </summary>
    static void RemoveStalePartials(string parent, string name)
    {
        string prefix = $".{name}.partial-";
        foreach (string dir in Directory.EnumerateDirectories(parent, prefix + "*"))
            if (int.TryParse(Path.GetFileName(dir).AsSpan(prefix.Length), out int pid) && !ProcessAlive(pid))
                RemoveQuietly(dir);
    }

    static bool ProcessAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    internal static void CheckTarget(string target, bool overwrite)
    {
        if (File.Exists(target))
            throw new GlossaException($"{target}: is a file; choose a folder for the synthetic corpus");
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any()) return;
        if (!overwrite)
            throw new GlossaException($"{target}: already exists; pass --overwrite to replace it or choose another folder");
        if (!File.Exists(Path.Combine(target, MarkerFile)))
            throw new GlossaException($"{target}: refusing to replace it because it was not written by 'glossa synth' (no {MarkerFile}); delete it yourself or choose another folder");
    }

    internal static void Replace(string target, string temp)
    {
        if (Directory.Exists(target))
        {
            string old = temp + ".old";
            Directory.Move(target, old);
            Directory.Move(temp, target);
            Directory.Delete(old, recursive: true);
        }
        else
            Directory.Move(temp, target);
    }

    /// <summary>Chooses every sentence's glosses and signer. Glosses are dealt from shuffled decks, so each is used about equally and all appear in train.</summary>
    static List<Plan> MakePlans(SynthOptions o, Dictionary<string, SynthMotion.Gloss> glosses)
    {
        var content = glosses.Keys.Where(k => k is not (SynthMotion.On or SynthMotion.Off)).Order(StringComparer.Ordinal).ToArray();
        int[] counts = [o.TrainSentences, o.DevSentences, o.TestSentences];
        var plans = new List<Plan>();
        for (int s = 0; s < SplitNames.Length; s++)
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
                string id = $"synth_{SplitNames[s]}_{i:D4}-0";
                plans.Add(new Plan(SplitNames[s], s, i, id, $"Signer{signer + 1:D2}", signer, tokens.ToArray()));
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
        string folder = Path.Combine(root, "features", "fullFrame-210x260px", plan.Split, plan.Id, "1");
        Directory.CreateDirectory(folder);
        using var bitmap = new SKBitmap(new SKImageInfo(SynthSigner.Width, SynthSigner.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        var png = new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, 4);
        for (int f = 0; f < poses.Count; f++)
        {
            signer.Draw(canvas, poses[f], cameraX, cameraY, rng);
            canvas.Flush();
            using var pixmap = bitmap.PeekPixels();
            using var data = pixmap.Encode(png) ?? throw new InvalidOperationException("SkiaSharp failed to encode a PNG frame");
            // Real PHOENIX naming: <video>.avi_pid0_fn%06d-0.png
            using var file = File.Create(Path.Combine(folder, $"{plan.Id}.avi_pid0_fn{f:D6}-0.png"));
            data.SaveTo(file);
        }
        return poses.Count;
    }

    static void WriteAnnotations(string root, List<Plan> plans)
    {
        string manual = Path.Combine(root, "annotations", "manual");
        Directory.CreateDirectory(manual);
        foreach (var split in SplitNames)
        {
            var sb = new StringBuilder("id|folder|signer|annotation\n");
            foreach (var p in plans.Where(p => p.Split == split))
                sb.Append($"{p.Id}|{p.Id}/1/*.png|{p.Signer}|{string.Join(' ', p.Tokens)}\n");
            File.WriteAllText(Path.Combine(manual, $"{split}.corpus.csv"), sb.ToString(), new UTF8Encoding(false));
        }
    }

    static void WriteMarker(string temp, SynthOptions o, IEnumerable<string> glosses)
    {
        var marker = new
        {
            generator = "glossa synth",
            format = "phoenix-2014 multisigner layout",
            options = o with { Parallelism = 1 },
            glosses = glosses.Order(StringComparer.Ordinal).ToArray(),
        };
        var json = JsonSerializer.Serialize(marker, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        File.WriteAllText(Path.Combine(temp, MarkerFile), json + "\n", new UTF8Encoding(false));
    }
}
