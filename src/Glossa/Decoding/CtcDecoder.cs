using Glossa.Common;

namespace Glossa.Decoding;

/// <summary>
/// The one log-probabilities -> hypotheses step of evaluation, validation and recognition:
/// best-path decoding (<see cref="GreedyDecoder"/>) for a beam of 0 or 1, prefix beam search
/// (<see cref="BeamSearchDecoder"/>) otherwise. Both follow the CTC rule ("A _ A" is "A A").
/// </summary>
public sealed class CtcDecoder
{
    readonly BeamSearchDecoder? beam;
    readonly int threads;

    CtcDecoder(BeamSearchDecoder? beam, int threads)
    {
        this.beam = beam;
        this.threads = threads;
    }

    /// <summary>Best-path decoding.</summary>
    public static CtcDecoder Greedy(int threads = 0) => new(null, threads);

    /// <summary>
    /// Greedy for <paramref name="beamWidth"/> 0 or 1, else beam search over the 40 most likely
    /// classes of each frame (ctcdecode's default cut-off) returning <paramref name="nBest"/> hypotheses.
    /// </summary>
    public static CtcDecoder Create(int beamWidth, int classes, int nBest = 1, int threads = 0)
    {
        if (beamWidth < 0) throw new GlossaException($"--beam {beamWidth} must be 0 (greedy) or more");
        if (beamWidth <= 1) return Greedy(threads);
        return new(new BeamSearchDecoder(new BeamSearchOptions
        {
            BeamWidth = beamWidth,
            NBest = Math.Min(Math.Max(1, nBest), beamWidth),
            TopClasses = Math.Min(40, classes),
            Threads = threads,
        }), threads);
    }

    /// <summary>A beam search with explicit options (language model, cut-offs).</summary>
    public static CtcDecoder Beam(BeamSearchOptions options) => new(new BeamSearchDecoder(options), options.Threads);

    /// <summary>True for best-path decoding.</summary>
    public bool IsGreedy => beam is null;

    /// <summary>"greedy" or "beam-N": reported in results and used in output file names, so runs of different decoders do not overwrite each other.</summary>
    public string Name => beam is null ? "greedy" : $"beam-{beam.Options.BeamWidth}";

    /// <summary>Hypotheses of one utterance, best first (one for greedy decoding).</summary>
    public IReadOnlyList<Hypothesis> Decode(ReadOnlySpan<float> logProbs, int frames, int classes)
    {
        if (beam is not null) return beam.Decode(logProbs, frames, classes);
        var path = GreedyDecoder.Path(logProbs, frames, classes);
        return [new Hypothesis(path.Ids(), path.Score, path.Score)];
    }

    /// <summary>Hypotheses of every utterance of a batch, best first.</summary>
    public IReadOnlyList<IReadOnlyList<Hypothesis>> DecodeBatch(LogProbBatch batch)
    {
        if (beam is not null) return beam.DecodeBatch(batch.Values, batch.Lengths, batch.MaxFrames, batch.Classes);
        return GreedyDecoder.PathBatch(batch.Values, batch.Lengths, batch.MaxFrames, batch.Classes, threads: threads)
            .Select(p => (IReadOnlyList<Hypothesis>)[new Hypothesis(p.Ids(), p.Score, p.Score)]).ToList();
    }

    /// <summary>The best labelling of every utterance of a batch.</summary>
    public int[][] BestBatch(LogProbBatch batch) =>
        DecodeBatch(batch).Select(n => n.Count > 0 ? n[0].Ids : []).ToArray();
}
