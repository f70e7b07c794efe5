using Glossa.Corpora;
using Glossa.Models;

namespace Glossa.Training;

/// <summary>
/// The recipe of <c>glossa demo</c>, the same on every corpus (no per-corpus tuning): the tiny
/// grid student at 64x64 (CNN whose last map is kept as a 4x4 raster, so the features say where
/// the hands are + K5-P2-K5-P2 over the clip edge-padded with 6 copies of its first and last frame
/// features, as every named model + 1-layer BiLSTM 128/dir, ~1.8M parameters) reading each clip
/// normalised as a whole (<see cref="ClipNormalization"/>: its mean frame subtracted, so the
/// signer's body, clothes, background and lighting fall away and the moving hands stay) and whose
/// backbone features are normalised per clip too (<see cref="FeatureNormalization"/>: each clip's
/// mean feature subtracted before the temporal layers), AdamW 1e-3
/// after a one-epoch warm-up, then a constant rate that reduce-on-plateau halves after 6 epochs
/// without progress (neither a new best dev WER nor a dev-loss low 1% below the best:
/// <see cref="TrainingOptions.ValLossProgress"/>, since 2026-12-07: on the 30-clip dev sets of a new user's
/// generator the WER tied while the loss fell, and WER-only plateaus had cut the rate to 3% by epoch 31),
/// early stopping after 12 such epochs in which the training loss made
/// no new low either (<see cref="TrainingOptions.PatienceOnStall"/>; 24 at most), both counted only
/// once the model has left its initial plateau (<see cref="ReduceOnPlateau.HasLeftStart"/>); the number of epochs is
/// whatever fits the time budget (at most <see cref="MaxEpochs"/>), whose last 30% anneals the rate (<see cref="BudgetAnnealShare"/>). Batch 4; augmentation without
/// mirroring (random crop from 73 px, scale jitter <see cref="Zoom"/>, temporal rescale
/// <see cref="TemporalRescale"/>: signs told apart by a movement's direction must not be mirrored;
/// colour shuffle <see cref="ColourShuffle"/>); VAC's visual-enhancement term, a CTC loss on a second classifier over the
/// temporal-conv features (<see cref="ConvCtcWeight"/>, since 2026-12-07);
/// beam 10 for evaluation. Validating a weight average (<see cref="TrainingOptions.WeightAverageEpochs"/>)
/// was tried on 2026-12-06 and not kept: the average's dev WER moved a third as much from epoch to
/// epoch, but the demo's final dev and test WER on four corpora it was not tuned on were no better
/// (docs/recipe-passes.md, tenth pass).
/// </summary>
public static class DemoRecipe
{
    /// <summary>Upper bound on epochs; the time budget or early stopping normally ends the run first.</summary>
    public const int MaxEpochs = 200;

    /// <summary>Epochs of <c>--quick</c>.</summary>
    public const int QuickEpochs = 2;

    /// <summary>Default budget of the whole demo (corpus, training, evaluation) in minutes.</summary>
    public const double DefaultBudgetMinutes = 7;

    /// <summary>The smallest demo budget accepted, in minutes: writing the corpus and evaluating take part of it.</summary>
    public const double MinBudgetMinutes = 1;

    /// <summary>Training's share of the budget never drops below this many minutes (a note says when the corpus took the rest).</summary>
    public const double MinTrainingMinutes = 0.5;

    /// <summary>
    /// Scale jitter of the recipe's training clips (regions of 0.75 to 1.14 times the crop: the 73-px
    /// resize caps zooming out), so a signer larger or smaller than those of the training split is
    /// still one the model has seen.
    /// </summary>
    public const double Zoom = 0.25;

    /// <summary>
    /// Temporal rescale of the recipe's training clips: ±20% of their length, the published recipes'
    /// value. ±40% (so that an unseen signer faster than every training signer is still one the model
    /// has seen) was tried on five signer-independent corpora on 2026-12-05 and gained nothing
    /// (docs/recipe-passes.md, eighth pass).
    /// </summary>
    public const double TemporalRescale = Frames.FramePolicy.DefaultTemporalRescale;

    /// <summary>
    /// Share of training clips whose colour channels are put in a random order and negated at random
    /// (<see cref="Frames.FrameOptions.ColourShuffle"/>), so an unseen signer's colours, and hands
    /// lighter or darker than their clothes, are ones the model has seen. With the per-clip feature
    /// normalisation, it took the mean dev / test WER of six signer-independent corpora it was not
    /// tuned on from 16.3 / 17.2% to 11.6 / 12.0% (docs/recipe-passes.md, eleventh pass).
    /// </summary>
    public const double ColourShuffle = 0.5;

    /// <summary>
    /// Weight of VAC's visual-enhancement term (<see cref="Objectives.AuxiliaryOptions.ConvCtcWeight"/>, VAC's value): a
    /// second classifier on the temporal-conv features, trained with its own CTC loss, so the frame features must name
    /// the glosses before the BiLSTM sees them. Since 2026-12-07: on four seeds of a new user's generator the mean dev /
    /// test WER on its unseen signer fell from 22.5% to 16.2%, on four signer-independent corpora of our two generators
    /// from 13.8% to 9.1%, and the built-in demo stayed at 0% (docs/recipe-passes.md, sixteenth pass). VAC's alignment term
    /// (weight 25) as well was worse on the corpus that chose between them (36.5 / 28.7% against 15.2 / 17.0%).
    /// </summary>
    public const double ConvCtcWeight = 1;

    /// <summary>
    /// Epochs without progress before reduce-on-plateau halves the rate: 6 since 2026-12-07 (3 before). On the 30-clip
    /// dev sets of signer-independent corpora the dev WER swings by several points from epoch to epoch, and 3 epochs
    /// cut the rate while the training loss was still falling fast: on a helper's hardest world the rate was at 1.5e-5
    /// by epoch 46, the training WER of its augmented training steps stuck at 16-20% (docs/recipe-passes.md, eighteenth pass;
    /// on clean training clips the kept recipe's best on that world decodes at 1.3%, the nineteenth pass found: the gap there is the unseen signer).
    /// </summary>
    public const int PlateauPatience = 6;

    /// <summary>Early stopping's patience (epochs without progress, counted on stall): twice the plateau's, 12 since 2026-12-07 (6 before).</summary>
    public const int Patience = 12;

    /// <summary>
    /// With the later cuts, a run the budget ends would end at a high rate, wherever its last steps left it: over the
    /// last 30% of the training budget the rate is annealed (a half-cosine down to 5% of the rate in use;
    /// <see cref="TrainingOptions.BudgetAnnealShare"/>). Since 2026-12-07, with <see cref="PlateauPatience"/> 6: on five
    /// signer-independent corpora it was not tuned on, 4 of 10 dev/test figures better, 3 worse (by one or two words, the
    /// size of its run-to-run noise), mean 10.06 -> 9.90%; on the helper's world that raised it, 44.1 / 42.2% -> 36.8 / 37.0%; the built-in demo stays at 0%
    /// (docs/recipe-passes.md, eighteenth pass).
    /// </summary>
    public const double BudgetAnnealShare = 0.3;

    /// <summary>Beam width of the final evaluation.</summary>
    public const int Beam = 10;

    /// <summary>
    /// Share of the remaining budget given to training; the rest covers the dev and test evaluation.
    /// Evaluating took 5 s of compute on a 20/20-clip corpus (the test split's frames decoded then),
    /// so the 15% kept until 2026-12-06 left a minute of the 7 unused while every signer-independent
    /// run was still improving when the budget stopped it. 5% (about 20 s) covers a test split four times
    /// that size; a larger one overruns the budget by the difference.
    /// </summary>
    public const double TrainingShare = 0.95;

    /// <summary>
    /// The demo's wall-clock limit as a multiple of its compute budget (7 -> 9.45 minutes), a safety net
    /// for busy cores: the compute budget counts CPU time, so on idle cores it ends the run first (its
    /// wall time runs 10-30% longer with passive OpenMP waits: 8:18-8:58 for 7 minutes), but beside other
    /// work the same epochs took over 10 minutes of wall time (10:21 beside a test run). Training then
    /// stops early at <see cref="TrainingOptions.WallBudgetMinutes"/>, with fewer epochs than an idle run.
    /// </summary>
    public const double WallFactor = 1.35;

    /// <summary>
    /// Frame-decoding threads (<see cref="TrainingOptions.Prefetch"/>): the first epoch decodes every
    /// clip into the cache while the training step waits for it, so two threads halve its wall time;
    /// later epochs read the cache and wait for nothing. Batches depend only on (seed, epoch, sample),
    /// so the count changes no number.
    /// </summary>
    public const int DecodeThreads = 2;

    /// <summary>
    /// Said when training ended on the wall-clock limit with less than 90% of its compute budget (<paramref name="budgetMinutes"/>)
    /// used: the cores were shared, the run got fewer epochs than an idle machine gives it, and its figures are pessimistic. A
    /// new user's three runs on a loaded machine stopped after 19-21 epochs (32-35 on idle cores) and nothing but the "stopped"
    /// line said so. On idle cores passive waits can let the wall clock end the last epoch or two of a budget (a 100-frame
    /// corpus ran at 143% CPU, 1.4 times its compute time): that cut is small and gets no note.
    /// </summary>
    public static string? WallClockNote(TrainingOutcome outcome, double? budgetMinutes) =>
        outcome.Cause == TrainingOutcome.CauseWallClock && budgetMinutes is double budget && outcome.ComputeMinutes < 0.9 * budget
            ? $"note: the cores were busy with other work, so training stopped on the demo's wall-clock limit after {outcome.Epochs} epoch{(outcome.Epochs == 1 ? "" : "s")}, " +
              $"with {outcome.ComputeMinutes:0.0} of its {budget:0.0} minutes of compute used (best at epoch {outcome.BestEpoch}); on idle cores the same command trains more epochs, so these WERs are pessimistic: rerun when the machine is quiet"
            : null;

    /// <summary>The training options of the recipe. <paramref name="budgetMinutes"/> is the training's own budget (null = none).</summary>
    public static TrainingOptions Options(string corpus, string runDir, int? epochs, double? budgetMinutes, int threads, long seed, string cacheDir, double? wallMinutes = null) => new()
    {
        Model = ModelFactory.TinyGridStudent,
        InputNorm = ModelConfig.InputNormClip,
        FeatureNorm = ModelConfig.FeatureNormClip,
        Corpus = corpus,
        OutputDir = runDir,
        Epochs = epochs ?? MaxEpochs,
        BatchSize = 4,
        LearningRate = 1e-3,
        WeightDecay = 1e-4,
        WarmupEpochs = 1,
        Schedule = LrScheduleKind.Constant,
        PlateauPatience = PlateauPatience,
        PlateauFactor = 0.5,
        Patience = Patience,
        BudgetAnnealShare = budgetMinutes is null ? 0 : BudgetAnnealShare,
        PatienceOnStall = true,
        ValLossProgress = true,
        TimeBudgetMinutes = budgetMinutes,
        WallBudgetMinutes = wallMinutes,
        Augment = true,
        Flip = false,
        Zoom = Zoom,
        ColourShuffle = ColourShuffle,
        TemporalRescale = TemporalRescale,
        FrameSize = 64,
        MaxFrames = 300,
        Threads = threads,
        Seed = seed,
        Overwrite = true,
        CacheDir = cacheDir,
        LogSamples = 2,
        HistogramEvery = 5,
        Prefetch = DecodeThreads,
        Objectives = new Objectives.AuxiliaryOptions { ConvCtcWeight = ConvCtcWeight },
    };

    /// <summary>Evaluates the run's best checkpoint on dev and test with the recipe's beam, results in RUN/eval.</summary>
    public static IReadOnlyDictionary<string, EvaluationResult> Evaluate(TrainingOptions trained, string corpus) =>
        new[] { "dev", "test" }.ToDictionary(split => split, split => Evaluator.Run(new EvaluationOptions
        {
            Checkpoint = Path.Combine(trained.OutputDir, "best"),
            Corpus = corpus,
            Split = split,
            Beam = Beam,
            Threads = trained.Threads,
            CacheDir = trained.CacheDir,
            OutputDir = Path.Combine(trained.OutputDir, "eval"),
        }));

    /// <summary>The built-in corpus of the demo: 160/40/40 sentences of the default synthetic world (quick: 16/4/4, 6 glosses, 2 signers).</summary>
    public static SynthOptions Corpus(bool quick, int seed) => quick
        ? new SynthOptions { TrainSentences = 16, DevSentences = 4, TestSentences = 4, Glosses = 6, Signers = 2, Seed = seed }
        : new SynthOptions { TrainSentences = 160, DevSentences = 40, TestSentences = 40, Seed = seed };
}
