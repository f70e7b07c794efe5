using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Glossa.Tests.Build;

/// <summary>
/// Every ```csharp block of docs/library.md compiles, as the Program.cs of a console app with
/// .NET's implicit usings, against the Glossa assembly and its dependencies.
/// </summary>
public sealed partial class LibraryDocTests
{
    const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";

    [Fact]
    public void EveryCSharpExampleCompiles()
    {
        string doc = File.ReadAllText(Path.Combine(ProcessRunner.RepositoryRoot(), "docs", "library.md"));
        var blocks = CSharpBlock().Matches(doc).Select(m => (Code: m.Groups[1].Value, Line: doc[..m.Index].Count(c => c == '\n') + 1)).ToList();
        // recognise, evaluate, score, train, diagnose, ONNX
        Assert.True(blocks.Count >= 6, $"docs/library.md has {blocks.Count} csharp blocks; expected the six topics");
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p)).ToList();
        var failures = new List<string>();
        foreach (var (code, line) in blocks)
        {
            var compilation = CSharpCompilation.Create($"doc_line_{line}",
                [CSharpSyntaxTree.ParseText(ImplicitUsings), CSharpSyntaxTree.ParseText(code, path: $"library.md:{line}")],
                references, new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
            using var pe = new MemoryStream();
            var result = compilation.Emit(pe);
            failures.AddRange(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error || d.Severity == DiagnosticSeverity.Warning && d.Id.StartsWith("CS86", StringComparison.Ordinal))
                .Select(d => $"block at docs/library.md:{line}: {d}"));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [GeneratedRegex("^```csharp\\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
