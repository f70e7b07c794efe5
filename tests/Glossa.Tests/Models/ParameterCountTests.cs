using Glossa.Models;
using Glossa.Models.Backbones;

namespace Glossa.Tests.Models;

/// <summary>Exact parameter counts. Backbone numbers are torchvision's / pytorch-i3d's (see reference/models.md); head numbers follow 4H(I+H)+8H per LSTM layer and direction.</summary>
public class ParameterCountTests
{
    [Fact]
    public void MobileNetV3BackbonesMatchTorchvision()
    {
        using var large = new MobileNetV3(large: true);
        using var small = new MobileNetV3(large: false);
        using var largeFull = new MobileNetV3(large: true, imageNetClasses: 1000);
        using var smallFull = new MobileNetV3(large: false, imageNetClasses: 1000);
        Assert.Equal(2_971_952, ModelSummary.CountParameters(large));
        Assert.Equal(927_008, ModelSummary.CountParameters(small));
        Assert.Equal(5_483_032, ModelSummary.CountParameters(largeFull));
        Assert.Equal(2_542_856, ModelSummary.CountParameters(smallFull));
        Assert.Equal(960, large.FeatureDim);
        Assert.Equal(576, small.FeatureDim);
    }

    [Fact]
    public void I3dMatchesPytorchI3d()
    {
        using var full = new InceptionI3d(temporalStride: 8);
        using var withLogits = new InceptionI3d(temporalStride: 8, logitClasses: 400);
        using var truncated = new InceptionI3d(temporalStride: 4, finalEndpoint: "Mixed_4f");
        Assert.Equal(12_287_264, ModelSummary.CountParameters(full));
        Assert.Equal(12_697_264, ModelSummary.CountParameters(withLogits));
        Assert.Equal(7_528_256, ModelSummary.CountParameters(truncated));
        Assert.Equal(1024, full.FeatureDim);
        Assert.Equal(832, truncated.FeatureDim);
    }

    [Fact]
    public void TeacherAtHidden512()
    {
        using var model = ModelFactory.Create(ModelFactory.I3dTeacher);
        var summary = ModelSummary.Of(model);
        // I3D 12,287,264 + projection 1024*1024+1024 + BiLSTM(1024 in, 512/dir, 2 layers) 12,599,296 + classifier 1024*1296+1296.
        Assert.Equal(12_287_264, Block(summary, "backbone"));
        Assert.Equal(1_049_600, Block(summary, "projection"));
        Assert.Equal(12_599_296, Block(summary, "lstm"));
        Assert.Equal(1_328_400, Block(summary, "classifier"));
        Assert.Equal(27_264_560, summary.Parameters);
        Assert.Equal(4, summary.TemporalStride);
    }

    [Fact]
    public void TeacherAtHidden256()
    {
        using var model = ModelFactory.Create(ModelFactory.I3dTeacher, hiddenDim: 256);
        var summary = ModelSummary.Of(model);
        // projection 1024->512, BiLSTM(512 in, 256/dir, 2 layers) = 2 x 1,576,960, classifier 512->1296.
        Assert.Equal(524_800, Block(summary, "projection"));
        Assert.Equal(3_153_920, Block(summary, "lstm"));
        Assert.Equal(664_848, Block(summary, "classifier"));
        Assert.Equal(16_630_832, summary.Parameters);
    }

    [Fact]
    public void StudentAtDefaults()
    {
        using var model = ModelFactory.Create(ModelFactory.MobileNetV3Student);
        var summary = ModelSummary.Of(model);
        // K5 conv 960->256 (+bias) and BN, K5 conv 256->256 and BN; BiLSTM(256 in, 256/dir): 1,052,672 + 1,576,960.
        Assert.Equal(2_971_952, Block(summary, "backbone"));
        Assert.Equal(960 * 256 * 5 + 256 + 512 + 256 * 256 * 5 + 256 + 512, Block(summary, "temporal_conv"));
        Assert.Equal(2_629_632, Block(summary, "lstm"));
        Assert.Equal(664_848, Block(summary, "classifier"));
        Assert.Equal(7_824_448, summary.Parameters);
        Assert.Equal(4, summary.TemporalStride);
    }

    static long Block(ModelSummary summary, string name) => summary.Blocks.Single(b => b.Name == name).Parameters;
}
