using Glossa.Common;

namespace Glossa.Decoding;

/// <summary>Settings of <see cref="BeamSearchDecoder"/>. Defaults follow the peers' reported setup (beam 10, top 40 classes per frame, no LM).</summary>
public sealed record BeamSearchOptions
{
    /// <summary>Prefixes kept after every frame.</summary>
    public int BeamWidth { get; init; } = 10;

    /// <summary>Only the most probable classes of each frame extend prefixes (ctcdecode's cutoff_top_n).</summary>
    public int TopClasses { get; init; } = 40;

    /// <summary>Also stop adding classes once their cumulative probability reaches this (ctcdecode's cutoff_prob); 1 disables it.</summary>
    public double CutoffProbability { get; init; } = 1.0;

    /// <summary>Hypotheses returned per utterance, best first (at most <see cref="BeamWidth"/>).</summary>
    public int NBest { get; init; } = 1;

    /// <summary>Index of the CTC blank.</summary>
    public int Blank { get; init; }

    /// <summary>
    /// Also merge immediate repeats in the output ids, as VAC_CSLR-style decoders do after beam
    /// search (itertools.groupby). Off by default: under CTC a label repeated across a blank is two
    /// labels, and the greedy decoder and validation follow that rule.
    /// </summary>
    public bool CollapseRepeats { get; init; }

    /// <summary>Optional gloss n-gram language model (shallow fusion at each word extension and at the end).</summary>
    public ArpaLanguageModel? LanguageModel { get; init; }

    /// <summary>Token of each class (index = class id, blank included); required with a language model to map classes to LM words.</summary>
    public IReadOnlyList<string>? ClassTokens { get; init; }

    /// <summary>Weight of the LM natural-log probability (alpha).</summary>
    public double LmWeight { get; init; } = 0.5;

    /// <summary>Natural-log bonus added per emitted word (beta); counters the LM's bias to short outputs.</summary>
    public double InsertionBonus { get; init; }

    /// <summary>Threads for batch decoding; 0 uses all cores.</summary>
    public int Threads { get; init; }

    /// <summary>Checks the options; throws <see cref="GlossaException"/> with an actionable message.</summary>
    public void Validate()
    {
        if (BeamWidth < 1) throw new GlossaException($"beam search: beam width {BeamWidth} must be at least 1");
        if (TopClasses < 1) throw new GlossaException($"beam search: top classes {TopClasses} must be at least 1");
        if (!(CutoffProbability > 0 && CutoffProbability <= 1)) throw new GlossaException($"beam search: cutoff probability {CutoffProbability} must be in (0, 1]");
        if (NBest < 1 || NBest > BeamWidth) throw new GlossaException($"beam search: N-best {NBest} must be between 1 and the beam width {BeamWidth}");
        if (Blank < 0) throw new GlossaException($"beam search: blank index {Blank} must not be negative");
        if (Threads < 0) throw new GlossaException($"beam search: threads {Threads} must be 0 (all cores) or more");
        if (!(LmWeight >= 0)) throw new GlossaException($"beam search: LM weight {LmWeight} must be zero or positive");
        if (!double.IsFinite(LmWeight) || !double.IsFinite(InsertionBonus)) throw new GlossaException("beam search: LM weight and insertion bonus must be finite numbers");
        if (LanguageModel is not null && ClassTokens is null)
            throw new GlossaException("beam search: a language model needs the class tokens (the vocabulary) to map classes to LM words");
    }
}
