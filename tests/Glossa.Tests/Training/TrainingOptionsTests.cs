using Glossa.Common;
using Glossa.Training;
using Glossa.Training.Objectives;

namespace Glossa.Tests.Training;

public sealed class TrainingOptionsTests
{
    [Fact]
    public void Defaults_validate() => new TrainingOptions { OutputDir = "run" }.Validate();

    [Theory]
    [InlineData("--learning-rate")]
    [InlineData("--batch-size")]
    [InlineData("--label-smoothing")]
    [InlineData("--device")]
    [InlineData("--output-dir")]
    public void Bad_values_name_the_option(string option)
    {
        var o = new TrainingOptions { OutputDir = "run" };
        o = option switch
        {
            "--learning-rate" => o with { LearningRate = 5 },
            "--batch-size" => o with { BatchSize = 0 },
            "--label-smoothing" => o with { LabelSmoothing = 1 },
            "--device" => o with { Device = "tpu" },
            _ => o with { OutputDir = "" },
        };
        var e = Assert.Throws<GlossaException>(() => o.Validate());
        Assert.Contains(option, e.Message);
    }

    [Fact]
    public void Option_records_used_from_csharp_and_the_command_line_name_the_property_and_the_option()
    {
        // A library user set Beam = 2000 and was told "--beam must be between ..."; the property is named too now.
        var cases = new (string Names, Action Validate)[]
        {
            ("Epochs (--epochs)", () => new TrainingOptions { OutputDir = "run", Epochs = 0 }.Validate()),
            ("Prefetch (--workers)", () => new TrainingOptions { OutputDir = "run", Prefetch = -1 }.Validate()),
            ("Threads (--threads)", () => new TrainingOptions { OutputDir = "run", Threads = -1 }.Validate()),
            ("TimeBudgetMinutes (--time-budget)", () => new TrainingOptions { OutputDir = "run", BudgetAnnealShare = 0.3 }.Validate()),
            ("Beam (--beam)", () => new Glossa.Recognition.RecognitionOptions { Checkpoint = "c", Beam = 2000 }.Validate()),
            ("ChunkFrames (--chunk)", () => new Glossa.Recognition.RecognitionOptions { Checkpoint = "c", ChunkFrames = 4 }.Validate()),
            ("Checkpoint (--checkpoint)", () => new Glossa.Recognition.RecognitionOptions().Validate()),
            ("Beam (--beam)", () => new EvaluationOptions { Checkpoint = "c", Corpus = "d", Beam = -1 }.Validate()),
            ("TrainSentences (--sentences)", () => new Glossa.Corpora.SynthOptions { TrainSentences = 0 }.Validate()),
            ("Stride (--stride)", () => new Glossa.Corpora.CorpusCheckOptions { Stride = 0 }.Validate()),
            ("Temperature (--kd-temperature)", () => new Glossa.Training.Distillation.DistillationOptions { Teacher = "t", Temperature = 0 }.Validate()),
            ("AlignWeight (--align-weight)", () => new AuxiliaryOptions { AlignWeight = -1 }.Validate()),
        };
        foreach (var (names, validate) in cases)
        {
            var e = Assert.Throws<GlossaException>(validate);
            Assert.Contains(names, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void Smkd_width_mismatch_fails_validation_before_training()
    {
        // The tiny student's temporal conv is 128 wide, its BiLSTM output 2 x 128: SMKD's one
        // classifier cannot read both. --dry-run (which only validates) used to accept this.
        var o = new TrainingOptions
        {
            OutputDir = "run", Model = "tiny-student",
            Objectives = new AuxiliaryOptions { ConvCtcWeight = 1, AlignWeight = 25, SharedClassifier = true },
        };
        var e = Assert.Throws<GlossaException>(() => o.Validate());
        Assert.Contains("--temporal-channels", e.Message);
        Assert.Contains("256", e.Message);
        (o with { TemporalChannels = 256 }).Validate();
    }

    [Fact]
    public void Input_norm_must_be_none_or_clip_and_reaches_the_model_config()
    {
        var o = new TrainingOptions { OutputDir = "run", Model = "tiny-grid-student", InputNorm = "frame" };
        var e = Assert.Throws<GlossaException>(() => o.Validate());
        Assert.Contains("--input-norm", e.Message);
        (o with { InputNorm = Glossa.Models.ModelConfig.InputNormClip }).Validate();
        Assert.Equal(Glossa.Models.ModelConfig.InputNormClip, DemoRecipe.Options("c", "r", null, null, 2, 1, "cache").InputNorm);
        Assert.Equal(Glossa.Models.ModelConfig.FeatureNormClip, DemoRecipe.Options("c", "r", null, null, 2, 1, "cache").FeatureNorm);
        Assert.Equal(0.5, DemoRecipe.Options("c", "r", null, null, 2, 1, "cache").ColourShuffle);
        // The demo trains VAC's visual-enhancement term, so its model gets a classifier on the temporal-conv features.
        var demo = DemoRecipe.Options("c", "r", null, null, 2, 1, "cache");
        Assert.Equal(1, demo.Objectives.ConvCtcWeight);
        // Later rate cuts and stops, and the budget's end annealed (eighteenth pass); no budget, no anneal (it needs one).
        Assert.Equal((6, 12), (demo.PlateauPatience, demo.Patience));
        Assert.Equal(0, demo.BudgetAnnealShare);
        var budgeted = DemoRecipe.Options("c", "r", null, 6.5, 2, 1, "cache");
        Assert.Equal(0.3, budgeted.BudgetAnnealShare);
        budgeted.Validate();
        Assert.Equal(Glossa.Models.ModelConfig.ConvHeadLinear, demo.Objectives.ShapeModel(Glossa.Models.ModelFactory.Named(demo.Model)).ConvHead);
        Assert.Throws<Glossa.Common.GlossaException>(() => (o with { InputNorm = null, FeatureNorm = "frame" }).Validate());
        Assert.Throws<Glossa.Common.GlossaException>(() => (o with { InputNorm = null, ColourShuffle = 1.5 }).Validate());
        Assert.Contains("--width-mult", Assert.Throws<Glossa.Common.GlossaException>(() => (o with { InputNorm = null, WidthMult = 0 }).Validate()).Message);
        Assert.Contains("--stretch", Assert.Throws<Glossa.Common.GlossaException>(() => (o with { InputNorm = null, Stretch = 1 }).Validate()).Message);
        Assert.Throws<Glossa.Common.GlossaException>(() => (o with { InputNorm = null, ColourShuffle = double.NaN }).Validate());
        Assert.False(DemoRecipe.Options("c", "r", null, null, 2, 1, "cache").Flip && DemoRecipe.Options("c", "r", null, null, 2, 1, "cache").Augment);
    }

    [Fact]
    public void Scale_jitter_or_colour_shuffle_without_augmentation_is_noted_not_silently_dropped()
    {
        var o = new TrainingOptions { OutputDir = "run", Augment = false, ColourShuffle = 0.5 };
        Assert.Contains(o.Notes(), n => n.Contains("--colour-shuffle acts only with augmentation") && !n.Contains("--zoom"));
        Assert.Contains((o with { Zoom = 0.25 }).Notes(), n => n.Contains("--zoom and --colour-shuffle act only"));
        Assert.Contains((o with { Stretch = 0.15 }).Notes(), n => n.Contains("--stretch and --colour-shuffle act only"));
        Assert.DoesNotContain((o with { Augment = true, Zoom = 0.25 }).Notes(), n => n.Contains("augmentation"));
        Assert.Empty((o with { ColourShuffle = 0 }).Notes());
    }
}
