using System.Runtime.InteropServices;

namespace Glossa.Models;

/// <summary>
/// libtorch's global <c>at::Context</c> switches that TorchSharp does not expose, reached by their
/// exported C++ names in <c>libtorch_cpu</c>. Callers catch <see cref="EntryPointNotFoundException"/>
/// and <see cref="DllNotFoundException"/> for a libtorch that lacks them.
/// </summary>
internal static class LibTorchContext
{
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    public static extern IntPtr Global();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    public static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.I1)]
    public static extern bool UserEnabledMkldnn(IntPtr context);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    public static extern void SetUserEnabledNNPACK(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);
}
