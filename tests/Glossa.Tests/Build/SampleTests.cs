using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Glossa.Tests.Build;

/// <summary>
/// Every sample under samples/ is described in samples/README.md, sets the RuntimeIdentifier the README and
/// docs/library.md tell users to set, and its sources compile against the library as they stand (PackageTests
/// publishes and runs RecognizeFrames from the packed library; this catches the others, quickly).
/// </summary>
public sealed class SampleTests
{
    const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";

    static IEnumerable<string> Samples(string root) =>
        Directory.GetDirectories(Path.Combine(root, "samples")).Where(d => Directory.EnumerateFiles(d, "*.csproj").Any()).Order(StringComparer.Ordinal);

    [Fact]
    public void Every_sample_is_in_the_readme_sets_linux_x64_and_compiles()
    {
        string root = ProcessRunner.RepositoryRoot();
        string readme = Path.Combine(root, "samples", "README.md");
        Assert.True(File.Exists(readme), "samples/README.md is missing: say what each sample does and how to build and run it");
        string text = File.ReadAllText(readme);
        Assert.Contains("<RuntimeIdentifier>linux-x64</RuntimeIdentifier>", text);
        Assert.Contains("GLIBCXX_3.4.32", text);
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p)).ToList();
        var samples = Samples(root).ToList();
        Assert.NotEmpty(samples);
        foreach (string dir in samples)
        {
            string name = Path.GetFileName(dir);
            Assert.Contains($"[{name}]({name})", text);
            Assert.Contains($"cd samples/{name}", text);
            var project = XDocument.Load(Directory.GetFiles(dir, "*.csproj").Single());
            Assert.Equal("linux-x64", project.Descendants("RuntimeIdentifier").SingleOrDefault()?.Value);
            var trees = Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
                .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), path: Path.GetRelativePath(root, f))).Prepend(CSharpSyntaxTree.ParseText(ImplicitUsings));
            var compilation = CSharpCompilation.Create(name, trees, references,
                new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
            using var pe = new MemoryStream();
            var errors = compilation.Emit(pe).Diagnostics.Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning).ToList();
            Assert.True(errors.Count == 0, $"samples/{name}: {string.Join("\n", errors)}");
        }
    }
}
