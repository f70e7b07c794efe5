using System.Runtime.CompilerServices;

namespace Glossa.Tests;

/// <summary>
/// Every temporary file of a test run, in this process and in the glossa, dotnet and python
/// processes it starts, goes under one folder that is deleted when the run ends: TMPDIR points
/// there before any test runs. A run that is killed leaves that one folder behind, nothing else.
/// </summary>
internal static class TestTemp
{
    /// <summary>The system's temporary folder, for caches meant to outlive a run (the PyTorch reference).</summary>
    public static string System { get; private set; } = Path.GetTempPath();

    [ModuleInitializer]
    internal static void Redirect()
    {
        System = Path.GetTempPath();
        string root = Directory.CreateTempSubdirectory($"glossa-tests-{Environment.ProcessId}-").FullName;
        Environment.SetEnvironmentVariable("TMPDIR", root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
    }
}
