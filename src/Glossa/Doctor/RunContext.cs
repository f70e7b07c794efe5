using System.Text.Json.Nodes;

namespace Glossa.Doctor;

/// <summary>
/// What the doctor knows about a run before its first epoch. The trainer fills what it has
/// (every field is optional) and may save it as <c>run_context.json</c> in the run folder so
/// that <c>glossa diagnose RUN_DIR</c> can use it afterwards.
/// </summary>
public sealed record RunContext
{
    /// <summary>
    /// The corpus the data findings were measured on, when the doctor looked at one itself (<c>diagnose --checkpoint
    /// --corpus</c>): its corpus checks name it, not the corpus the run trained on (a new user checking another corpus was
    /// sent to check the training corpus, which was clean). Null: the run's own corpus.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? DataCorpus { get; init; }
    /// <summary>
    /// The folder the run was started from (a full path; the live doctor records it): the relative paths among its options
    /// (corpus, cache, weights, teacher) are relative to it, and a copied run folder's commands are rebased from it.
    /// </summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>
    /// Relative path options of the run (e.g. "--corpus data/c1") that resolve neither from the current folder nor from the
    /// folder it trained in (unknown, or gone): the commands keep them, and the diagnosis says to give those paths.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string>? UnresolvedPaths { get; init; }
    /// <summary>Model name as given to <c>glossa train --model</c> (e.g. <c>i3d-teacher</c>).</summary>
    public string? ModelName { get; init; }
    /// <summary>Trainable parameter count of the model.</summary>
    public long? ParameterCount { get; init; }
    /// <summary>Number of training samples (clips) in the corpus split used for training.</summary>
    public int? TrainingSamples { get; init; }
    /// <summary>Temporal stride of the model (input frames per output frame).</summary>
    public int? TemporalStride { get; init; }
    /// <summary>Training clips whose output length is below label length + repeats (CTC cannot align them).</summary>
    public int? InfeasibleClips { get; init; }
    /// <summary>
    /// The split whose clips <see cref="InfeasibleClips"/> counts when it is not the training split (<c>diagnose --checkpoint
    /// --split dev</c>): such clips cost WER, not training, so they are never critical. Null: the training clips.
    /// </summary>
    public string? InfeasibleSplit { get; init; }
    /// <summary>Training clips checked for CTC feasibility (the denominator of <see cref="InfeasibleClips"/>).</summary>
    public int? CheckedClips { get; init; }
    /// <summary>A few ids of infeasible clips, to name them in the report.</summary>
    public IReadOnlyList<string>? InfeasibleExamples { get; init; }
    /// <summary>Output classes of the checkpoint the run starts from (blank included), when resuming or fine-tuning.</summary>
    public int? CheckpointVocabularySize { get; init; }
    /// <summary>Classes of the corpus vocabulary (blank included).</summary>
    public int? CorpusVocabularySize { get; init; }
    /// <summary>Glosses of the checkpoint vocabulary missing from the corpus, or the reverse (a few, for the report).</summary>
    public IReadOnlyList<string>? VocabularyDifferences { get; init; }
    /// <summary>Gloss occurrences of the validation split that are not in the training vocabulary (they can never be recognised).</summary>
    public int? ValidationUnknownGlosses { get; init; }
    /// <summary>The validation glosses not in the training vocabulary, each with its number of occurrences (data_mismatch names them).</summary>
    public IReadOnlyDictionary<string, int>? ValidationUnknownGlossCounts { get; init; }
    /// <summary>Gloss occurrences of the validation split (the denominator of <see cref="ValidationUnknownGlosses"/>).</summary>
    public int? ValidationGlosses { get; init; }
    /// <summary>Signers of the training and validation splits, when the corpus names them.</summary>
    public Corpora.SignerCounts? Signers { get; init; }
    /// <summary>Training label histogram: gloss -> number of occurrences.</summary>
    public IReadOnlyDictionary<string, int>? LabelCounts { get; init; }
    /// <summary>The original command-line arguments of <c>glossa train</c> (without the program and command name),
    /// used to build ready-to-run commands with changed options.</summary>
    public IReadOnlyList<string>? CommandLine { get; init; }
    /// <summary>The resolved training options (the run folder's <c>config.json</c>), read leniently.</summary>
    public JsonObject? Config { get; init; }

    /// <summary>The label histogram of <see cref="LabelCounts"/>: gloss -> occurrences over <paramref name="samples"/>.</summary>
    public static IReadOnlyDictionary<string, int> CountLabels(IEnumerable<Corpora.Sample> samples) =>
        samples.SelectMany(s => s.Glosses).GroupBy(g => g, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>The glosses of <paramref name="samples"/> missing from <paramref name="vocabulary"/>, each with its occurrences.</summary>
    public static IReadOnlyDictionary<string, int> CountUnknown(IEnumerable<Corpora.Sample> samples, Corpora.Vocabulary vocabulary) =>
        samples.SelectMany(s => s.Glosses).Where(g => !vocabulary.Contains(g)).GroupBy(g => g, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>
    /// True when every validation signer is absent from the training split (a signer-independent split, as
    /// PHOENIX-2014's SI5): a gap between training and validation is then largely the new signer.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool UnseenValidationSigners => Signers is { AllUnseen: true };

    /// <summary>Parameters per training sample, when both are known.</summary>
    public double? ParamsPerSample =>
        ParameterCount is { } p && TrainingSamples is { } n && n > 0 ? (double)p / n : null;
}
