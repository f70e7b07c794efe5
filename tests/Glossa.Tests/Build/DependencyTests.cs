using System.Text.RegularExpressions;

namespace Glossa.Tests.Build;

/// <summary>
/// Data flows one way through the library: Corpora -> Frames -> Models -> Training -> Doctor, with
/// Recognition beside Training (it uses Models and Decoding, never Training). Decoding and Scoring
/// are leaves any stage may use; they use only Common. This reads every source file of
/// src/Glossa for <c>using Glossa.X</c>, qualified <c>Glossa.X.</c> names and <c>X.Type</c> names of
/// a sibling namespace, and fails on any edge the table does not allow, naming the file.
/// </summary>
public sealed partial class DependencyTests
{
    static readonly string[] Leaves = ["Common", "Decoding", "Scoring"];

    /// <summary>What each namespace may use (besides itself).</summary>
    static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Common"] = [],
        ["Decoding"] = ["Common"],
        ["Scoring"] = ["Common"],
        ["Corpora"] = Leaves,
        ["Frames"] = [.. Leaves, "Corpora"],
        ["Models"] = [.. Leaves, "Corpora", "Frames"],
        ["Training"] = [.. Leaves, "Corpora", "Frames", "Models"],
        ["Doctor"] = [.. Leaves, "Corpora", "Frames", "Models", "Training"],
        ["Recognition"] = [.. Leaves, "Corpora", "Frames", "Models"],
    };

    [GeneratedRegex(@"^\s*namespace\s+Glossa\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();
    [GeneratedRegex(@"(?<![\w.])Glossa\.(\w+)")]
    private static partial Regex Qualified();
    [GeneratedRegex(@"\b(?:class|record|struct|enum|interface)\s+(\w+)")]
    private static partial Regex Declaration();
    [GeneratedRegex(@"//.*?$|/\*.*?\*/|@""(?:""""|[^""])*""|""(?:\\.|[^""\\\n])*""", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CommentsAndStrings();

    [Fact]
    public void Every_namespace_uses_only_the_stages_before_it()
    {
        var files = SourceFiles();
        Assert.True(files.Count > 50, $"only {files.Count} source files found under src/Glossa");
        var types = files.GroupBy(f => f.Namespace).ToDictionary(
            g => g.Key, g => g.SelectMany(f => Declaration().Matches(f.Code).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal));
        var problems = new List<string>();
        foreach (var f in files)
        {
            if (!Allowed.TryGetValue(f.Namespace, out var allowed))
            {
                problems.Add($"{f.Path}: namespace Glossa.{f.Namespace} is not in the layer table of {nameof(DependencyTests)}; add it where it belongs");
                continue;
            }
            foreach (string used in Uses(f, types).Order())
                if (!allowed.Contains(used))
                    problems.Add($"{f.Path}: Glossa.{f.Namespace} uses Glossa.{used}, against the one-way order (allowed: {string.Join(", ", allowed)})");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_layer_table_has_no_cycle()
    {
        // Every allowed edge points to a lower rank, so no cycle can form.
        var rank = new Dictionary<string, int>
        {
            ["Common"] = 0, ["Decoding"] = 1, ["Scoring"] = 1, ["Corpora"] = 2, ["Frames"] = 3, ["Models"] = 4,
            ["Training"] = 5, ["Recognition"] = 5, ["Doctor"] = 6,
        };
        Assert.Equal(rank.Keys.Order(), Allowed.Keys.Order());
        foreach (var (ns, allowed) in Allowed)
            foreach (string used in allowed)
                Assert.True(rank[used] < rank[ns], $"Glossa.{ns} may use Glossa.{used}: that edge does not point to an earlier stage");
    }

    static IEnumerable<string> Uses(SourceFile f, Dictionary<string, HashSet<string>> types)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Qualified().Matches(f.Code)) used.Add(m.Groups[1].Value);
        // Inside namespace Glossa.X, "Y.Type" names Glossa.Y.Type when Y is a sibling namespace declaring Type.
        foreach (var (ns, declared) in types)
            foreach (Match m in Regex.Matches(f.Code, $@"(?<![\w.]){ns}\.([A-Z]\w*)"))
                if (declared.Contains(m.Groups[1].Value)) used.Add(ns);
        used.Remove(f.Namespace);
        used.Remove("Tests");
        return used;
    }

    sealed record SourceFile(string Path, string Namespace, string Code);

    static List<SourceFile> SourceFiles()
    {
        string src = System.IO.Path.Combine(RepoRoot(), "src", "Glossa");
        var result = new List<SourceFile>();
        foreach (string path in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            string relative = System.IO.Path.GetRelativePath(RepoRoot(), path);
            if (relative.Contains("/obj/") || relative.Contains("/bin/")) continue;
            string text = File.ReadAllText(path);
            var ns = NamespaceLine().Match(text);
            if (!ns.Success) continue; // assembly attributes and the like
            result.Add(new SourceFile(relative, ns.Groups[1].Value, CommentsAndStrings().Replace(text, " ")));
        }
        return result;
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Glossa.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Glossa.slnx not found above the test binaries");
    }
}
