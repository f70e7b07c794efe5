namespace Glossa.Recognition;

/// <summary>What <see cref="Recognizer.Recognize"/> found in one input.</summary>
public sealed record RecognitionResult
{
    /// <summary>The input as given (video file or frame folder).</summary>
    public required string Input { get; init; }

    /// <summary>The best gloss sequence.</summary>
    public required IReadOnlyList<string> Glosses { get; init; }

    /// <summary>Alternatives, best first (one entry for greedy decoding).</summary>
    public required IReadOnlyList<NBestEntry> NBest { get; init; }

    /// <summary>The best sequence with per-gloss timings.</summary>
    public required IReadOnlyList<RecognizedGloss> Timed { get; init; }

    /// <summary>What was wrong with the input that did not stop it (a video that decoded with errors), or null.</summary>
    public string? Warning { get; init; }

    /// <summary>Input frames decoded.</summary>
    public int Frames { get; init; }

    /// <summary>Model output frames kept (one per <see cref="Stride"/> input frames).</summary>
    public int OutputFrames { get; init; }

    /// <summary>Frame rate used for timings.</summary>
    public double Fps { get; init; }

    /// <summary>Input frames per output frame.</summary>
    public int Stride { get; init; }

    /// <summary>Chunks the input was processed in (1 = whole, exactly like evaluation).</summary>
    public int Chunks { get; init; }

    /// <summary>"greedy" or "beam-N".</summary>
    public string Decoder { get; init; } = "greedy";

    /// <summary>What computed the log-probabilities: "torch" (TorchSharp) or "onnx" (ONNX Runtime).</summary>
    public string Engine { get; init; } = "torch";

    /// <summary>Wall-clock seconds for this input.</summary>
    public double Seconds { get; init; }

    /// <summary>
    /// One line: the input, the best glosses and how they were found, e.g.
    /// <c>video.mp4: SONNE REGEN (greedy, torch, 120 frames, 0.35 s)</c>, then the warning if there is one.
    /// </summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Input}: {(Glosses.Count == 0 ? "(no glosses)" : string.Join(' ', Glosses))} ({Decoder}, {Engine}, {Frames} frames, {Seconds:0.00} s){(Warning is null ? "" : "; warning: " + Warning)}");
}
