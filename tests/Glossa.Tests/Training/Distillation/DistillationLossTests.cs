using Glossa.Training.Distillation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Tests.Training.Distillation;

public sealed class DistillationLossTests
{
    static Tensor Logits(int seed, long b = 2, long t = 5, long c = 6, ScalarType dtype = ScalarType.Float64)
    {
        var g = new Generator((ulong)seed);
        return randn([b, t, c], dtype: dtype, generator: g) * 3;
    }

    static readonly long[] Lens = [5, 3];

    [Theory]
    [InlineData(false, 8.0)]
    [InlineData(true, 8.0)]
    [InlineData(false, 1.0)]
    [InlineData(true, 2.5)]
    public void Identical_distributions_give_zero(bool nonBlank, double temperature)
    {
        using var scope = NewDisposeScope();
        var logits = Logits(1);
        var teacher = DistillationLoss.SoftTargets(nn.functional.log_softmax(logits, -1), temperature);
        double loss = DistillationLoss.Compute(logits, teacher, tensor(Lens), temperature, nonBlank).item<double>();
        Assert.True(Math.Abs(loss) < 1e-10, $"loss {loss}");
        double other = DistillationLoss.Compute(Logits(2), teacher, tensor(Lens), temperature, nonBlank).item<double>();
        Assert.True(other > 1e-3, $"different distributions gave {other}");
    }

    [Fact]
    public void Value_equals_the_formula_written_out_and_ignores_padding()
    {
        using var scope = NewDisposeScope();
        const double T = 4;
        var student = Logits(3);
        var teacherLogits = Logits(4);
        var p = DistillationLoss.SoftTargets(teacherLogits, T);
        double loss = DistillationLoss.Compute(student, p, tensor(Lens), T, nonBlankOnly: false).item<double>();

        // T^2 * mean over valid frames of sum_c p_c log(p_c / q_c), with q = softmax(z / T), in plain C#.
        double sum = 0;
        int frames = 0;
        var z = student.data<double>().ToArray();
        var pt = p.data<double>().ToArray();
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < Lens[b]; t++, frames++)
            {
                int o = (b * 5 + t) * 6;
                double max = Enumerable.Range(0, 6).Max(c => z[o + c] / T);
                double norm = Enumerable.Range(0, 6).Sum(c => Math.Exp(z[o + c] / T - max));
                for (int c = 0; c < 6; c++)
                {
                    double logQ = z[o + c] / T - max - Math.Log(norm);
                    sum += pt[o + c] * (Math.Log(pt[o + c]) - logQ);
                }
            }
        Assert.Equal(T * T * sum / frames, loss, 1e-9);

        // Changing the student or teacher on padded frames (clip 1, t >= 3) changes nothing.
        var student2 = student.clone();
        student2[1, 4] = tensor(new double[] { 9, -9, 9, -9, 9, -9 });
        var p2 = p.clone();
        p2[1, 3] = full(6, 1.0 / 6, dtype: ScalarType.Float64);
        Assert.Equal(loss, DistillationLoss.Compute(student2, p2, tensor(Lens), T, false).item<double>(), 1e-12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gradient_matches_a_central_finite_difference(bool nonBlank)
    {
        using var scope = NewDisposeScope();
        const double T = 3;
        var p = DistillationLoss.SoftTargets(Logits(6), T);
        var lengths = tensor(Lens);
        var z = Logits(5).requires_grad_(true);
        DistillationLoss.Compute(z, p, lengths, T, nonBlank).backward();
        var analytic = z.grad!.data<double>().ToArray();

        var baseValues = z.detach().data<double>().ToArray();
        const double h = 1e-6;
        double F(double[] values)
        {
            using var s = NewDisposeScope();
            return DistillationLoss.Compute(tensor(values).reshape(2, 5, 6), p, lengths, T, nonBlank).item<double>();
        }
        double worst = 0;
        for (int i = 0; i < baseValues.Length; i++)
        {
            var plus = (double[])baseValues.Clone(); plus[i] += h;
            var minus = (double[])baseValues.Clone(); minus[i] -= h;
            double numeric = (F(plus) - F(minus)) / (2 * h);
            worst = Math.Max(worst, Math.Abs(numeric - analytic[i]));
        }
        Assert.True(worst < 1e-6, $"largest |numeric - analytic| = {worst:E2}");
        // Padded frames get no gradient; the blank gets none in the non-blank variant.
        Assert.All(Enumerable.Range(3 * 6, 2 * 6).Select(k => analytic[(5 * 6) + k]), g => Assert.Equal(0, g));
        if (nonBlank)
            Assert.All(Enumerable.Range(0, 2 * 5).Select(f => analytic[f * 6]), g => Assert.Equal(0, g));
        Assert.Contains(analytic, g => Math.Abs(g) > 1e-4);
    }
}
