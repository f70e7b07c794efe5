using System.Globalization;
using System.Text;
using Glossa.Decoding;

namespace Glossa.Bench;

/// <summary>Greedy and beam-search CTC decoding speed on synthetic peaked posteriors (<see cref="SyntheticPosteriors"/>).</summary>
public static class DecodeBenchmark
{
    /// <summary>One decoder at one thread count.</summary>
    public sealed record Row(string Decoder, bool Beam, int Threads, Measurement Speed, double MeanLength);

    /// <summary>The settings and rows of one run.</summary>
    public sealed record Result(int Frames, int Classes, int Utterances, int Repeat, IReadOnlyList<Row> Rows)
    {
        /// <summary>The results as a markdown table with its setting line.</summary>
        public string Markdown()
        {
            var inv = CultureInfo.InvariantCulture;
            var md = new StringBuilder();
            md.Append(inv, $"T={Frames}, C={Classes}, {Utterances} utterances, synthetic peaked posteriors (see SyntheticPosteriors), {Environment.ProcessorCount} cores visible\n\n");
            md.Append(inv, $"Medians of {Repeat} runs; utterances/s is wall-clock, utt/CPU-s divides by the process's CPU time (robust to other load on the machine).\n\n");
            md.Append("| decoder | threads | utterances/s (wall) | utterances per CPU-second | mean output length |\n|---|---:|---:|---:|---:|\n");
            foreach (var r in Rows)
                md.Append(inv, $"| {r.Decoder} | {r.Threads} | {r.Speed.PerWallSecond:F0} | {r.Speed.PerCpuSecond:F0} | {r.MeanLength:F1} |\n");
            return md.ToString();
        }
    }

    /// <summary>Measures both decoders at every thread count.</summary>
    public static Result Run(int frames, int classes, int utterances, int beamWidth, int topClasses, IReadOnlyList<int> threads, int repeat)
    {
        var data = SyntheticPosteriors.Generate(utterances, frames, classes, seed: 1);
        var lengths = Enumerable.Repeat(frames, utterances).ToArray();
        var rows = new List<Row>();
        foreach (int th in threads)
        {
            GreedyDecoder.DecodeBatch(data, lengths, frames, classes, threads: th); // warm-up
            int[][] greedy = [];
            var g = Measurement.Of(utterances, repeat, () => greedy = GreedyDecoder.DecodeBatch(data, lengths, frames, classes, threads: th));
            rows.Add(new("greedy", false, th, g, greedy.Average(x => x.Length)));
            var decoder = new BeamSearchDecoder(new BeamSearchOptions { BeamWidth = beamWidth, TopClasses = topClasses, Threads = th });
            int warm = Math.Min(utterances, 200);
            decoder.DecodeBatch(data[..(warm * frames * classes)], lengths[..warm], frames, classes); // warm-up
            IReadOnlyList<IReadOnlyList<Hypothesis>> beams = [];
            var b = Measurement.Of(utterances, repeat, () => beams = decoder.DecodeBatch(data, lengths, frames, classes));
            rows.Add(new($"beam {beamWidth} (top {topClasses})", true, th, b, beams.Average(x => x[0].Ids.Length)));
        }
        return new(frames, classes, utterances, repeat, rows);
    }
}
