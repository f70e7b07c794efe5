using Glossa.Training;
using static TorchSharp.torch;

namespace Glossa.Tests.Training;

public sealed class CtcObjectiveTests
{
    [Fact]
    public void Loss_matches_the_mean_over_target_lengths_of_per_clip_losses()
    {
        random.manual_seed(3);
        var logits = randn(2, 10, 5);
        var logp = new CtcObjective().LogProbs(logits, smooth: false);
        var outLen = tensor(new long[] { 10, 8 });
        var targets = tensor(new long[] { 1, 2, 3, 4, 4 });
        var tgtLen = tensor(new long[] { 3, 2 });
        double mean = CtcObjective.Loss(logp, outLen, targets, tgtLen).item<float>();
        var perClip = nn.functional.ctc_loss(log_probs: logp.transpose(0, 1), targets: targets, input_lengths: outLen, target_lengths: tgtLen, reduction: nn.Reduction.None);
        var p = perClip.data<float>().ToArray();
        Assert.Equal((p[0] / 3 + p[1] / 2) / 2, mean, 4);
    }

    [Fact]
    public void Sum_reduction_is_the_batch_mean_of_per_clip_losses_as_vac_and_corrnet_compute_it()
    {
        // VAC / CorrNet: CTCLoss(reduction='none')(...).mean(): each clip's loss is not divided by its target length.
        random.manual_seed(3);
        var logp = new CtcObjective().LogProbs(randn(2, 10, 5), smooth: false);
        var outLen = tensor(new long[] { 10, 8 });
        var targets = tensor(new long[] { 1, 2, 3, 4, 4 });
        var tgtLen = tensor(new long[] { 3, 2 });
        var p = nn.functional.ctc_loss(log_probs: logp.transpose(0, 1), targets: targets, input_lengths: outLen, target_lengths: tgtLen, reduction: nn.Reduction.None).data<float>().ToArray();
        Assert.Equal((p[0] + p[1]) / 2, new CtcObjective(0, CtcObjective.Sum).BatchLoss(logp, outLen, targets, tgtLen).item<float>(), 4);
        Assert.Equal((p[0] / 3 + p[1] / 2) / 2, new CtcObjective().BatchLoss(logp, outLen, targets, tgtLen).item<float>(), 4);
    }

    [Theory]
    [InlineData(RecipePreset.Vac, false)]
    [InlineData(RecipePreset.Smkd, true)]
    [InlineData(RecipePreset.CorrNet, true)]
    public void Recipes_train_as_the_authors_code_does(string recipe, bool shared)
    {
        // use_blank=False in their SeqKD call, CTCLoss(reduction='none').mean(), no clip_grad_norm_; CorrNet's baseline.yaml
        // has share_classifier: True with weight_norm: True.
        var o = RecipePreset.Apply(new TrainingOptions { OutputDir = "r" }, recipe, new HashSet<string>());
        Assert.False(o.Objectives.AlignBlank);
        Assert.Equal(CtcObjective.Sum, o.CtcReduction);
        Assert.Equal(0, o.ClipGradNorm);
        Assert.Equal(shared, o.Objectives.SharedClassifier);
        Assert.Contains("--ctc-reduction sum", o.RecipeSettings!);
        o.Validate();
        // An explicit option still wins.
        var given = RecipePreset.Apply(new TrainingOptions { OutputDir = "r" }, recipe, new HashSet<string> { "--clip-grad-norm", "--ctc-reduction" });
        Assert.Equal(5, given.ClipGradNorm);
        Assert.Equal(CtcObjective.Mean, given.CtcReduction);
    }

    [Fact]
    public void Label_smoothing_mixes_posteriors_with_the_uniform_distribution()
    {
        var logits = tensor(new float[] { 10, 0, 0, 0 }).reshape(1, 1, 4);
        var smoothed = new CtcObjective(0.2).LogProbs(logits, smooth: true).exp().data<float>().ToArray();
        var p = nn.functional.softmax(logits, -1).data<float>().ToArray();
        for (int c = 0; c < 4; c++)
            Assert.Equal(0.8 * p[c] + 0.2 / 4, smoothed[c], 5);
        Assert.Equal(1.0, smoothed.Sum(), 5);
        var unsmoothed = new CtcObjective(0.2).LogProbs(logits, smooth: false).exp().data<float>().ToArray();
        Assert.Equal(p[0], unsmoothed[0], 6);
    }

    [Fact]
    public void Required_frames_count_a_blank_between_repeats()
    {
        Assert.Equal(3, CtcObjective.RequiredFrames([1, 2, 3]));
        Assert.Equal(6, CtcObjective.RequiredFrames([1, 1, 2, 2]));
        Assert.Equal(0, CtcObjective.RequiredFrames([]));
    }
}
