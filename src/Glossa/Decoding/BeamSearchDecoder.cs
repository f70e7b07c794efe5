// Over 400 lines on purpose: the search, its flat trie and its per-frame class selection share one workspace and one hot loop.
using System.Numerics;
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

        int[] beam = [], touched = new int[256], beamStamp = new int[1024];
        int[] pairParent = new int[16], pairLabel = new int[16];
        int pairCount;
        double[] heap = [];
        double[] touchedScore = new double[256];
        int[] topIds = [], selectIds = [];
        float[] selectValues = [];
        ulong[] selectKeys = [];
        float lastGap = 8;
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
                int touchedCount = Step(t, beamCount, candidates, o, lm, classToWord, classes);
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

        /// <summary>
        /// One frame of prefix beam search. Beam members first receive everything that can reach
        /// them (blank, repeat, extension from a parent in the beam); their scores are then final.
        /// A new prefix has a single source (its parent), so its score is known before it is
        /// created: prefixes that cannot reach the top <c>width</c> are never materialised. The
        /// threshold is the width-th best of the exact scores (without an LM) or of the beam's
        /// scores (with an LM, whose factor is bounded by e^bonus); the result is the same as
        /// extending with every candidate and pruning afterwards.
        /// </summary>
        int Step(int t, int beamCount, int candidates, BeamSearchOptions o, ArpaLanguageModel? lm, int[]? classToWord, int classes)
        {
            int touchedCount = 0;
            int blankAt = -1;
            for (int j = 0; j < candidates; j++) if (topIds[j] == o.Blank) { blankAt = j; break; }
            for (int i = 0; i < beamCount; i++) beamStamp[beam[i]] = t;

            // Carry-over of every beam member: blank, and the repeat of its last label.
            for (int i = 0; i < beamCount; i++)
            {
                int n = beam[i];
                Touch(n, t, ref touchedCount);
                if (blankAt >= 0) nb[n] += (pb[n] + pnb[n]) * topProbs[blankAt];
                if (n != 0 && CandidateIndex(label[n], candidates) is int r && r >= 0) nnb[n] += pnb[n] * topProbs[r];
            }
            // Extensions whose child is itself in the beam.
            pairCount = 0;
            for (int i = 0; i < beamCount; i++)
            {
                int m = beam[i];
                if (m == 0 || beamStamp[parent[m]] != t) continue;
                int n = parent[m], c = label[m];
                if (pairCount == pairParent.Length) { Array.Resize(ref pairParent, pairCount * 2); Array.Resize(ref pairLabel, pairCount * 2); }
                pairParent[pairCount] = n; pairLabel[pairCount++] = c;
                int j = CandidateIndex(c, candidates);
                if (j < 0) continue;
                double source = n != 0 && label[n] == c ? pb[n] : pb[n] + pnb[n];
                nnb[m] += source * topProbs[j] * extension[m];
            }

            double bound = Math.Exp(o.InsertionBonus);
            double threshold = Threshold(beamCount, candidates, o, lm is null, bound);
            // New prefixes (or pruned old ones) that can still reach the beam.
            var grow = new Grow(this, threshold, bound, t, touchedCount, classes, lm, classToWord, o);
            VisitExtensions(beamCount, candidates, o.Blank, bound, ref grow);
            return grow.TouchedCount;
        }

        /// <summary>
        /// Every extension of a beam prefix by a non-blank candidate whose child is not itself in the beam, with the
        /// prefix mass it draws from (blank-ending only for a repeated label). Candidates are sorted, so a prefix's
        /// remaining ones are skipped once <see cref="IExtensionVisitor.Reaches"/> refuses one's upper bound. Generic over
        /// a struct so that the JIT specialises the visitor into this hot loop.
        /// </summary>
        void VisitExtensions<TVisitor>(int beamCount, int candidates, int blank, double bound, ref TVisitor visitor) where TVisitor : struct, IExtensionVisitor
        {
            for (int i = 0; i < beamCount; i++)
            {
                int n = beam[i];
                double b = pb[n], total = b + pnb[n];
                int last = n == 0 ? -1 : label[n];
                for (int j = 0; j < candidates; j++)
                {
                    int c = topIds[j];
                    if (c == blank) continue;
                    double p = topProbs[j];
                    if (!visitor.Reaches(total * p * bound)) break;
                    if (IsBeamPair(n, c)) continue;
                    visitor.Visit(n, c, p, c == last ? b : total);
                }
            }
        }

        interface IExtensionVisitor
        {
            /// <summary>False when an extension scoring at most <paramref name="upper"/> can no longer matter.</summary>
            bool Reaches(double upper);

            /// <summary>Prefix <paramref name="n"/> extended by class <paramref name="c"/> of probability <paramref name="p"/>, drawing on <paramref name="source"/>.</summary>
            void Visit(int n, int c, double p, double source);
        }

        /// <summary>Materialises the extensions that can reach the beam and adds their scores.</summary>
        struct Grow(Workspace w, double threshold, double bound, int t, int touchedCount, int classes, ArpaLanguageModel? lm, int[]? classToWord, BeamSearchOptions o) : IExtensionVisitor
        {
            public int TouchedCount = touchedCount;

            public readonly bool Reaches(double upper) => !(upper < threshold);

            public void Visit(int n, int c, double p, double source)
            {
                if (source * p * bound < threshold || source == 0) return;
                int child = w.Child(n, c, classes, lm, classToWord, o);
                w.Touch(child, t, ref TouchedCount);
                w.nnb[child] += source * p * w.extension[child];
            }
        }

        /// <summary>Keeps the <c>width</c> largest extension scores in the heap.</summary>
        struct Rank(Workspace w, int width, int size, double bound) : IExtensionVisitor
        {
            public int Size = size;

            public readonly bool Reaches(double upper) => !(Size == width && upper <= w.heap[0]);

            public void Visit(int n, int c, double p, double source) => w.HeapPush(source * p * bound, width, ref Size);
        }

        /// <summary>The width-th largest final score among beam members and (without an LM) new extensions; 0 when fewer exist.</summary>
        double Threshold(int beamCount, int candidates, BeamSearchOptions o, bool exactExtensions, double bound)
        {
            int width = o.BeamWidth, size = 0;
            if (heap.Length < width) heap = new double[width];
            for (int i = 0; i < beamCount; i++) HeapPush(nb[beam[i]] + nnb[beam[i]], width, ref size);
            if (exactExtensions)
            {
                var rank = new Rank(this, width, size, bound);
                VisitExtensions(beamCount, candidates, o.Blank, bound, ref rank);
                size = rank.Size;
            }
            return size == width ? heap[0] : 0;
        }

        void HeapPush(double v, int width, ref int size)
        {
            if (size < width)
            {
                int i = size++;
                while (i > 0 && heap[(i - 1) >> 1] > v) { heap[i] = heap[(i - 1) >> 1]; i = (i - 1) >> 1; }
                heap[i] = v;
                return;
            }
            if (v <= heap[0]) return;
            int k = 0;
            while (true)
            {
                int l = 2 * k + 1;
                if (l >= width) break;
                int r = l + 1;
                int m = r < width && heap[r] < heap[l] ? r : l;
                if (heap[m] >= v) break;
                heap[k] = heap[m];
                k = m;
            }
            heap[k] = v;
        }

        bool IsBeamPair(int n, int c)
        {
            for (int q = 0; q < pairCount; q++)
                if (pairParent[q] == n && pairLabel[q] == c) return true;
            return false;
        }

        int CandidateIndex(int c, int candidates)
        {
            for (int j = 0; j < candidates; j++) if (topIds[j] == c) return j;
            return -1;
        }

        void Reset(ArpaLanguageModel? lm)
        {
            nodes = 1;
            parent[0] = -1; label[0] = -1; stamp[0] = -1; beamStamp[0] = -1;
            lmTotal[0] = 0;
            lmState[0] = lm?.StartState ?? 0;
            mapCount = 0;
            if (++currentGeneration == int.MaxValue) { Array.Clear(generation); currentGeneration = 1; }
        }

        /// <summary>
        /// Fills topIds/topProbs with the k most probable classes of the frame, most probable first,
        /// then applies the cumulative cutoff. No heap or full sort over all classes: a vector pass
        /// finds the maximum, a second one collects the classes above max - gap (the gap adapts
        /// from frame to frame, doubling until at least k classes pass), and only those few are sorted.
        /// </summary>
        int SelectTop(ReadOnlySpan<float> row, int k, double cutoff, int frame)
        {
            if (selectValues.Length < row.Length) { selectValues = new float[row.Length]; selectIds = new int[row.Length]; }
            float max = MaxOrThrow(row, frame);
            float gap = k >= row.Length ? float.PositiveInfinity : FindGap(row, max, k);
            int collected = Collect(row, gap == float.PositiveInfinity ? float.NegativeInfinity : max - gap);
            // One primitive sort of packed keys: descending log-prob in the high half (order-
            // preserving bits, inverted), class id in the low half, so ties keep the lower class first.
            if (selectKeys.Length < collected) selectKeys = new ulong[Math.Max(collected, selectValues.Length)];
            for (int j = 0; j < collected; j++)
            {
                uint bits = BitConverter.SingleToUInt32Bits(selectValues[j]);
                uint ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
                selectKeys[j] = ((ulong)~ordered << 32) | (uint)selectIds[j];
            }
            selectKeys.AsSpan(0, collected).Sort();
            int count = Math.Min(k, collected);
            for (int j = 0; j < count; j++)
            {
                int id = (int)(uint)selectKeys[j];
                topIds[j] = id;
                topLogProbs[j] = row[id];
            }
            if (gap != float.PositiveInfinity) lastGap = gap;
            if (cutoff < 1)
            {
                double sum = 0;
                for (int j = 0; j < count; j++)
                {
                    sum += Math.Exp(topLogProbs[j]);
                    if (sum >= cutoff) { count = j + 1; break; }
                }
            }
            for (int j = 0; j < count; j++) topProbs[j] = Math.Exp(topLogProbs[j]);
            return count;
        }

        /// <summary>
        /// A gap below the maximum that admits between k and about 2k classes, found by vector
        /// counting passes starting from the previous frame's gap (widening, then bisecting).
        /// Returns +inf when fewer than k classes are finite.
        /// </summary>
        float FindGap(ReadOnlySpan<float> row, float max, int k)
        {
            float gap = lastGap, low = 0, high = float.PositiveInfinity;
            for (int iteration = 0; iteration < 40; iteration++)
            {
                int n = CountAbove(row, max - gap);
                if (n < k)
                {
                    low = gap;
                    if (gap > 1e4f) return float.PositiveInfinity;
                    gap = high == float.PositiveInfinity ? gap * 1.5f + 0.5f : (low + high) / 2;
                }
                else if (n > 2 * k && high - low > 1e-3f)
                {
                    high = gap;
                    gap = (low + high) / 2;
                }
                else return gap;
            }
            return high == float.PositiveInfinity ? float.PositiveInfinity : high;
        }

        static int CountAbove(ReadOnlySpan<float> row, float floor)
        {
            int width = Vector<float>.Count, c = 0, n = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var f = new Vector<float>(floor);
                var acc = Vector<int>.Zero;
                for (; c + width <= row.Length; c += width)
                    acc -= Vector.GreaterThan(new Vector<float>(row.Slice(c, width)), f); // true lanes are -1
                n = Vector.Sum(acc);
            }
            for (; c < row.Length; c++) if (row[c] > floor) n++;
            return n;
        }

        static float MaxOrThrow(ReadOnlySpan<float> row, int frame)
        {
            int width = Vector<float>.Count, c = 0;
            float max = float.NegativeInfinity;
            if (Vector.IsHardwareAccelerated && row.Length >= width)
            {
                var m = new Vector<float>(float.NegativeInfinity);
                for (; c + width <= row.Length; c += width)
                {
                    var v = new Vector<float>(row.Slice(c, width));
                    if (!Vector.EqualsAll(v, v)) ThrowNaN(frame); // NaN != NaN: never skipped silently
                    m = Vector.Max(m, v);
                }
                for (int lane = 0; lane < width; lane++) max = Math.Max(max, m[lane]);
            }
            for (; c < row.Length; c++)
            {
                if (float.IsNaN(row[c])) ThrowNaN(frame);
                max = Math.Max(max, row[c]);
            }
            return max;
        }

        /// <summary>Copies the classes whose log-prob exceeds <paramref name="floor"/> (all finite ones for -inf) into the selection buffers.</summary>
        int Collect(ReadOnlySpan<float> row, float floor)
        {
            int width = Vector<float>.Count, c = 0, n = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var f = new Vector<float>(floor);
                for (; c + width <= row.Length; c += width)
                {
                    if (!Vector.GreaterThanAny(new Vector<float>(row.Slice(c, width)), f)) continue;
                    for (int lane = c; lane < c + width; lane++)
                    {
                        // Branch-free compaction: write always, advance only on a hit.
                        float v = row[lane];
                        selectValues[n] = v;
                        selectIds[n] = lane;
                        n += v > floor ? 1 : 0;
                    }
                }
            }
            for (; c < row.Length; c++)
                if (row[c] > floor) { selectValues[n] = row[c]; selectIds[n++] = c; }
            return n;
        }

        static void ThrowNaN(int frame) =>
            throw new GlossaException($"beam search: frame {frame} holds NaN log-probabilities; the model output is broken");

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
            parent[id] = n; label[id] = c; stamp[id] = -1; beamStamp[id] = -1;
            double bonus = o.InsertionBonus;
            if (lm is not null)
            {
                double s = lm.Score(lmState[n], classToWord![c], out lmState[id]);
                bonus += o.LmWeight * s;
            }
            lmTotal[id] = lmTotal[n] + bonus;
            extension[id] = bonus == 0 ? 1 : Math.Exp(bonus);
            return id;
        }

        void GrowNodes()
        {
            int size = parent.Length * 2;
            Array.Resize(ref parent, size); Array.Resize(ref label, size); Array.Resize(ref stamp, size); Array.Resize(ref beamStamp, size);
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
            // Best first; equal scores keep the lower node id (the prefix created first), so results are deterministic.
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
