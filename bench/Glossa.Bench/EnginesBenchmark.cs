using System.Text.Json;

namespace Glossa.Bench;

/// <summary>Student inference with ONNX Runtime, TorchSharp and PyTorch at its best (<c>glossa bench-engines</c> in a child process).</summary>
internal static class EnginesBenchmark
{
    public const string Title = "Student inference at 224 px: ONNX Runtime, TorchSharp and PyTorch at its best";

    public static BenchSection Run(BenchSettings s)
    {
        string[] args = s.Quick
            ? ["bench-engines", "--json", "--size", "112", "--frames", "16", "--reps", $"{s.Reps}", "--threads", "2"]
            : ["bench-engines", "--json", "--size", "224", "--frames", "64", "--reps", $"{s.Reps}", "--threads", "2"];
        using var doc = JsonDocument.Parse(ProcessBenchmarks.Glossa(s, args));
        string body = doc.RootElement.GetProperty("markdown").GetString() ?? "";
        return new BenchSection("engines", Title, [ProcessBenchmarks.Shell(s, args)], body.Trim(), [], "", 0);
    }
}
