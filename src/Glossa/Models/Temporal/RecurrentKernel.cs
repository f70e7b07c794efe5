using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Models.Temporal;

/// <summary>
/// Keeps CPU LSTM inference off oneDNN's RNN kernel. libtorch 2.10 (TorchSharp 0.107) ships
/// oneDNN 3.7.1, whose <c>brgemm:avx512_core</c> LSTM <em>inference</em> primitive returns wrong
/// outputs on AVX-512 CPUs for some hidden sizes (found on an AMD EPYC with avx512_bf16: hidden
/// 8, 16 and 48 per direction differ from a float64 LSTM by 0.1-1.3, while 24, 32, 64, 96, 128 and
/// 256 agree to 1e-6). Training is not affected: with gradients on, libtorch uses the
/// forward-training primitive, which agrees with float64 to 1e-7. So without grad on the CPU
/// (validation, evaluation, recognition) the LSTM runs with libtorch's own kernels, which agree
/// with float64 everywhere; that costs about 2.4x on the LSTM alone (a 2-layer 512->256 BiLSTM
/// over 4x60 frames: 17 ms -> 40 ms), a few percent of a recogniser's frame time.
/// The switch is libtorch's global <c>at::Context::setUserEnabledMkldnn</c>, taken with a count so
/// concurrent callers restore the previous setting only when the last one leaves; it is reached by its exported C++
/// name in <c>libtorch_cpu</c>. A libtorch that does not export it leaves the kernel alone.
/// </summary>
public static class RecurrentKernel
{
    static readonly object Gate = new();
    static int holders;
    static bool enabledBefore;
    static bool? available;

    /// <summary>Run <paramref name="lstm"/> with the exact kernel when it would otherwise take oneDNN's inference path.</summary>
    public static T Run<T>(Device device, Func<T> lstm)
    {
        if (device.type != DeviceType.CPU || is_grad_enabled())
            return lstm();
        if (!Enter())
            return lstm();
        try
        {
            return lstm();
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Whether the switch was found in this libtorch (null until first needed).</summary>
    public static bool? Available => available;

    static bool Enter()
    {
        lock (Gate)
        {
            if (available == false)
                return false;
            try
            {
                if (holders == 0)
                {
                    enabledBefore = LibTorchContext.UserEnabledMkldnn(LibTorchContext.Global());
                    LibTorchContext.SetUserEnabledMkldnn(LibTorchContext.Global(), false);
                }
                available = true;
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                available = false;
                return false;
            }
            holders++;
            return true;
        }
    }

    static void Leave()
    {
        lock (Gate)
        {
            holders--;
            if (holders == 0)
                LibTorchContext.SetUserEnabledMkldnn(LibTorchContext.Global(), enabledBefore);
        }
    }
}
