using Glossa.Common;
using static TorchSharp.torch;

namespace Glossa.Models.Inference;

/// <summary>
/// Parses <c>--precision</c> and decides whether bf16 can run here: on CUDA, or on a CPU whose
/// /proc/cpuinfo flags include avx512_bf16 or amx_bf16 (elsewhere libtorch would emulate bf16,
/// slower than fp32, so it is refused with one line instead).
/// </summary>
public static class PrecisionSupport
{
    /// <summary>CPU flags that give native bf16 dot products.</summary>
    public static IReadOnlyList<string> Bf16Flags { get; } = ["avx512_bf16", "amx_bf16"];

    /// <summary>"fp32" or "bf16" (case-insensitive) -> the precision; anything else is a one-line error.</summary>
    public static InferencePrecision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => InferencePrecision.Fp32,
        "bf16" or "bfloat16" => InferencePrecision.Bf16,
        _ => throw new GlossaException($"--precision '{text}' is unknown; use fp32 or bf16"),
    };

    /// <summary>The flags of the first processor in /proc/cpuinfo (empty where there is no such file).</summary>
    public static IReadOnlySet<string> CpuFlags()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return new HashSet<string>();
        string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        return line is null ? new HashSet<string>() : line.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
    }

    /// <summary>
    /// Null when <paramref name="precision"/> can run on <paramref name="device"/>, else the one-line
    /// reason. <paramref name="cpuFlags"/> replaces the /proc/cpuinfo probe (tests simulate other CPUs with it).
    /// </summary>
    public static string? Refusal(InferencePrecision precision, Device device, Func<IReadOnlySet<string>>? cpuFlags = null)
    {
        if (precision == InferencePrecision.Fp32 || device.type == TorchSharp.DeviceType.CUDA)
            return null;
        var flags = (cpuFlags ?? CpuFlags)();
        if (Bf16Flags.Any(flags.Contains))
            return null;
        return "--precision bf16 needs a CUDA device or a CPU with avx512_bf16 or amx_bf16 (this CPU's flags have neither); use --precision fp32";
    }

    /// <summary>Throws <see cref="GlossaException"/> with the <see cref="Refusal"/> line when the precision cannot run here.</summary>
    public static void Require(InferencePrecision precision, Device device, Func<IReadOnlySet<string>>? cpuFlags = null)
    {
        if (Refusal(precision, device, cpuFlags) is string reason)
            throw new GlossaException(reason);
    }
}
