namespace Glossa.Corpora;

/// <summary>
/// Accumulates the samples of one split, rejecting duplicate ids (the first declaration wins and
/// the duplicate is reported with both locations).
/// </summary>
internal sealed class SplitBuilder(string split, CorpusProblems problems)
{
    readonly List<Sample> samples = [];
    readonly Dictionary<string, string> seen = new(StringComparer.Ordinal);

    public string Split { get; } = split;

    public IReadOnlyList<Sample> Samples => samples;

    /// <summary>True if <paramref name="id"/> is new in this split; otherwise reports a duplicate.</summary>
    public bool Claim(string id, string file, int line)
    {
        if (seen.TryGetValue(id, out var first))
        {
            problems.Error(CorpusProblemKind.DuplicateId, file, line, id,
                $"id already declared at {first} in split '{Split}'; remove or rename one of the two rows");
            return false;
        }
        seen[id] = $"{file}:{line}";
        return true;
    }

    public void Add(Sample sample) => samples.Add(sample);

    /// <summary>Splits a gloss field on any whitespace run (PHOENIX has double spaces).</summary>
    public static string[] SplitGlosses(string field) =>
        field.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Reads a text file's lines as UTF-8, stripping a BOM and carriage returns.</summary>
    public static string[] ReadLines(string path)
    {
        var lines = File.ReadAllLines(path, System.Text.Encoding.UTF8);
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].EndsWith('\r')) lines[i] = lines[i][..^1];
        return lines;
    }
}
