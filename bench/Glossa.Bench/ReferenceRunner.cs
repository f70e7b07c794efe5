using System.Text.Json;
using Glossa.Common;

namespace Glossa.Bench;

/// <summary>
/// The PyTorch side of `glossa model bench`: bench/models/reference.py runs bench_models.py in each
/// allocator configuration a PyTorch user could pick (glibc default, jemalloc, tuned glibc; same
/// thread count), interleaved, and names the fastest. The launcher sets each configuration's
/// environment itself, so this process's LD_PRELOAD is passed through untouched.
/// </summary>
public static class ReferenceRunner
{
    /// <summary>Medians per configuration and the fastest one.</summary>
    public sealed record Result(double BestMs, string Best, IReadOnlyDictionary<string, double> Configs, IReadOnlyDictionary<string, List<double>> Samples)
    {
        /// <summary>
        /// This result with <paramref name="later"/>'s samples of the same configuration added (its median retaken over all
        /// of them); the fastest is then chosen again, so a pooled median that rose above another configuration's hands the anchor to that one.
        /// </summary>
        public Result Pooled(Result later)
        {
            var samples = Samples.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
            samples[Best] = [.. samples[Best], .. later.Samples.GetValueOrDefault(Best) ?? []];
            var configs = new Dictionary<string, double>(Configs) { [Best] = Glossa.Common.Statistics.Median(samples[Best]) };
            var fastest = configs.MinBy(kv => kv.Value);
            return new Result(fastest.Value, fastest.Key, configs, samples);
        }
    }

    /// <summary>One launcher run: <paramref name="rounds"/> processes per configuration, each warming up then timing <paramref name="steps"/> steps.</summary>
    /// <param name="configs">Allocator configurations to run (comma-separated), or null for all of them.</param>
    public static Result Run(string script, string model, int size, int batch, int frames, int threads, int warmup, int steps, string mode, int rounds = 1, string? configs = null)
    {
        string launcher = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(script))!, "reference.py");
        if (!File.Exists(launcher))
            throw new GlossaException($"{launcher}: not found beside {script}; pass --python-script none to skip PyTorch");
        using var doc = JsonDocument.Parse(Python(launcher, [.. configs is null ? Array.Empty<string>() : ["--configs", configs], "--rounds", $"{rounds}", "--", "--model", model, "--size", $"{size}", "--batch", $"{batch}",
            "--frames", $"{frames}", "--threads", $"{threads}", "--warmup", $"{warmup}", "--steps", $"{steps}", "--mode", mode]));
        var root = doc.RootElement;
        var medians = new Dictionary<string, double>();
        var samples = new Dictionary<string, List<double>>();
        foreach (var c in root.GetProperty("configs").EnumerateObject())
        {
            if (!c.Value.TryGetProperty("median_ms", out var m)) continue;
            medians[c.Name] = m.GetDouble();
            samples[c.Name] = c.Value.GetProperty("samples_ms").EnumerateArray().Select(x => x.GetDouble()).ToList();
        }
        return new Result(root.GetProperty("median_ms").GetDouble(), root.GetProperty("best").GetString()!, medians, samples);
    }

    /// <summary>bench_models.py itself, in this process's environment, with extra arguments; returns its stdout.</summary>
    public static string Direct(string script, IEnumerable<string> args) => Python(script, args);

    static string Python(string script, IEnumerable<string> args)
    {
        const string Advice = "install python3-torch python3-torchvision or pass --python-script none";
        ProcessResult result;
        try { result = ProcessRunner.Run(ExternalTool.Python.StartInfo([script, .. args]), "python3", allowFailure: true); }
        catch (GlossaException e) { throw new GlossaException($"cannot start python3 for the PyTorch side ({e.Message}); {Advice}", e); }
        if (result.ExitCode != 0)
            throw new GlossaException($"{script} failed: {result.Stderr.Trim().Split('\n').LastOrDefault()}; {Advice}");
        return result.Stdout;
    }
}
