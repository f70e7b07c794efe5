using System.Diagnostics;
using System.Text.Json;
using Glossa.Common;

namespace Glossa.Cli.Commands;

/// <summary>
/// The PyTorch side of `glossa model bench`: bench/models/reference.py runs bench_models.py in each
/// allocator configuration a PyTorch user could pick (glibc default, jemalloc, tuned glibc; same
/// thread count), interleaved, and names the fastest. The launcher sets each configuration's
/// environment itself, so this process's LD_PRELOAD is passed through untouched.
/// </summary>
internal static class ReferenceRunner
{
    /// <summary>Medians per configuration and the fastest one.</summary>
    public sealed record Result(double BestMs, string Best, IReadOnlyDictionary<string, double> Configs, IReadOnlyDictionary<string, List<double>> Samples);

    /// <summary>One launcher run: <paramref name="rounds"/> processes per configuration, each warming up then timing <paramref name="steps"/> steps.</summary>
    public static Result Run(string script, string model, int size, int batch, int frames, int threads, int warmup, int steps, string mode, int rounds = 1)
    {
        string launcher = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(script))!, "reference.py");
        if (!File.Exists(launcher))
            throw new GlossaException($"{launcher}: not found beside {script}; pass --python-script none to skip PyTorch");
        using var doc = JsonDocument.Parse(Python(launcher, ["--rounds", $"{rounds}", "--", "--model", model, "--size", $"{size}", "--batch", $"{batch}",
            "--frames", $"{frames}", "--threads", $"{threads}", "--warmup", $"{warmup}", "--steps", $"{steps}", "--mode", mode]));
        var root = doc.RootElement;
        var configs = new Dictionary<string, double>();
        var samples = new Dictionary<string, List<double>>();
        foreach (var c in root.GetProperty("configs").EnumerateObject())
        {
            if (!c.Value.TryGetProperty("median_ms", out var m)) continue;
            configs[c.Name] = m.GetDouble();
            samples[c.Name] = c.Value.GetProperty("samples_ms").EnumerateArray().Select(x => x.GetDouble()).ToList();
        }
        return new Result(root.GetProperty("median_ms").GetDouble(), root.GetProperty("best").GetString()!, configs, samples);
    }

    /// <summary>bench_models.py itself, in this process's environment, with extra arguments; returns its stdout.</summary>
    public static string Direct(string script, IEnumerable<string> args) => Python(script, args);

    static string Python(string script, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        Process? started;
        try { started = Process.Start(info); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GlossaException($"cannot start /usr/bin/python3 for the PyTorch side ({e.Message}); install python3-torch python3-torchvision or pass --python-script none");
        }
        using var process = started ?? throw new GlossaException("cannot start /usr/bin/python3");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new GlossaException($"{script} failed: {stderr.Result.Trim().Split('\n').LastOrDefault()}; install python3-torch python3-torchvision or pass --python-script none");
        return stdout;
    }
}
