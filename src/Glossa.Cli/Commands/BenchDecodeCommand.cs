using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Glossa.Decoding;

namespace Glossa.Cli.Commands;

/// <summary>Hidden <c>glossa bench-decode</c>: greedy and beam-search decoding speed on synthetic peaked posteriors, as a markdown table.</summary>
internal static class BenchDecodeCommand
{
    public static Command Create()
    {
        var frames = new Option<int>("--frames") { Description = "Frames per utterance (T).", DefaultValueFactory = _ => 60 };
        var classes = new Option<int>("--classes") { Description = "Classes per frame, blank included (C).", DefaultValueFactory = _ => 1296 };
        var count = new Option<int>("--utterances") { Description = "Utterances per measurement.", DefaultValueFactory = _ => 4000 };
        var beam = new Option<int>("--beam") { Description = "Beam width.", DefaultValueFactory = _ => 10 };
        var top = new Option<int>("--top-classes") { Description = "Classes per frame considered by the beam search.", DefaultValueFactory = _ => 40 };
        var reps = new Option<int>("--repeat") { Description = "Runs per measurement (the median is printed).", DefaultValueFactory = _ => 5 };
        var threads = new Option<string>("--threads") { Description = "Comma-separated thread counts.", DefaultValueFactory = _ => "1,2" };
        var command = new Command("bench-decode", "Benchmark the CTC decoders (utterances per second).") { Hidden = true };
        foreach (var o in new Option[] { frames, classes, count, beam, top, threads, reps }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            int t = parse.GetValue(frames), c = parse.GetValue(classes), n = parse.GetValue(count);
            var data = SyntheticPosteriors.Generate(n, t, c, seed: 1);
            var lengths = Enumerable.Repeat(t, n).ToArray();
            Console.WriteLine($"T={t}, C={c}, {n} utterances, synthetic peaked posteriors (see SyntheticPosteriors), {Environment.ProcessorCount} cores visible");
            Console.WriteLine();
            int repeat = parse.GetValue(reps);
            Console.WriteLine($"Medians of {repeat} runs; utterances/s is wall-clock, utt/CPU-s divides by the process's CPU time (robust to other load on the machine).");
            Console.WriteLine();
            Console.WriteLine("| decoder | threads | utterances/s (wall) | utterances per CPU-second | mean output length |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (int th in parse.GetValue(threads)!.Split(',').Select(int.Parse))
            {
                GreedyDecoder.DecodeBatch(data, lengths, t, c, threads: th); // warm-up
                int[][] greedy = [];
                Measure("greedy", th, n, repeat, () => greedy = GreedyDecoder.DecodeBatch(data, lengths, t, c, threads: th), () => greedy.Average(g => g.Length));
                var decoder = new BeamSearchDecoder(new BeamSearchOptions { BeamWidth = parse.GetValue(beam), TopClasses = parse.GetValue(top), Threads = th });
                decoder.DecodeBatch(data[..(Math.Min(n, 200) * t * c)], lengths[..Math.Min(n, 200)], t, c); // warm-up
                IReadOnlyList<IReadOnlyList<Hypothesis>> beams = [];
                Measure($"beam {parse.GetValue(beam)} (top {parse.GetValue(top)})", th, n, repeat, () => beams = decoder.DecodeBatch(data, lengths, t, c), () => beams.Average(b => b[0].Ids.Length));
            }
            return 0;
        }));
        return command;
    }

    static void Measure(string name, int threads, int n, int repeat, Action run, Func<double> length)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < repeat; r++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            run();
            wall.Add(n / sw.Elapsed.TotalSeconds);
            process.Refresh();
            cpu.Add(n / (process.TotalProcessorTime - cpu0).TotalSeconds);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {threads} | {Median(wall):F0} | {Median(cpu):F0} | {length():F1} |"));
    }

    static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
