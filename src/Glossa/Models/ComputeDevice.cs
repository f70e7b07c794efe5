using Glossa.Common;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>Turns <c>--device auto|cpu|cuda</c> into a libtorch device.</summary>
public static class ComputeDevice
{
    /// <summary>cuda when asked for (and available) or when auto finds it; the CPU otherwise.</summary>
    public static Device Resolve(string name)
    {
        LibTorchDefaults.Apply();
        return name switch
        {
            "cpu" => CPU,
            "cuda" when cuda.is_available() => CUDA,
            "cuda" => throw new GlossaException("--device cuda: no CUDA device is available to libtorch (this build uses TorchSharp-cpu unless built with -p:TorchBackend=cuda); use --device cpu or auto"),
            "auto" => cuda.is_available() ? CUDA : CPU,
            _ => throw new GlossaException($"--device must be auto, cpu or cuda (got '{name}')"),
        };
    }
}
