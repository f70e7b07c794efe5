using System.Runtime.InteropServices;
using Glossa.Models;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

/// <summary>
/// The OpenMP wait policy as logs describe it, read from the native environment (which OpenMP
/// reads), and the refusal to change it once libtorch is loaded. The CLI's own setting is checked
/// end to end in TrainCliTests (a fresh process, before libtorch loads).
/// </summary>
public sealed class LibTorchDefaultsTests
{
    [DllImport("libc", EntryPoint = "setenv")]
    static extern int SetNative([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "unsetenv")]
    static extern int UnsetNative([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [Fact]
    public void The_policy_is_described_from_the_native_environment()
    {
        string before = LibTorchDefaults.OpenMpWaitPolicy;
        try
        {
            Assert.Equal(0, SetNative("OMP_WAIT_POLICY", "Passive", 1));
            Assert.Equal("OpenMP waits passive", LibTorchDefaults.DescribeOpenMpWaits());
            Assert.Equal(0, SetNative("OMP_WAIT_POLICY", "ACTIVE", 1));
            Assert.Equal("OpenMP waits active", LibTorchDefaults.DescribeOpenMpWaits());
            Assert.Equal(0, SetNative("OMP_WAIT_POLICY", "fast", 1));
            Assert.Equal("OMP_WAIT_POLICY=fast is neither active nor passive, so OpenMP uses its default", LibTorchDefaults.DescribeOpenMpWaits());
            Assert.Equal(0, UnsetNative("OMP_WAIT_POLICY"));
            Assert.Equal("", LibTorchDefaults.DescribeOpenMpWaits());
        }
        finally
        {
            if (before.Length > 0) SetNative("OMP_WAIT_POLICY", before, 1);
            else UnsetNative("OMP_WAIT_POLICY");
        }
    }

    [Fact]
    public void Once_libtorch_is_loaded_the_policy_is_left_alone()
    {
        using var t = ones(2); // libtorch (and its OpenMP) loaded: too late to choose a policy
        string before = LibTorchDefaults.OpenMpWaitPolicy;
        Assert.False(LibTorchDefaults.PreferPassiveOpenMp());
        Assert.Equal(before, LibTorchDefaults.OpenMpWaitPolicy);
    }
}
