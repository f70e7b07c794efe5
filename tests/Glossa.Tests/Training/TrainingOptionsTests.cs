using Glossa.Common;
using Glossa.Training;

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
}
