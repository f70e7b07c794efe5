using System.Diagnostics;

namespace Glossa.Bench;

/// <summary>How a benchmark run is set up.</summary>
/// <param name="Quick">Fewer repetitions and smaller sizes.</param>
/// <param name="Reps">Repetitions per measurement.</param>
/// <param name="Repo">The repository root (bench/ scripts, docs/).</param>
/// <param name="WorkDir">A temporary folder for corpora, runs and videos.</param>
/// <param name="Glossa">Start settings of the glossa command line with the given arguments (benchmarks that need a fresh process: training, peak memory).</param>
/// <param name="ScaleDir">The scale benchmark's <c>glossa synth</c> folder: reused when it holds a corpus, generated otherwise (null: <c>WorkDir/scale</c>).</param>
public sealed record BenchSettings(bool Quick, int Reps, string Repo, string WorkDir, Func<IEnumerable<string>, ProcessStartInfo> Glossa, string? ScaleDir = null);
