namespace Glossa.Decoding;

/// <summary>
/// Peaked synthetic CTC posteriors for benchmarks and smoke tests, shaped like a trained
/// model's output: per frame, logits are N(0,1); one class dominates (+7: the blank on about
/// half of the frames, otherwise the current gloss of a random gloss sequence held for a few
/// frames) and two random competitors get +4; then log-softmax.
/// </summary>
public static class SyntheticPosteriors
{
    /// <summary>(count, frames, classes) row-major log-probabilities.</summary>
    public static float[] Generate(int count, int frames, int classes, int seed)
    {
        var result = new float[(long)count * frames * classes];
        Parallel.For(0, count, u =>
        {
            var rng = new Random(seed * 1_000_003 + u);
            var logits = new double[classes];
            int gloss = 1 + rng.Next(classes - 1), hold = 0;
            for (int t = 0; t < frames; t++)
            {
                if (hold-- <= 0) { gloss = 1 + rng.Next(classes - 1); hold = 1 + rng.Next(4); }
                for (int c = 0; c < classes; c++) logits[c] = Gaussian(rng);
                logits[rng.NextDouble() < 0.5 ? 0 : gloss] += 7;
                logits[rng.Next(classes)] += 4;
                logits[rng.Next(classes)] += 4;
                double max = logits.Max(), sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.Exp(logits[c] - max);
                double lse = max + Math.Log(sum);
                long row = ((long)u * frames + t) * classes;
                for (int c = 0; c < classes; c++) result[row + c] = (float)(logits[c] - lse);
            }
        });
        return result;
    }

    static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
