using Glossa.Common;
using Glossa.Models;

namespace Glossa.Training;

/// <summary>
/// The published CSLR recipes in one word (<c>--recipe vac|smkd|corrnet</c>): VAC's, SMKD's and
/// CorrNet's training hyper-parameters (Adam, lr 1e-4, weight decay 1e-4, batch 2, 40 epochs,
/// x0.2 at epochs 20 and 35, 224-px crops of 256-px frames with flips and +-20% temporal rescale,
/// conv CTC weight 1, alignment weight 25 at T = 8 over the glosses only, each clip's CTC loss
/// summed over its target, no gradient clipping), as the authors' code (VIPL-SLP/VAC_CSLR,
/// hulianyuyy/CorrNet) trains. A preset only fills the options the command line left at their
/// defaults: an explicit option always wins.
/// </summary>
public static class RecipePreset
{
    /// <summary>VAC: resnet18-vac with visual enhancement and visual alignment.</summary>
    public const string Vac = "vac";
    /// <summary>SMKD: VAC with one weight-normalised classifier shared by both heads.</summary>
    public const string Smkd = "smkd";
    /// <summary>CorrNet: the corrnet model trained with VAC's objectives and SMKD's shared classifier (its baseline.yaml: share_classifier, weight_norm).</summary>
    public const string CorrNet = "corrnet";

    /// <summary>All recipe names.</summary>
    public static IReadOnlyList<string> Names { get; } = [Vac, Smkd, CorrNet];

    sealed record Setting(string Option, string Value, Func<TrainingOptions, TrainingOptions> Set);

    static IReadOnlyList<Setting> SettingsOf(string recipe)
    {
        string model = recipe == CorrNet ? ModelFactory.CorrNet : ModelFactory.ResNet18Vac;
        var settings = new List<Setting>
        {
            new("--model", model, o => o with { Model = model }),
            new("--optimizer", TrainingOptions.Adam, o => o with { Optimizer = TrainingOptions.Adam }),
            new("--learning-rate", "1e-4", o => o with { LearningRate = 1e-4 }),
            new("--weight-decay", "1e-4", o => o with { WeightDecay = 1e-4 }),
            new("--batch-size", "2", o => o with { BatchSize = 2 }),
            new("--epochs", "40", o => o with { Epochs = 40 }),
            new("--schedule", "step", o => o with { Schedule = LrScheduleKind.Step }),
            new("--step-milestones", "20,35", o => o with { StepMilestones = [20, 35] }),
            new("--step-gamma", "0.2", o => o with { StepGamma = 0.2 }),
            new("--warmup-epochs", "0", o => o with { WarmupEpochs = 0 }),
            new("--plateau-patience", "0", o => o with { PlateauPatience = 0 }),
            new("--patience", "0", o => o with { Patience = 0 }),
            new("--frame-size", "224", o => o with { FrameSize = 224 }),
            new("--temporal-rescale", "0.2", o => o with { TemporalRescale = 0.2 }),
            new("--conv-ctc-weight", "1", o => o with { Objectives = o.Objectives with { ConvCtcWeight = 1 } }),
            new("--align-weight", "25", o => o with { Objectives = o.Objectives with { AlignWeight = 25 } }),
            new("--align-temperature", "8", o => o with { Objectives = o.Objectives with { AlignTemperature = 8 } }),
            // The authors' SeqKD is called with use_blank=False: the blank is dropped from both distributions.
            new("--align-exclude-blank", "true", o => o with { Objectives = o.Objectives with { AlignBlank = false } }),
            // Their CTCLoss(reduction='none') then .mean(): each clip's loss summed over its target, the weight 25 balanced against that.
            new("--ctc-reduction", CtcObjective.Sum, o => o with { CtcReduction = CtcObjective.Sum }),
            // VAC's seq_train has its clip_grad_norm_ commented out, and CorrNet's has none.
            new("--clip-grad-norm", "0", o => o with { ClipGradNorm = 0 }),
        };
        if (recipe is Smkd or CorrNet)
            settings.Add(new("--shared-classifier", "true", o => o with { Objectives = o.Objectives with { SharedClassifier = true } }));
        return settings;
    }

    /// <summary>
    /// <paramref name="options"/> with the recipe's values for every option not in
    /// <paramref name="explicitOptions"/> (primary names such as <c>--learning-rate</c>); the result's
    /// <see cref="TrainingOptions.RecipeSettings"/> lists what the preset set, as <c>--option value</c>.
    /// </summary>
    public static TrainingOptions Apply(TrainingOptions options, string recipe, IReadOnlySet<string> explicitOptions)
    {
        string name = recipe.Trim().ToLowerInvariant();
        if (!Names.Contains(name))
            throw new GlossaException($"--recipe '{recipe}' is unknown; use one of {string.Join(", ", Names)}");
        var applied = new List<string>();
        foreach (var s in SettingsOf(name))
        {
            if (explicitOptions.Contains(s.Option))
                continue;
            options = s.Set(options);
            applied.Add($"{s.Option} {s.Value}");
        }
        // Frames: resize to 8/7 of the crop (256 for 224), random crop, flip p = 0.5 and +-20% temporal
        // rescale in training, centre crop in evaluation, unless --no-augment was given.
        return options with { Recipe = name, RecipeSettings = applied };
    }

    /// <summary>The published PHOENIX-2014 dev / test WER of a recipe (for the docs and the dry run).</summary>
    public static string Published(string recipe) => recipe switch
    {
        Vac => "VAC: 21.2 / 22.3 dev / test WER on PHOENIX-2014",
        Smkd => "SMKD: 19.8 / 20.5 dev / test WER on PHOENIX-2014",
        CorrNet => "CorrNet: 18.8 / 19.4 dev / test WER on PHOENIX-2014 (CorrNet+: 18.0 / 18.2)",
        _ => "",
    };
}
