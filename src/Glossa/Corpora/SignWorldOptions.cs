using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// Size and shape of the "sign" synthetic world written by <see cref="SignWorld.Write"/>. The
/// defaults follow RWTH-PHOENIX-Weather 2014's published statistics (5,671 / 540 / 629 videos,
/// about 1,200 glosses with Zipf-like frequencies, 11.5 glosses per sentence on average and at
/// most 28, 141 frames per video on average within 27-299, 9 signers); the size fields scale it
/// down for tests and the demo.
/// </summary>
public sealed record SignWorldOptions
{
    /// <summary>Videos in the train split.</summary>
    public int TrainSentences { get; init; } = 5671;

    /// <summary>Videos in the dev split.</summary>
    public int DevSentences { get; init; } = 540;

    /// <summary>Videos in the test split.</summary>
    public int TestSentences { get; init; } = 629;

    /// <summary>Glosses in the lexicon. Every gloss of dev and test also occurs in train when train is big enough.</summary>
    public int Glosses { get; init; } = 1200;

    /// <summary>Exponent of the Zipf law of gloss frequencies (rank r is drawn with weight r^-s); 0 makes all glosses equally frequent.</summary>
    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>Signers. In the multisigner split every split has all of them.</summary>
    public int Signers { get; init; } = 9;

    /// <summary>
    /// Signer-independent split: dev and test are signed only by the last <see cref="HeldOutSigners"/>
    /// signers, who never appear in train (like PHOENIX's SI5). Written as
    /// <c>phoenix-2014-signerindependent-SI5</c> with <c>{split}.SI5.corpus.csv</c> annotations.
    /// </summary>
    public bool SignerIndependent { get; init; }

    /// <summary>Signers held out of train when <see cref="SignerIndependent"/> is set.</summary>
    public int HeldOutSigners { get; init; } = 1;

    /// <summary>Mean glosses per sentence (PHOENIX: 11.5).</summary>
    public double MeanGlossesPerSentence { get; init; } = 11.5;

    /// <summary>Most glosses in one sentence (PHOENIX: 28).</summary>
    public int MaxGlossesPerSentence { get; init; } = 28;

    /// <summary>Shortest video in frames; shorter sentences are padded with rest frames (PHOENIX: 27).</summary>
    public int MinFrames { get; init; } = 27;

    /// <summary>Longest video in frames; longer sentences are played faster to fit (PHOENIX: 299).</summary>
    public int MaxFrames { get; init; } = 299;

    /// <summary>
    /// Share of lexicon entries made as minimal pairs of an earlier sign: the same sign with one
    /// phonological parameter changed (handshape, location, path, direction, orientation, hands,
    /// or the same path walked backwards).
    /// </summary>
    public double MinimalPairShare { get; init; } = 0.3;

    /// <summary>Seed: the same options and seed write byte-identical files.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Threads rendering sentences.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>A size scaled from the PHOENIX defaults: <paramref name="train"/> train videos and dev/test in PHOENIX's proportions (at least 2 each).</summary>
    public SignWorldOptions WithTrainSentences(int train) => this with
    {
        TrainSentences = train,
        DevSentences = Math.Max(2, (int)Math.Round(train * 540.0 / 5671)),
        TestSentences = Math.Max(2, (int)Math.Round(train * 629.0 / 5671)),
    };

    /// <summary>The most train sentences: 17x PHOENIX-2014 already fills tens of gigabytes; more is a typo.</summary>
    public const int MaxTrainSentences = 100_000;

    /// <summary>Throws a <see cref="GlossaException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message) { if (!ok) throw new GlossaException(message); }
        Require(TrainSentences >= 1 && TrainSentences <= MaxTrainSentences, $"TrainSentences (--sentences) must be between 1 and {MaxTrainSentences} (got {TrainSentences})");
        Require(DevSentences >= 0 && TestSentences >= 0, $"DevSentences and TestSentences must not be negative (got {DevSentences} and {TestSentences})");
        Require(Glosses >= 2 && Glosses <= 5000, $"Glosses (--glosses) must be between 2 and 5000 (got {Glosses})");
        Require(ZipfExponent >= 0 && ZipfExponent <= 3, $"ZipfExponent must be between 0 and 3 (got {ZipfExponent})");
        Require(Signers >= 1 && Signers <= 50, $"Signers (--signers) must be between 1 and 50 (got {Signers})");
        Require(!SignerIndependent || (HeldOutSigners >= 1 && HeldOutSigners < Signers),
            $"a signer-independent split (SignerIndependent) needs 1 <= HeldOutSigners < Signers (got {HeldOutSigners} of {Signers}); use Signers (--signers) 2 or more");
        Require(MaxGlossesPerSentence >= 1 && MaxGlossesPerSentence <= 60, $"MaxGlossesPerSentence (--max-glosses-per-sentence) must be between 1 and 60 (got {MaxGlossesPerSentence})");
        Require(MeanGlossesPerSentence >= 1 && MeanGlossesPerSentence <= MaxGlossesPerSentence,
            $"MeanGlossesPerSentence (--glosses-per-sentence) must be between 1 and the maximum {MaxGlossesPerSentence} (got {MeanGlossesPerSentence})");
        Require(MinFrames >= 1 && MaxFrames >= MinFrames, $"MinFrames and MaxFrames must satisfy 1 <= min <= max (got {MinFrames}..{MaxFrames})");
        Require(MaxFrames >= 6 * MaxGlossesPerSentence,
            $"MaxFrames {MaxFrames} leaves fewer than 6 frames per gloss for MaxGlossesPerSentence (--max-glosses-per-sentence) {MaxGlossesPerSentence}; raise MaxFrames or lower MaxGlossesPerSentence");
        Require(MinimalPairShare >= 0 && MinimalPairShare <= 1, $"MinimalPairShare must be between 0 and 1 (got {MinimalPairShare})");
        Require(Parallelism >= 1, $"Parallelism must be at least 1 (got {Parallelism})");
    }
}
