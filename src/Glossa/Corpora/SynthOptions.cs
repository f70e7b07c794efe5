using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// Size and difficulty of a synthetic corpus written by <see cref="SyntheticCorpus.Write"/>. The
/// defaults give a corpus that a small CNN + BiLSTM learns in minutes on two CPU cores, yet needs
/// motion over several frames to tell glosses apart.
/// </summary>
public sealed record SynthOptions
{
    /// <summary>Sentences in the train split.</summary>
    public int TrainSentences { get; init; } = 240;

    /// <summary>Sentences in the dev split (same glosses, different sentences).</summary>
    public int DevSentences { get; init; } = 40;

    /// <summary>Sentences in the test split.</summary>
    public int TestSentences { get; init; } = 40;

    /// <summary>Content glosses, not counting <c>__ON__</c> and <c>__OFF__</c> which open and close every sentence.</summary>
    public int Glosses { get; init; } = 30;

    /// <summary>Signers; every split uses all of them (multisigner). They differ in background, colours, size and position.</summary>
    public int Signers { get; init; } = 4;

    /// <summary>Fewest content glosses per sentence.</summary>
    public int MinGlossesPerSentence { get; init; } = 4;

    /// <summary>Most content glosses per sentence.</summary>
    public int MaxGlossesPerSentence { get; init; } = 8;

    /// <summary>Shortest gloss in frames (each gloss has its own base length in [min, max], varied by one frame per occurrence).</summary>
    public int MinGlossFrames { get; init; } = 6;

    /// <summary>Longest gloss in frames.</summary>
    public int MaxGlossFrames { get; init; } = 10;

    /// <summary>Mean number of interpolated frames between two glosses (each transition varies by one).</summary>
    public int TransitionFrames { get; init; } = 2;

    /// <summary>Seed: the same options and seed write byte-identical files.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Threads rendering sentences.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary><paramref name="train"/> train sentences, and a sixth of that (at least 2) each for dev and test.</summary>
    public SynthOptions WithTrainSentences(int train) => this with
    {
        TrainSentences = train,
        DevSentences = Math.Max(2, (int)Math.Round(train / 6.0)),
        TestSentences = Math.Max(2, (int)Math.Round(train / 6.0)),
    };

    /// <summary>The most train sentences: 17x PHOENIX-2014 already fills tens of gigabytes; more is a typo.</summary>
    public const int MaxTrainSentences = 100_000;

    /// <summary>Throws a <see cref="GlossaException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message) { if (!ok) throw new GlossaException(message); }
        Require(TrainSentences >= 1 && TrainSentences <= MaxTrainSentences, $"TrainSentences (--sentences) must be between 1 and {MaxTrainSentences} (got {TrainSentences})");
        Require(DevSentences >= 0 && TestSentences >= 0, $"DevSentences and TestSentences must not be negative (got {DevSentences} and {TestSentences})");
        Require(Glosses >= 2 && Glosses <= 500, $"Glosses (--glosses) must be between 2 and 500 (got {Glosses})");
        Require(Signers >= 1 && Signers <= 50, $"Signers (--signers) must be between 1 and 50 (got {Signers})");
        Require(MinGlossesPerSentence >= 1 && MaxGlossesPerSentence >= MinGlossesPerSentence,
            $"MinGlossesPerSentence and MaxGlossesPerSentence must satisfy 1 <= min <= max (got {MinGlossesPerSentence}..{MaxGlossesPerSentence})");
        Require(MinGlossFrames >= 2 && MaxGlossFrames >= MinGlossFrames && MaxGlossFrames <= 100,
            $"MinGlossFrames and MaxGlossFrames must satisfy 2 <= min <= max <= 100 (got {MinGlossFrames}..{MaxGlossFrames})");
        Require(TransitionFrames >= 1 && TransitionFrames <= 20, $"TransitionFrames must be between 1 and 20 (got {TransitionFrames})");
        Require(Parallelism >= 1, $"Parallelism must be at least 1 (got {Parallelism})");
    }
}
