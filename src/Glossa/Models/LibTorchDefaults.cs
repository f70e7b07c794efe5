namespace Glossa.Models;

/// <summary>
/// Process-wide libtorch settings applied before the first model runs. NNPACK is turned off: on
/// CPUs it does not support (this AMD EPYC among them) libtorch otherwise prints "Could not
/// initialize NNPACK! Reason: Unsupported hardware." on stderr at the first convolution, in the
/// middle of Glossa's own output; where NNPACK does work, oneDNN serves the same convolutions. The
/// switch is libtorch's <c>at::Context::setUserEnabledNNPACK</c>, reached by its exported C++ name
/// (as <see cref="Temporal.RecurrentKernel"/> does for oneDNN); a libtorch without it is left alone.
/// </summary>
public static class LibTorchDefaults
{
    static int applied;

    /// <summary>Applies the settings once per process (cheap to call again).</summary>
    public static void Apply()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1) return;
        try
        {
            LibTorchContext.SetUserEnabledNNPACK(LibTorchContext.Global(), false);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }
}
