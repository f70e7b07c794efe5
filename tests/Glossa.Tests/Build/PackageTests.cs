using System.Text;
using Glossa.Recognition;
using Glossa.Tests.Recognition;

namespace Glossa.Tests.Build;

/// <summary>
/// The packages as a .NET developer uses them: pack the library and the tool into a local feed;
/// publish the sample app from a copy outside the repository (so only the package, not the
/// repository's Directory.Build.* files, can make libtorch load) and let it recognise a frame
/// folder; install the tool from the feed and run it. Each run packs a fresh prerelease version,
/// so NuGet's global cache can never serve an older build of the package.
/// </summary>
[Collection("packaging")]
public sealed class PackageTests
{
    static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    [Fact]
    public void PackedLibraryAndToolWorkOutsideTheRepository()
    {
        string repo = ProcessRunner.RepositoryRoot();
        string work = Directory.CreateTempSubdirectory("glossa-package-").FullName;
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        string cached = Path.Combine(NuGetPackagesFolder(), "glossa.core", version);
        try
        {
            // One phase at a time, each deleting what it made: the sample's build and publish
            // output and the tool's publish folder each hold a copy of libtorch (~0.5 GB), and CI
            // machines have little disk to spare.
            string feed = Path.Combine(work, "feed");
            Pack(repo, "src/Glossa/Glossa.csproj", feed, version, work);
            Assert.True(File.Exists(Path.Combine(feed, $"Glossa.Core.{version}.nupkg")));
            CheckSample(repo, work, feed, version);

            Pack(repo, "src/Glossa.Cli/Glossa.Cli.csproj", feed, version, work);
            Assert.True(File.Exists(Path.Combine(feed, $"glossa.{version}.nupkg")));
            CheckTool(work, feed, version);
        }
        finally
        {
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }

    static void Pack(string repo, string project, string feed, string version, string work)
    {
        // A tool package is packed from a publish folder; keep it out of the repository's bin.
        string publish = Path.Combine(work, "pack-publish") + Path.DirectorySeparatorChar;
        var (code, output, error) = ProcessRunner.Run("dotnet",
            ["pack", project, "-c", "Release", "-o", feed, $"-p:PackageVersion={version}", $"-p:PublishDir={publish}", "-nologo", "-v", "q"], repo, Long);
        Assert.True(code == 0, $"dotnet pack {project} failed:\n{output}\n{error}");
        if (Directory.Exists(publish)) Directory.Delete(publish, recursive: true);
    }

    // The sample's output holds linux-x64's natives only (its RuntimeIdentifier), about 530 MB; linked to the
    // NuGet cache they take no room. The patch step writes a new file, so the link never carries it back into the cache.
    static readonly string[] HardLinks =
        ["-p:CreateHardLinksForCopyLocalIfPossible=true", "-p:CreateHardLinksForCopyFilesToOutputDirectoryIfPossible=true", "-p:CreateHardLinksForPublishFilesIfPossible=true"];

    static void CheckSample(string repo, string work, string feed, string version)
    {
        string samples = Path.Combine(work, "samples");
        CopyTree(Path.Combine(repo, "samples"), samples);
        string app = Path.Combine(samples, "RecognizeFrames");
        // The sample's nuget.config points at the repository's artifacts folder; here the feed is elsewhere.
        File.WriteAllText(Path.Combine(app, "nuget.config"),
            $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration><packageSources><add key=\"glossa-test\" value=\"{feed}\" /></packageSources></configuration>\n");
        string published = Path.Combine(work, "published");
        var (code, output, error) = ProcessRunner.Run("dotnet",
            ["publish", "-c", "Release", "-o", published, $"-p:GlossaVersion={version}", "-nologo", .. HardLinks], app, Long);
        Assert.True(code == 0, $"publishing the sample failed:\n{output}\n{error}");

        // The sample sets its RuntimeIdentifier (as library.md tells every consumer): one platform's natives, beside the app.
        string library = Path.Combine(published, "libLibTorchSharp.so");
        Assert.True(File.Exists(library), $"{library} missing");
        Assert.False(Directory.Exists(Path.Combine(published, "runtimes", "win-x64")), "the sample's output holds other platforms' natives");
        Assert.Equal(SystemLacksGlibcxx332(), ElfWeakness.IsWeak(library, "GLIBCXX_3.4.32"));

        string checkpoint = RecognitionFixture.Checkpoint(), frames = RecognitionFixture.FrameFolder(0);
        (code, output, error) = ProcessRunner.Run("dotnet", [Path.Combine(published, "RecognizeFrames.dll"), checkpoint, frames], work, Long);
        Assert.True(code == 0, $"the sample failed:\n{output}\n{error}");
        Assert.Contains("libtorch loaded: ones(2, 3).sum() = 6", output);
        using var recognizer = Recognizer.Load(new RecognitionOptions { Checkpoint = checkpoint, Device = "cpu" });
        var expected = recognizer.Recognize(frames);
        Assert.Contains($"{expected.Frames} frames -> {expected.OutputFrames} outputs: {string.Join(' ', expected.Glosses)}", output);
        Directory.Delete(samples, recursive: true);
        Directory.Delete(published, recursive: true);
    }

    static void CheckTool(string work, string feed, string version)
    {
        string tools = Path.Combine(work, "tools");
        var (code, output, error) = ProcessRunner.Run("dotnet",
            ["tool", "install", "--tool-path", tools, "--add-source", feed, "glossa", "--version", version], work, Long);
        Assert.True(code == 0, $"dotnet tool install failed:\n{output}\n{error}");
        string glossa = Path.Combine(tools, "glossa");
        (code, output, error) = ProcessRunner.Run(glossa, ["--version"], work, Long);
        Assert.True(code == 0, error);
        Assert.StartsWith("0.1.0", output.Trim());
        // A command that builds a model loads the tool's own copy of libtorch.
        (code, output, error) = ProcessRunner.Run(glossa, ["model", "info", "tiny-student", "--num-classes", "5", "--json"], work, Long);
        Assert.True(code == 0, $"the installed tool could not load libtorch:\n{output}\n{error}");
        Assert.Contains("\"parameters\"", output);
        var library = Directory.GetFiles(Path.Combine(tools, ".store"), "libLibTorchSharp.so", SearchOption.AllDirectories);
        Assert.NotEmpty(library);
        Assert.All(library, l => Assert.True(ElfWeakness.IsWeak(l, "GLIBCXX_3.4.32"), $"{l}: GLIBCXX_3.4.32 still required"));
    }

    static bool SystemLacksGlibcxx332()
    {
        string lib = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        byte[] needle = Encoding.ASCII.GetBytes("GLIBCXX_3.4.32\0");
        return File.Exists(lib) && File.ReadAllBytes(lib).AsSpan().IndexOf(needle) < 0;
    }

    static string NuGetPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    static void CopyTree(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(from, dir);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(from, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            File.Copy(file, Path.Combine(to, rel));
        }
    }
}
