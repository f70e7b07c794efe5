using Glossa.Common;

namespace Glossa.Doctor;

/// <summary>
/// Thresholds of the health rules. Defaults come from the training dynamics measured on CTC
/// recognisers (docs/doctor.md, shared/reference/training-dynamics.md): a healthy run predicts
/// pure blank for only ~10-30 steps, then sits 2-7 epochs at the "frequent glosses only" stage
/// (blank share 0.75-0.88, hypotheses ~1/4 of the reference length, WER ~74%), then the WER
/// falls fast. Collapse is therefore judged only after a grace period and only when it
/// persists without progress.
/// </summary>
public sealed record DoctorOptions
{
    // ---- blank_collapse ----
    /// <summary>Epochs at the start during which blank-heavy output is the normal stage 1/2 and never a warning.
    /// Stage 2 lasted up to 7 epochs in the measurements; collapse also needs persistence, so 3 is enough.</summary>
    public int GraceEpochs { get; init; } = 3;
    /// <summary>Optimizer steps before which pure-blank output is still stage 1 (measured: 10-30 steps on the synthetic
    /// corpus, up to ~50 for a tiny GRU at a low rate; "well over 50" is suspicious). Both this and <see cref="GraceEpochs"/> must pass.</summary>
    public long GraceSteps { get; init; } = 50;
    /// <summary>Blank share of validation frames above which an epoch counts as collapsed (the reference run: "over 90%").</summary>
    public double BlankCollapseRatio { get; init; } = 0.90;
    /// <summary>Blank share that means "pure blank" (stage 1 level, &gt;= 0.99 measured); persisting it past the grace is collapse.</summary>
    public double PureBlankRatio { get; init; } = 0.95;
    /// <summary>Share of empty validation hypotheses above which an epoch counts as collapsed.</summary>
    public double EmptyRateCollapse { get; init; } = 0.50;
    /// <summary>Predicted/reference length ratio below which hypotheses are "far shorter" than references
    /// (stage 2 is ~0.26 and lasts a few epochs; a converged model is ~1.0).</summary>
    public double LengthRatioCollapse { get; init; } = 0.35;
    /// <summary>Consecutive collapsed epochs (after the grace) that give a warning.</summary>
    public int CollapseWarnEpochs { get; init; } = 2;
    /// <summary>Consecutive collapsed epochs without progress that make blank collapse critical
    /// (training-dynamics: plateau "for more than ~5 epochs"; pure blank is judged faster, see <see cref="PureBlankCriticalEpochs"/>).</summary>
    public int CollapseCriticalEpochs { get; init; } = 5;
    /// <summary>Consecutive pure-blank epochs (after the grace) without progress that are critical:
    /// a healthy run leaves pure blank within tens of steps.</summary>
    public int PureBlankCriticalEpochs { get; init; } = 3;
    /// <summary>An epoch by which every healthy run has long left stage 2 (measured: by epoch ~7 at the latest);
    /// blank collapse seen at or after it without progress is critical even from a single observation (sparse histories).</summary>
    public int CollapseLateEpoch { get; init; } = 15;
    /// <summary>Validation WER gain (points) over a window that counts as progress.</summary>
    public double MinWerGain { get; init; } = 2.0;
    /// <summary>Relative training-loss fall over a window that counts as progress (0.05 = 5%).</summary>
    public double MinLossGain { get; init; } = 0.05;

    /// <summary>Loss changes smaller than this share of the run's own loss scale (its largest validation or training
    /// loss after epoch 1) are noise: a converged run at loss 0.002 that wobbles to 0.004 neither overfits nor diverges.</summary>
    public double LossNoiseFloor { get; init; } = 0.02;

    // ---- overfitting ----
    /// <summary>Epochs past the best validation loss (or WER) while training loss falls that give a warning.</summary>
    public int OverfitPatience { get; init; } = 5;
    /// <summary>Relative worsening of validation loss from its best that counts (0.02 = 2%), to ignore noise.</summary>
    public double OverfitMinRise { get; init; } = 0.02;
    /// <summary>
    /// The rise from the best must also exceed this many times the metric's median epoch-to-epoch change over the last
    /// 2x <see cref="OverfitPatience"/> epochs (the run's own wobble). On 54 demo runs on signer-independent corpora of
    /// 20 dev clips (~140 words, one word = 0.7 points), judged 2026-12-06, the rule without it warned on 13, and 7 of
    /// those runs later beat the "best" it named by 2-7 points; with it, it warns on 9, 2 of them later beaten. A
    /// steadily rising validation loss (the reference run, the library's over-fitting run) rises by many times its wobble.
    /// </summary>
    public double OverfitWobbleFactor { get; init; } = 2.0;

    /// <summary>
    /// A validation WER past its best is not overfitting while the validation loss still falls: its low came after the
    /// WER's best epoch, within the overfit patience, and this share below the loss at the WER's best (0.05), or its latest
    /// value is that share below it (since 2026-12-07: a second new user's run, WER best a two-epoch dip, loss 0.454 there
    /// and 0.423 at the end, was called critical). A new
    /// user's signer-independent run (val loss 1.103 -> 0.967 while the WER tied) was called critical; the library's
    /// over-fitting run (1.569 -> 1.543 after a hump to 2.5, training loss 0.002) is still caught.
    /// </summary>
    public double OverfitLossStillFalling { get; init; } = 0.05;
    /// <summary>
    /// A validation WER this many points above the training WER, not back at its best for <see cref="OverfitPatience"/>
    /// epochs while the training loss fell, is overfitting even when the rise is within the run's wobble. A new user's run
    /// without colour shuffle (train WER 32 -> 15%, dev WER 64.6% at epochs 12 and 18, 68.6% at 23, its dev loss swinging
    /// 2.1-2.9) was called healthy. On 81 kept demo runs and the 36 library runs it fires on no other (2026-12-07).
    /// </summary>
    public double OverfitWideGap { get; init; } = 30.0;
    /// <summary>Critical when past the best by this many times <see cref="OverfitPatience"/> and still worsening.</summary>
    public double OverfitCriticalFactor { get; init; } = 2.0;
    /// <summary>With a training WER, overfitting also needs the training clips fitted better than the validation clips by
    /// this many points (run library: the over-fitting runs end 38 points apart; the two false alarms it removed, an
    /// over-regularised and a low-rate run whose "best" validation was epoch 1's random output, had train WER >= val WER).</summary>
    public double OverfitMinWerGap { get; init; } = 5.0;

    // ---- not_learning ----
    /// <summary>Validation WER (percent) that is "not learning" after <see cref="NotLearningEpochs"/> epochs.</summary>
    public double NotLearningWer { get; init; } = 85.0;
    /// <summary>Epochs after which a WER above <see cref="NotLearningWer"/> is a warning (healthy: &lt; 20% by epoch 8 on the synthetic corpus).</summary>
    public int NotLearningEpochs { get; init; } = 10;
    /// <summary>Window (epochs) over which a plateau of losses / WER is judged.</summary>
    public int PlateauEpochs { get; init; } = 5;
    /// <summary>A WER at or below this (percent) is good enough that a plateau is convergence, not a problem.</summary>
    public double GoodWer { get; init; } = 30.0;

    // ---- underfitting ----
    /// <summary>Largest val WER - train WER gap (points) at which the training error still counts as bad too (beyond it, train fits and val does not: overfitting's side).</summary>
    public double UnderfitMaxGap { get; init; } = 15.0;
    /// <summary>Window (epochs) over which "the loss is still falling" is judged.</summary>
    public int UnderfitWindow { get; init; } = 3;
    /// <summary>Relative training-loss fall over <see cref="UnderfitWindow"/> that counts as still learning (0.03 = 3%).</summary>
    public double UnderfitLossFall { get; init; } = 0.03;
    /// <summary>A last-epoch rate below this share of the configured peak means the schedule has decayed it (cosine ends at 1%).</summary>
    public double UnderfitDecayedShare { get; init; } = 0.2;
    /// <summary>Validation WER points gained over <see cref="UnderfitWindow"/> (with a gain of at least <see cref="MinWerGain"/> in
    /// the last epoch) that mean a run was still improving fast when its schedule ended: a healthy run cut short gets a
    /// "train longer" note (info), not a stop. Run library: the healthy world-b run gained 30 points over its last 3
    /// epochs; the stalled runs (short schedule, the reported stalled run, the sign world's 8-epoch run) gained 0-10.</summary>
    public double UnderfitStillImprovingWer { get; init; } = 15.0;
    /// <summary>A configured peak learning rate below this is too low for Adam-style CTC training in a normal number of epochs.</summary>
    public double LowPeakLearningRate { get; init; } = 5e-5;
    /// <summary>Weight decay at or above which (AdamW, decoupled) the regularisation can keep the training error up.</summary>
    public double HighWeightDecay { get; init; } = 0.05;
    /// <summary>CTC label smoothing at or above which the regularisation can keep the training error up.</summary>
    public double HighLabelSmoothing { get; init; } = 0.2;

    // ---- not_learning: no signal (needs the training label counts) ----
    /// <summary>Training loss within this band of the frame-blind floor (the loss of a model that knows the label prior and
    /// nothing of the frames, <see cref="Rules.LabelPrior"/>) counts as "at the floor". Run library: the shuffled-label runs
    /// end at 1.03-1.06x; the runs with signal that sat on the same WER plateau ended at 1.19-1.24x (still falling) or
    /// below 0.85x (learning from the frames).</summary>
    public double NoSignalFloorLow { get; init; } = 0.90;
    /// <inheritdoc cref="NoSignalFloorLow"/>
    public double NoSignalFloorHigh { get; init; } = 1.15;
    /// <summary>Largest relative training-loss fall over the last 2 epochs at which the loss counts as settled at the floor
    /// (run library: shuffled runs 2.8-4.3%; runs with signal crossing the floor band fall 17-39% over 2 epochs; a new
    /// user's 6-epoch student with real labels, still on the plateau, fell 7% (2.70 -> 2.51) and was called "no signal"
    /// at the earlier 8%).</summary>
    public double NoSignalFlatFall { get; init; } = 0.05;
    /// <summary>Training WER within this many points of the label-prior WER (only the glosses of every sentence output)
    /// counts as "no better than the prior".</summary>
    public double NoSignalWerMargin { get; init; } = 2.0;

    // ---- unstable ----
    /// <summary>A step loss this many times the epoch mean is a spike.</summary>
    public double SpikeFactor { get; init; } = 5.0;

    /// <summary>A spike must also reach this share of the run's largest epoch-mean training loss after epoch 1
    /// (0.5: half-way back to the plateau); below it, a hard batch late in a converged run is not instability.</summary>
    public double SpikeLevel { get; init; } = 0.5;

    /// <summary>Spikes must show in at least this many of the last plateau_epochs epochs: one hard batch in five
    /// epochs of a small corpus (a new user's 60-clip run at 4.4% WER: 1.87 against a mean of 0.28) is no instability.</summary>
    public int SpikeEpochs { get; init; } = 2;
    /// <summary>An epoch's mean training loss this many times the previous epoch's is a jump (divergence).</summary>
    public double JumpFactor { get; init; } = 1.5;
    /// <summary>A maximum gradient norm this many times the run's median mean gradient norm is an explosion.</summary>
    public double GradExplosionFactor { get; init; } = 20.0;
    /// <summary>An absolute maximum gradient norm (before clipping) that is an explosion whatever the history.</summary>
    public double GradExplosionAbsolute { get; init; } = 1000.0;
    /// <summary>Learning rate above which Adam-style training of CTC models is usually unstable.</summary>
    public double HighLearningRate { get; init; } = 3e-3;
    /// <summary>Learning rate below which training barely moves (outside the end of a decay schedule).</summary>
    public double LowLearningRate { get; init; } = 1e-6;
    /// <summary>Learning rate so far above the usual 1e-4..1e-3 that it is a warning on its own, before any symptom
    /// (measured on the synthetic corpus: from 0.2 the tiny student's losses run 3-50x a healthy run's and its WER stays above 75%).</summary>
    public double ExtremeLearningRate { get; init; } = 0.1;
    /// <summary>At an extreme learning rate, epochs (past the grace) whose best validation WER is no better than the
    /// best before them (by <see cref="MinWerGain"/>) that make the finding critical: the run jumps between a few
    /// frequent glosses and will not settle at this rate (measured: lr 0.5 and 0.9 plateau at WER 76-92% from epoch 2).</summary>
    public int ExtremeRateNoProgressEpochs { get; init; } = 3;
    /// <summary>Dropout at or above which blank output is likely the dropout's doing: the classifier is trained on
    /// mostly zeroed features and learns the label prior, which under CTC is blank (often a keep probability passed as a drop rate).</summary>
    public double HighDropout { get; init; } = 0.5;

    // ---- ctc_infeasible ----
    /// <summary>Share of CTC-infeasible training clips that gives a warning (they contribute no gradient).</summary>
    public double InfeasibleWarnShare { get; init; } = 0.01;
    /// <summary>Share of CTC-infeasible clips that is critical (the model cannot learn most of the data).</summary>
    public double InfeasibleCriticalShare { get; init; } = 0.25;

    // ---- capacity ----
    /// <summary>Trainable parameters per training clip above which an overfitting run gets an info note naming the size as a
    /// possible cause. The ratio is never a warning: on the run library it predicts nothing (tiny students at 11,000-22,000
    /// per clip reach &lt; 5% WER; all three warnings it gave were false alarms).</summary>
    public double ParamsPerSampleInfo { get; init; } = 1500;

    // ---- data_mismatch ----
    /// <summary>Share of validation gloss occurrences missing from the training vocabulary that makes the labels disagree (critical).</summary>
    public double UnknownValidationShare { get; init; } = 0.10;
    /// <summary>Share of all gloss tokens taken by the single most frequent gloss that counts as skewed (an info note: on the
    /// run library the sign world's 32% gloss gave five warnings, each on a run whose problem was another, planted one).</summary>
    public double SkewTopShare { get; init; } = 0.25;
    /// <summary>Share of glosses seen fewer than 3 times in training above which the vocabulary is mostly rare glosses.</summary>
    public double RareGlossShare { get; init; } = 0.5;

    // ---- verdict ----
    /// <summary>
    /// Name of the program in ready-to-run commands: the checkout's launcher that started this process (its
    /// <c>GLOSSA_LAUNCHER</c>), as <c>./glossa</c> from the checkout and by its full path from anywhere else; else <c>./glossa</c>.
    /// </summary>
    public string Program { get; init; } = LauncherFromHere();

    static string LauncherFromHere()
    {
        if (Environment.GetEnvironmentVariable("GLOSSA_LAUNCHER") is not { Length: > 0 } launcher || !Path.IsPathFullyQualified(launcher))
            return "./glossa";
        // "./glossa" in the checkout itself; anywhere else (a folder below it included) the full path,
        // so a command copied from a log still runs after a cd.
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, launcher);
        string program = relative == "glossa" ? "./glossa" : launcher;
        return program.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`' or '\\') ? "'" + program.Replace("'", "'\\''") + "'" : program;
    }

    /// <summary>Checks every threshold; throws a <see cref="GlossaException"/> naming the bad one.</summary>
    public DoctorOptions Validate()
    {
        static void Check(bool ok, string what)
        {
            if (!ok) throw new GlossaException($"doctor options: {what}");
        }
        Check(GraceEpochs >= 0, $"grace_epochs must be >= 0 (got {GraceEpochs})");
        Check(GraceSteps >= 0, $"grace_steps must be >= 0 (got {GraceSteps})");
        Check(BlankCollapseRatio is > 0 and <= 1, $"blank_collapse_ratio must be in (0,1] (got {BlankCollapseRatio})");
        Check(PureBlankRatio is > 0 and <= 1 && PureBlankRatio >= BlankCollapseRatio, $"pure_blank_ratio must be in [blank_collapse_ratio,1] (got {PureBlankRatio})");
        Check(EmptyRateCollapse is > 0 and <= 1, $"empty_rate_collapse must be in (0,1] (got {EmptyRateCollapse})");
        Check(LengthRatioCollapse is > 0 and < 1, $"length_ratio_collapse must be in (0,1) (got {LengthRatioCollapse})");
        Check(CollapseWarnEpochs >= 1 && CollapseCriticalEpochs >= CollapseWarnEpochs, "collapse_warn_epochs must be >= 1 and <= collapse_critical_epochs");
        Check(PureBlankCriticalEpochs >= 1, "pure_blank_critical_epochs must be >= 1");
        Check(CollapseLateEpoch > GraceEpochs, $"collapse_late_epoch must be after grace_epochs (got {CollapseLateEpoch})");
        Check(LossNoiseFloor is >= 0 and < 1, $"loss_noise_floor must be in [0,1) (got {LossNoiseFloor})");
        Check(OverfitPatience >= 1, $"overfit_patience must be >= 1 (got {OverfitPatience})");
        Check(OverfitCriticalFactor >= 1, $"overfit_critical_factor must be >= 1 (got {OverfitCriticalFactor})");
        Check(NotLearningWer is > 0 and <= 100, $"not_learning_wer must be in (0,100] (got {NotLearningWer})");
        Check(NotLearningEpochs >= 1 && PlateauEpochs >= 2, "not_learning_epochs must be >= 1 and plateau_epochs >= 2");
        Check(SpikeFactor > 1 && JumpFactor > 1 && GradExplosionFactor > 1, "spike_factor, jump_factor and grad_explosion_factor must be > 1");
        Check(SpikeLevel is >= 0 and <= 10, $"spike_level must be in [0, 10] (got {SpikeLevel})");
        Check(SpikeEpochs >= 1 && SpikeEpochs <= PlateauEpochs, $"spike_epochs must be in [1, plateau_epochs] (got {SpikeEpochs})");
        Check(LowLearningRate > 0 && HighLearningRate > LowLearningRate && ExtremeLearningRate >= HighLearningRate,
            "learning-rate marks must satisfy 0 < low_learning_rate < high_learning_rate <= extreme_learning_rate");
        Check(ExtremeRateNoProgressEpochs >= 1, $"extreme_rate_no_progress_epochs must be >= 1 (got {ExtremeRateNoProgressEpochs})");
        Check(UnderfitMaxGap > 0 && UnderfitWindow >= 1 && UnderfitLossFall is > 0 and < 1 && UnderfitDecayedShare is > 0 and < 1,
            "underfit_max_gap must be > 0, underfit_window >= 1, underfit_loss_fall and underfit_decayed_share in (0,1)");
        Check(LowPeakLearningRate > 0 && HighWeightDecay > 0 && HighLabelSmoothing is > 0 and < 1,
            "low_peak_learning_rate and high_weight_decay must be > 0, high_label_smoothing in (0,1)");
        Check(HighDropout is > 0 and < 1, $"high_dropout must be in (0,1) (got {HighDropout})");
        Check(InfeasibleWarnShare is >= 0 and <= 1 && InfeasibleCriticalShare >= InfeasibleWarnShare && InfeasibleCriticalShare <= 1,
            "infeasible shares must satisfy 0 <= warn <= critical <= 1");
        Check(ParamsPerSampleInfo > 0, $"params_per_sample_info must be > 0 (got {ParamsPerSampleInfo})");
        Check(OverfitMinWerGap >= 0 && UnderfitStillImprovingWer > 0, "overfit_min_wer_gap must be >= 0 and underfit_still_improving_wer > 0");
        Check(OverfitWideGap > 0, $"overfit_wide_gap must be > 0 points (got {OverfitWideGap})");
        Check(OverfitLossStillFalling >= 0, $"overfit_loss_still_falling must be >= 0 (got {OverfitLossStillFalling})");
        Check(OverfitWobbleFactor >= 0, $"overfit_wobble_factor must be >= 0 (got {OverfitWobbleFactor})");
        Check(NoSignalFloorLow is > 0 and < 1 && NoSignalFloorHigh > 1 && NoSignalFlatFall is > 0 and < 1 && NoSignalWerMargin >= 0,
            "no_signal_floor_low must be in (0,1), no_signal_floor_high > 1, no_signal_flat_fall in (0,1), no_signal_wer_margin >= 0");
        Check(UnknownValidationShare is > 0 and <= 1, $"unknown_validation_share must be in (0,1] (got {UnknownValidationShare})");
        Check(SkewTopShare is > 0 and <= 1 && RareGlossShare is > 0 and <= 1, "skew_top_share and rare_gloss_share must be in (0,1]");
        return this;
    }
}
