using Glossa.Common;

namespace Glossa.Decoding;

/// <summary>
/// CTC prefix beam search over per-frame log-probabilities, in plain C#. Per frame only the top
/// classes are considered (selected with a small heap, no full sort); prefixes live in a trie
/// with a hash map from (prefix, class) to child; probabilities are kept linear in double and
/// rescaled every frame (exact, and far cheaper than log-sum-exp). An optional ARPA n-gram LM
/// is fused at each word extension: score = acoustic + weight x LM + bonus x words.
/// One decoder may be used from many threads: each call takes its own workspace.
/// </summary>
public sealed class BeamSearchDecoder
{
    readonly BeamSearchOptions options;
    readonly ThreadLocal<Workspace> workspaces = new(() => new Workspace());
    int[]? classToWord;

    /// <summary>Creates a decoder; the options are validated here.</summary>
    public BeamSearchDecoder(BeamSearchOptions options)
    {
        options.Validate();
        this.options = options;
    }

    /// <summary>The options in use.</summary>
    public BeamSearchOptions Options => options;

    /// <summary>Decodes one utterance; <paramref name="logProbs"/> is (frames, classes) row-major. Returns up to N-best hypotheses, best first.</summary>
    public IReadOnlyList<Hypothesis> Decode(ReadOnlySpan<float> logProbs, int frames, int classes)
    {
        DecoderChecks.Shape(logProbs.Length, frames, classes, options.Blank);
        return workspaces.Value!.Run(this, logProbs, frames, classes);
    }

    /// <summary>
    /// Decodes a batch laid out as (B, maxFrames, classes), utterance b using its first
    /// lengths[b] frames, in parallel over utterances (<see cref="BeamSearchOptions.Threads"/>).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Hypothesis>> DecodeBatch(float[] logProbs, int[] lengths, int maxFrames, int classes)
    {
        DecoderChecks.Batch(logProbs.Length, lengths, maxFrames, classes);
        DecoderChecks.Shape(maxFrames * classes, maxFrames, classes, options.Blank);
        var result = new IReadOnlyList<Hypothesis>[lengths.Length];
        Parallel.For(0, lengths.Length, new ParallelOptions { MaxDegreeOfParallelism = options.Threads > 0 ? options.Threads : -1 }, b =>
            result[b] = Decode(logProbs.AsSpan(b * maxFrames * classes, lengths[b] * classes), lengths[b], classes));
        return result;
    }

    int[] ClassToWord(int classes)
    {
        var map = classToWord;
        if (map is not null && map.Length == classes) return map;
        var tokens = options.ClassTokens!;
        if (tokens.Count != classes)
            throw new GlossaException($"beam search: the vocabulary has {tokens.Count} classes but the model outputs {classes}");
        map = new int[classes];
        for (int c = 0; c < classes; c++) map[c] = c == options.Blank ? -1 : options.LanguageModel!.WordId(tokens[c]);
        classToWord = map;
        return map;
    }

    /// <summary>Per-thread scratch memory, reused across utterances.</summary>
    sealed class Workspace
    {
        // Trie of prefixes. Node 0 is the empty prefix.
        int[] parent = new int[1024], label = new int[1024], stamp = new int[1024];
        double[] pb = new double[1024], pnb = new double[1024], nb = new double[1024], nnb = new double[1024];
        double[] extension = new double[1024], lmTotal = new double[1024];
        ulong[] lmState = new ulong[1024];
        int nodes;

        // Open-addressing map (parent, class) -> child, invalidated per utterance by a generation.
        long[] keys = new long[4096];
        int[] values = new int[4096], generation = new int[4096];
        int currentGeneration, mapCount;

        int[] beam = [], touched = new int[256];
        double[] touchedScore = new double[256];
        int[] topIds = [];
        float[] topLogProbs = [];
        double[] topProbs = [];

        public IReadOnlyList<Hypothesis> Run(BeamSearchDecoder owner, ReadOnlySpan<float> logProbs, int frames, int classes)
        {
            var o = owner.options;
            var lm = o.LanguageModel;
            int[]? classToWord = lm is null ? null : owner.ClassToWord(classes);
            int k = Math.Min(o.TopClasses, classes);
            if (topIds.Length < k) { topIds = new int[k]; topLogProbs = new float[k]; topProbs = new double[k]; }
            if (beam.Length < o.BeamWidth) beam = new int[o.BeamWidth];
            Reset(lm);

            int beamCount = 1;
            beam[0] = 0;
            pb[0] = 1; pnb[0] = 0;
            double logScale = 0;
            for (int t = 0; t < frames; t++)
            {
                var row = logProbs.Slice(t * classes, classes);
                int candidates = SelectTop(row, k, o.CutoffProbability, t);
                int touchedCount = 0;
                for (int i = 0; i < beamCount; i++)
                {
                    int n = beam[i];
                    double b = pb[n], nbv = pnb[n], total = b + nbv;
                    int last = n == 0 ? -1 : label[n];
                    for (int j = 0; j < candidates; j++)
                    {
                        int c = topIds[j];
                        double p = topProbs[j];
                        if (c == o.Blank)
                        {
                            Touch(n, t, ref touchedCount);
                            nb[n] += total * p;
                        }
                        else if (c == last)
                        {
                            Touch(n, t, ref touchedCount);
                            nnb[n] += nbv * p;
                            if (b > 0)
                            {
                                int child = Child(n, c, classes, lm, classToWord, o);
                                Touch(child, t, ref touchedCount);
                                nnb[child] += b * p * extension[child];
                            }
                        }
                        else
                        {
                            int child = Child(n, c, classes, lm, classToWord, o);
                            Touch(child, t, ref touchedCount);
                            nnb[child] += total * p * extension[child];
                        }
                    }
                }
                beamCount = Prune(touchedCount, o.BeamWidth);
                double max = 0;
                for (int i = 0; i < beamCount; i++) max = Math.Max(max, nb[beam[i]] + nnb[beam[i]]);
                double inv = max > 0 ? 1 / max : 1;
                if (max > 0) logScale += Math.Log(max);
                for (int i = 0; i < beamCount; i++)
                {
                    int n = beam[i];
                    pb[n] = nb[n] * inv;
                    pnb[n] = nnb[n] * inv;
                }
            }
            return Finish(beamCount, logScale, lm, o);
        }

        void Reset(ArpaLanguageModel? lm)
        {
            nodes = 1;
            parent[0] = -1; label[0] = -1; stamp[0] = -1;
            lmTotal[0] = 0;
            lmState[0] = lm?.StartState ?? 0;
            mapCount = 0;
            if (++currentGeneration == int.MaxValue) { Array.Clear(generation); currentGeneration = 1; }
        }

        /// <summary>Fills topIds/topProbs with the k most probable classes of the frame (min-heap), applying the cumulative cutoff.</summary>
        int SelectTop(ReadOnlySpan<float> row, int k, double cutoff, int frame)
        {
            int count = 0;
            for (int c = 0; c < row.Length; c++)
            {
                float v = row[c];
                if (count < k)
                {
                    int i = count++;
                    while (i > 0 && topLogProbs[(i - 1) >> 1] > v) { int up = (i - 1) >> 1; topLogProbs[i] = topLogProbs[up]; topIds[i] = topIds[up]; i = up; }
                    topLogProbs[i] = v; topIds[i] = c;
                }
                else if (v > topLogProbs[0])
                {
                    SiftDown(v, c, k);
                }
                else if (float.IsNaN(v))
                {
                    throw new GlossaException($"beam search: frame {frame} holds NaN log-probabilities; the model output is broken");
                }
            }
            if (cutoff < 1)
            {
                // Most probable first, then keep classes until their cumulative probability reaches the cutoff.
                Array.Sort(topLogProbs, topIds, 0, count);
                Array.Reverse(topLogProbs, 0, count);
                Array.Reverse(topIds, 0, count);
                double sum = 0;
                for (int j = 0; j < count; j++)
                {
                    sum += Math.Exp(topLogProbs[j]);
                    if (sum >= cutoff) { count = j + 1; break; }
                }
            }
            for (int j = 0; j < count; j++)
            {
                if (float.IsNaN(topLogProbs[j])) throw new GlossaException($"beam search: frame {frame} holds NaN log-probabilities; the model output is broken");
                topProbs[j] = Math.Exp(topLogProbs[j]);
            }
            return count;
        }

        void SiftDown(float v, int c, int k)
        {
            int i = 0;
            while (true)
            {
                int l = 2 * i + 1;
                if (l >= k) break;
                int r = l + 1;
                int m = r < k && topLogProbs[r] < topLogProbs[l] ? r : l;
                if (topLogProbs[m] >= v) break;
                topLogProbs[i] = topLogProbs[m]; topIds[i] = topIds[m];
                i = m;
            }
            topLogProbs[i] = v; topIds[i] = c;
        }

        void Touch(int n, int t, ref int count)
        {
            if (stamp[n] == t) return;
            stamp[n] = t;
            nb[n] = 0; nnb[n] = 0;
            if (count == touched.Length)
            {
                Array.Resize(ref touched, count * 2);
                Array.Resize(ref touchedScore, count * 2);
            }
            touched[count++] = n;
        }

        int Child(int n, int c, int classes, ArpaLanguageModel? lm, int[]? classToWord, BeamSearchOptions o)
        {
            long key = (long)n * classes + c;
            int mask = keys.Length - 1;
            int slot = (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15L)) >> 40) & mask;
            while (generation[slot] == currentGeneration)
            {
                if (keys[slot] == key) return values[slot];
                slot = (slot + 1) & mask;
            }
            int child = NewNode(n, c, lm, classToWord, o);
            keys[slot] = key; values[slot] = child; generation[slot] = currentGeneration;
            if (++mapCount * 2 > keys.Length) GrowMap(classes);
            return child;
        }

        int NewNode(int n, int c, ArpaLanguageModel? lm, int[]? classToWord, BeamSearchOptions o)
        {
            if (nodes == parent.Length) GrowNodes();
            int id = nodes++;
            parent[id] = n; label[id] = c; stamp[id] = -1;
            double bonus = o.InsertionBonus;
            if (lm is not null)
            {
                double s = lm.Score(lmState[n], classToWord![c], out lmState[id]);
                bonus += o.LmWeight * s;
            }
            lmTotal[id] = lmTotal[n] + bonus;
            extension[id] = Math.Exp(bonus);
            return id;
        }

        void GrowNodes()
        {
            int size = parent.Length * 2;
            Array.Resize(ref parent, size); Array.Resize(ref label, size); Array.Resize(ref stamp, size);
            Array.Resize(ref pb, size); Array.Resize(ref pnb, size); Array.Resize(ref nb, size); Array.Resize(ref nnb, size);
            Array.Resize(ref extension, size); Array.Resize(ref lmTotal, size); Array.Resize(ref lmState, size);
        }

        void GrowMap(int classes)
        {
            var oldKeys = keys; var oldValues = values; var oldGen = generation;
            keys = new long[oldKeys.Length * 2]; values = new int[keys.Length]; generation = new int[keys.Length];
            int mask = keys.Length - 1;
            for (int i = 0; i < oldKeys.Length; i++)
            {
                if (oldGen[i] != currentGeneration) continue;
                int slot = (int)((ulong)(oldKeys[i] * unchecked((long)0x9E3779B97F4A7C15L)) >> 40) & mask;
                while (generation[slot] == currentGeneration) slot = (slot + 1) & mask;
                keys[slot] = oldKeys[i]; values[slot] = oldValues[i]; generation[slot] = currentGeneration;
            }
            _ = classes;
        }

        /// <summary>Keeps the best <paramref name="width"/> touched prefixes (quickselect, no full sort) in beam.</summary>
        int Prune(int count, int width)
        {
            for (int i = 0; i < count; i++) touchedScore[i] = nb[touched[i]] + nnb[touched[i]];
            if (count > width) QuickSelect(count, width);
            int kept = Math.Min(count, width);
            Array.Copy(touched, beam, kept);
            return kept;
        }

        /// <summary>Partitions touched[0..count) so the <paramref name="k"/> highest scores come first.</summary>
        void QuickSelect(int count, int k)
        {
            int lo = 0, hi = count - 1;
            while (lo < hi)
            {
                double pivot = touchedScore[(lo + hi) >> 1];
                int i = lo, j = hi;
                while (i <= j)
                {
                    while (touchedScore[i] > pivot) i++;
                    while (touchedScore[j] < pivot) j--;
                    if (i <= j)
                    {
                        (touchedScore[i], touchedScore[j]) = (touchedScore[j], touchedScore[i]);
                        (touched[i], touched[j]) = (touched[j], touched[i]);
                        i++; j--;
                    }
                }
                if (k - 1 <= j) hi = j;
                else if (k - 1 >= i) lo = i;
                else break;
            }
        }

        IReadOnlyList<Hypothesis> Finish(int beamCount, double logScale, ArpaLanguageModel? lm, BeamSearchOptions o)
        {
            var list = new List<(int Node, double Score, double Acoustic)>(beamCount);
            for (int i = 0; i < beamCount; i++)
            {
                int n = beam[i];
                double total = pb[n] + pnb[n];
                double withLm = total > 0 ? Math.Log(total) + logScale : double.NegativeInfinity;
                double acoustic = withLm - lmTotal[n];
                double score = withLm;
                if (lm is not null && lm.EndId >= 0) score += o.LmWeight * lm.Score(lmState[n], lm.EndId, out _);
                list.Add((n, score, acoustic));
            }
            // Best first; equal scores keep shorter prefixes first, then lower node ids, so results are deterministic.
            list.Sort((a, b) => b.Score.CompareTo(a.Score) is var s && s != 0 ? s : a.Node.CompareTo(b.Node));
            var result = new List<Hypothesis>(Math.Min(o.NBest, list.Count));
            foreach (var (node, score, acoustic) in list.Take(o.NBest))
                result.Add(new Hypothesis(Labels(node, o.CollapseRepeats), score, acoustic));
            return result;
        }

        int[] Labels(int node, bool collapse)
        {
            var ids = new List<int>();
            for (int n = node; n > 0; n = parent[n]) ids.Add(label[n]);
            ids.Reverse();
            if (!collapse) return ids.ToArray();
            var result = new List<int>(ids.Count);
            foreach (int id in ids)
                if (result.Count == 0 || result[^1] != id) result.Add(id);
            return result.ToArray();
        }
    }
}
