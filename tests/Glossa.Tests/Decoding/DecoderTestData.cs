namespace Glossa.Tests.Decoding;

/// <summary>Builders for log-probability matrices used by the decoder tests and benchmarks' sanity checks.</summary>
internal static class DecoderTestData
{
    /// <summary>(T, C) log-probabilities from rows of probabilities.</summary>
    public static float[] FromProbs(double[][] rows) =>
        rows.SelectMany(r => r.Select(p => (float)Math.Log(p))).ToArray();

    /// <summary>Log-softmax of random logits scaled by <paramref name="sharpness"/>.</summary>
    public static float[] RandomLogProbs(Random rng, int frames, int classes, double sharpness)
    {
        var result = new float[frames * classes];
        for (int t = 0; t < frames; t++)
        {
            var logits = Enumerable.Range(0, classes).Select(_ => rng.NextDouble() * sharpness).ToArray();
            double max = logits.Max();
            double lse = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            for (int c = 0; c < classes; c++) result[t * classes + c] = (float)(logits[c] - lse);
        }
        return result;
    }

    /// <summary>
    /// Exhaustive CTC: sums the probability of every frame path per labelling (collapse repeats,
    /// drop blanks) and returns all labellings with their natural-log probability.
    /// </summary>
    public static Dictionary<string, double> Exhaustive(float[] logProbs, int frames, int classes, int blank = 0)
    {
        var sums = new Dictionary<string, double>();
        var path = new int[frames];
        long total = (long)Math.Pow(classes, frames);
        for (long code = 0; code < total; code++)
        {
            long x = code;
            double p = 1;
            for (int t = 0; t < frames; t++) { path[t] = (int)(x % classes); x /= classes; p *= Math.Exp(logProbs[t * classes + path[t]]); }
            var labels = new List<int>();
            int prev = -1;
            foreach (int c in path)
            {
                if (c != prev && c != blank) labels.Add(c);
                prev = c;
            }
            string key = string.Join(',', labels);
            sums[key] = sums.GetValueOrDefault(key) + p;
        }
        return sums.ToDictionary(p => p.Key, p => Math.Log(p.Value));
    }
}
