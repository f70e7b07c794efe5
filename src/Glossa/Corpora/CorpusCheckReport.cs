namespace Glossa.Corpora;

/// <summary>The outcome of <see cref="CorpusChecker.Check"/>: figures per split and every problem found.</summary>
/// <param name="Format">Format the corpus was read as.</param>
/// <param name="Name">Corpus name (variant folder or manifest file).</param>
/// <param name="Root">Folder the annotations were read from.</param>
/// <param name="Stride">Temporal stride used for the CTC length check.</param>
/// <param name="VocabularySize">Distinct glosses of the train split, blank excluded (0 without a train split).</param>
/// <param name="Splits">Figures per split name.</param>
/// <param name="Errors">Errors, sorted by file and line.</param>
/// <param name="Warnings">Warnings, sorted by file and line.</param>
public sealed record CorpusCheckReport(
    CorpusFormat Format,
    string Name,
    string Root,
    int Stride,
    int VocabularySize,
    IReadOnlyDictionary<string, SplitStatistics> Splits,
    IReadOnlyList<CorpusProblem> Errors,
    IReadOnlyList<CorpusProblem> Warnings)
{
    /// <summary>The model the CTC length check counted output frames for (<see cref="CorpusCheckOptions.Model"/>), or null for floor(T / stride).</summary>
    public string? Model { get; init; }

    /// <summary>True when no error was found (warnings allowed).</summary>
    public bool Ok => Errors.Count == 0;
}
