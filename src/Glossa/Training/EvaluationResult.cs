namespace Glossa.Training;

/// <summary>The outcome of <c>glossa evaluate</c> (printed by <c>--json</c>, written as SPLIT.results.json).</summary>
public sealed record EvaluationResult
{
    public string Checkpoint { get; init; } = "";
    /// <summary>The epoch the checkpoint was saved after (read from its state); null for a checkpoint without one (an imported model).</summary>
    public int? CheckpointEpoch { get; init; }
    /// <summary>The corpus evaluated (absolute path as given: root, variant folder or manifest).</summary>
    public string Corpus { get; init; } = "";
    public string Split { get; init; } = "";
    /// <summary>greedy or beam-N.</summary>
    public string Decoder { get; init; } = "";
    /// <summary>What ran the model: onnx (ONNX Runtime) or torch (TorchSharp's fused path).</summary>
    public string Engine { get; init; } = "";
    /// <summary>Cleanup rules applied before scoring.</summary>
    public string Cleanup { get; init; } = "";
    /// <summary>Word error rate in percent, (S + D + I) / N.</summary>
    public double Wer { get; init; }
    public int Substitutions { get; init; }
    public int Deletions { get; init; }
    public int Insertions { get; init; }
    public int ReferenceWords { get; init; }
    public int Utterances { get; init; }
    /// <summary>Seconds spent in forward passes and in decoding.</summary>
    public double ForwardSeconds { get; init; }
    public double DecodeSeconds { get; init; }
    /// <summary>Forward milliseconds per clip after the first batch (which also pays one-time start-up costs); null with one batch.</summary>
    public double? ForwardMsPerClip { get; init; }
    /// <summary>Reference gloss occurrences the checkpoint's vocabulary lacks (each can only count as an error).</summary>
    public int UnknownGlosses { get; init; }
    /// <summary>Up to 5 of those glosses, most frequent first.</summary>
    public IReadOnlyList<string> UnknownGlossExamples { get; init; } = [];
    /// <summary>Every clip too short for CTC at the model's temporal stride (scored all the same; its glosses cannot all be recognised), in split order.</summary>
    public IReadOnlyList<TooShortClip> TooShortClips { get; init; } = [];
    /// <summary>Videos of the split that ffprobe reads with errors (truncated or damaged: scored as they decode), as lines for the console.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>Files written: ctm, stm, pra (per-utterance alignments), summary.</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();

    /// <summary>One line, e.g. <c>dev of data/corpus: WER 23.45% (S=10, D=5, I=2, N=72), 12 utterances, greedy, onnx</c>.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Split} of {Corpus}: WER {Wer:F2}% (S={Substitutions}, D={Deletions}, I={Insertions}, N={ReferenceWords}), {Utterances} utterances, {Decoder}, {Engine}");
}

/// <summary>A clip too short for CTC: its frames as the model reads them, the output frames they give, and the output frames its label needs.</summary>
public sealed record TooShortClip(string Id, int InputFrames, int OutputFrames, int RequiredFrames);
