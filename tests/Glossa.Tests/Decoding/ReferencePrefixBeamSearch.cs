namespace Glossa.Tests.Decoding;

/// <summary>
/// A deliberately plain CTC prefix beam search (dictionaries of label strings, full sorts, all
/// classes, probabilities in double) that the optimised decoder must agree with.
/// </summary>
internal static class ReferencePrefixBeamSearch
{
    public static List<(string Labels, double LogScore)> Decode(float[] logProbs, int frames, int classes, int width, int topClasses = int.MaxValue)
    {
        var beam = new Dictionary<string, (double B, double NB)> { [""] = (1, 0) };
        double logScale = 0;
        for (int t = 0; t < frames; t++)
        {
            var next = new Dictionary<string, (double B, double NB)>();
            void Add(string k, double b, double nb)
            {
                var v = next.GetValueOrDefault(k);
                next[k] = (v.B + b, v.NB + nb);
            }
            // Top classes of the frame by a full sort (what the optimised selection must reproduce).
            var allowed = Enumerable.Range(0, classes).OrderByDescending(c => logProbs[t * classes + c]).ThenBy(c => c).Take(topClasses).ToHashSet();
            foreach (var (prefix, (b, nb)) in beam)
            {
                var labels = prefix.Length == 0 ? [] : prefix.Split(',');
                string last = labels.Length == 0 ? "" : labels[^1];
                for (int c = 0; c < classes; c++)
                {
                    if (!allowed.Contains(c)) continue;
                    double p = Math.Exp(logProbs[t * classes + c]);
                    if (c == 0) { Add(prefix, (b + nb) * p, 0); continue; }
                    string extended = prefix.Length == 0 ? c.ToString() : prefix + "," + c;
                    if (c.ToString() == last) { Add(prefix, 0, nb * p); Add(extended, 0, b * p); }
                    else Add(extended, 0, (b + nb) * p);
                }
            }
            var kept = next.OrderByDescending(p => p.Value.B + p.Value.NB).Take(width).ToList();
            double max = kept.Max(p => p.Value.B + p.Value.NB);
            logScale += Math.Log(max);
            beam = kept.ToDictionary(p => p.Key, p => (p.Value.B / max, p.Value.NB / max));
        }
        return beam.Select(p => (p.Key, Math.Log(p.Value.B + p.Value.NB) + logScale)).OrderByDescending(p => p.Item2).ToList();
    }
}
