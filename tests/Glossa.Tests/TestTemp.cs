using System.Runtime.CompilerServices;

namespace Glossa.Tests;

/// <summary>
/// Every temporary file of a test run, in this process and in the glossa, dotnet and python
/// processes it starts, goes under one folder: TMPDIR points there before any test runs.
/// test.sh names the folder (GLOSSA_TEST_TMP) and deletes it after the run, since the test host
/// may be stopped before its exit handlers run; without test.sh the process deletes its own.
/// </summary>
internal static class TestTemp
{
    /// <summary>The system's temporary folder, for caches meant to outlive a run (the PyTorch reference).</summary>
    public static string System { get; private set; } = Path.GetTempPath();

    [ModuleInitializer]
    internal static void Redirect()
    {
        System = Path.GetTempPath();
        string root = Environment.GetEnvironmentVariable("GLOSSA_TEST_TMP") is { Length: > 0 } given
            ? Directory.CreateDirectory(Path.Combine(given, $"host-{Environment.ProcessId}")).FullName
            : Directory.CreateTempSubdirectory($"glossa-tests-{Environment.ProcessId}-").FullName;
        Environment.SetEnvironmentVariable("TMPDIR", root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
    }
}
