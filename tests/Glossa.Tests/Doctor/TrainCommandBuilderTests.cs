using Glossa.Doctor;

namespace Glossa.Tests.Doctor;

public sealed class TrainCommandBuilderTests
{
    [Fact]
    public void Rebuilds_from_the_original_command_line_changing_options()
    {
        var ctx = new RunContext { CommandLine = ["train", "--model", "i3d-teacher", "--corpus", "/data/my corpus", "--dropout=0.3", "--augment", "--output-dir", "runs/t_v2"] };
        var b = new TrainCommandBuilder(ctx);
        Assert.Equal("0.3", b.Get("dropout"));
        string cmd = b.Build(("dropout", 0.5), ("weight_decay", 0.001), ("augment", null));
        Assert.Equal("./glossa train --model i3d-teacher --corpus '/data/my corpus' --dropout 0.5 --weight-decay 0.001 --output-dir runs/t_v3", cmd);
    }

    [Fact]
    public void Without_any_options_it_still_names_a_new_output_folder()
    {
        Assert.Equal("./glossa train --learning-rate 0.0001 --output-dir RUN_v2", new TrainCommandBuilder(new RunContext()).Build(("learning-rate", 1e-4)));
        Assert.Equal("runs/a_v2", TrainCommandBuilder.NextRunName("runs/a/"));
    }
}
