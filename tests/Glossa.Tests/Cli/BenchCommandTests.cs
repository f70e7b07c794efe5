using Glossa.Tests.Training;
using Glossa.Tests.Recognition;

namespace Glossa.Tests.Cli;

/// <summary><c>glossa bench</c> on its cheapest benchmark: the markdown it writes has the machine, the command and the targets table.</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public void Quick_score_benchmark_writes_the_targets_table_beside_sclite()
    {
        string output = Path.Combine(RecognitionFixture.Root, "bench.md");
        // The CLI finds the repository (bench/, Glossa.slnx) above the test binaries.
        var (code, stdout, stderr) = CliProcess.Run(TimeSpan.FromMinutes(3), "bench", "--quick", "--only", "score", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains(output, stdout);
        string md = File.ReadAllText(output);
        Assert.Contains("## Machine", md);
        Assert.Contains("- CPU: ", md);
        Assert.Contains("| target | measured | met | benchmark |", md);
        Assert.Matches(@"- libtorch: libtorch (CPU|CUDA) build \(/\S+libtorch_cpu\.so\)", md); // named from the loaded library, not assumed
        var row = md.Split('\n').Single(l => l.StartsWith("| scorer >= 10x sclite", StringComparison.Ordinal));
        Assert.Matches(@"\| [0-9.]+x; counts identical: yes \| (yes|\*\*no\*\*) \|", row);
        Assert.Contains("./glossa bench-score --utterances 1000 --repeat 2", md);
        Assert.Matches(@"\| sclite \d+\.\d+ \(-o sgml rsum\) \|", md); // the version sclite reports about itself
        Assert.Matches(@"Measured \d{4}-\d\d-\d\d \d\d:\d\d UTC; load average [0-9.]+ [0-9.]+ [0-9.]+ before", md);
        Assert.True(File.Exists(Path.ChangeExtension(output, ".json")), "the sections are kept beside the document");

        // Rerunning one benchmark keeps the others' figures (and says so).
        (code, stdout, stderr) = CliProcess.Run(TimeSpan.FromMinutes(3), "bench", "--quick", "--only", "decode", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("1 kept from the last run", stdout);
        md = File.ReadAllText(output);
        Assert.Contains("## score", md);
        Assert.Contains("## decode", md);
        Assert.True(md.IndexOf("## decode", StringComparison.Ordinal) < md.IndexOf("## score", StringComparison.Ordinal), "sections keep the benchmark order");
        Assert.Contains("score kept from an earlier run", md);
        Assert.Single(md.Split('\n'), l => l.StartsWith("| scorer >= 10x sclite", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_benchmark_is_a_one_line_error()
    {
        var (code, _, stderr) = CliProcess.Run(TimeSpan.FromMinutes(1), "bench", "--only", "nonsense", "--out", Path.Combine(RecognitionFixture.Root, "x.md"));
        Assert.Equal(2, code);
        Assert.Contains("nonsense", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
