using System.Globalization;
using System.Text.Json;
using Glossa.Models;
using Glossa.Models.Backbones;
using Glossa.Training;
using Glossa.Training.Objectives;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

/// <summary>
/// resnet18-vac and corrnet with every auxiliary objective against bench/parity/recipes.py (PyTorch
/// written from the same descriptions): the C# model's weights before a training step load strictly
/// into the PyTorch model; logits agree within 1e-4, every loss term within 1e-4 and every
/// parameter's gradient within 1e-3 (terms and gradients relative to max(1, |value|): the aligned
/// term is weighted 25 x T^2 = 1600, beyond float32's absolute resolution); parameter counts are equal.
/// Inputs are tiny (2 clips of 20 and 17 frames at 32 px, 64 px for corrnet) to keep the tests quick.
/// </summary>
public class RecipeParityTests
{
    static string Script => Path.Combine(Path.GetDirectoryName(PythonReference.Script)!, "recipes.py");

    static ModelConfig Small(string name, string head) =>
        ModelFactory.Named(name, numClasses: 12, hiddenDim: 16, dropout: 0) with { TemporalChannels = 32, ConvHead = head };

    public static TheoryData<string, double, double, bool, bool> Cases => new()
    {
        // model, conv_ctc weight, align weight, align with blank, shared classifier
        { ModelFactory.ResNet18Vac, 1.0, 25.0, true, false },
        { ModelFactory.ResNet18Vac, 0.0, 25.0, false, false },
        { ModelFactory.ResNet18Vac, 1.0, 25.0, true, true },
        { ModelFactory.CorrNet, 1.0, 25.0, true, false },
    };

    [PythonTorchTheory]
    [MemberData(nameof(Cases))]
    public void OneTrainingStepMatchesPyTorch(string name, double convCtc, double align, bool blank, bool shared)
    {
        var objectives = new AuxiliaryOptions
        {
            ConvCtcWeight = convCtc, AlignWeight = align, AlignBlank = blank, SharedClassifier = shared,
        };
        // SMKD shares one classifier, so the temporal conv is as wide as the BiLSTM output (2 x 16).
        var config = objectives.ShapeModel(Small(name, ModelConfig.ConvHeadLinear)) with { TemporalChannels = 32 };
        bool corrNet = name == ModelFactory.CorrNet;
        var diffs = RunStep(config, objectives, size: corrNet ? 64 : 32, corrNet); // corrnet: 2x2 maps after stage 4, not 1x1
        foreach (var (quantity, diff) in diffs)
        {
            double tolerance = quantity.StartsWith("grad.", StringComparison.Ordinal) ? 1e-3 : 1e-4;
            Assert.True(diff < tolerance, $"{name} {quantity}: {diff:E2} >= {tolerance:E0}; all: " +
                string.Join(", ", diffs.Where(d => d.Value > 1e-5).Select(d => $"{d.Key} {d.Value:E1}")));
        }
        Assert.Contains("term.ctc", diffs.Keys);
        if (convCtc > 0) Assert.Contains("term.conv_ctc", diffs.Keys);
        Assert.Contains("term.align", diffs.Keys);
        Assert.Contains("conv_logits", diffs.Keys);
        using var model = ModelFactory.Create(config);
        Assert.Equal(model.parameters().Count(), diffs.Keys.Count(k => k.StartsWith("grad.", StringComparison.Ordinal)));
    }

    [PythonTorchTheory]
    [InlineData(ModelFactory.ResNet18Vac, ModelConfig.ConvHeadLinear, 34_303_072L)]
    [InlineData(ModelFactory.ResNet18Vac, ModelConfig.ConvHeadShared, 32_973_376L)]
    [InlineData(ModelFactory.CorrNet, ModelConfig.ConvHeadLinear, 34_705_550L)]
    public void ParameterCountsEqualPyTorch(string name, string head, long expected)
    {
        var config = ModelFactory.Named(name) with { ConvHead = head };
        using var model = ModelFactory.Create(config);
        Assert.Equal(expected, ModelSummary.Of(model).Parameters);
        string dir = TempDir("count");
        try
        {
            string path = Path.Combine(dir, "config.json");
            File.WriteAllText(path, config.ToJson());
            var (code, text) = PythonReference.Run($"\"{Script}\" --count \"{path}\"");
            Assert.True(code == 0, text);
            Assert.Equal(expected, long.Parse(text.Split("parameters ")[1].Trim(), CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [PythonTorchFact]
    public void TorchvisionResNet18FileLoadsStrictlyAndMatches()
    {
        string dir = TempDir("tv");
        try
        {
            var (code, text) = PythonReference.Run($"\"{Script}\" --torchvision \"{dir}\"");
            Assert.True(code == 0, text);
            string weights = Path.Combine(dir, "resnet18.pt");
            var io = WeightIO.ReadStateDict(Path.Combine(dir, "resnet18_io.safetensors"));
            using var net = new ResNet18(imageNetClasses: 1000);
            var report = WeightIO.Load(net, weights, strict: true);
            Assert.True(report.IsExact, report.Describe());
            net.eval();
            using (no_grad())
            {
                Assert.True(MaxDiff(io["features"], net.call(io["input"])) < 1e-4);
                Assert.True(MaxDiff(io["logits"], net.ImageNetLogits(io["input"])) < 1e-4);
            }
            // What --pretrained does: the backbone of resnet18-vac takes every tensor but the ImageNet fc.
            using var vac = ModelFactory.Create(ModelFactory.ResNet18Vac, numClasses: 20);
            var into = WeightIO.Load(vac.Backbone, weights, strict: false);
            Assert.Empty(into.Missing);
            Assert.Equal(["fc.bias", "fc.weight"], into.Unexpected.Order());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [PythonTorchTheory]
    [InlineData(32, 11, 5, 6)]     // H != W, so axes cannot be confused
    [InlineData(512, 20, 2, 2)]    // stage 4 of a 64-px clip
    public void CorrNetModulesMatchPyTorch(int channels, int frames, int height, int width)
    {
        string dir = TempDir("modules");
        try
        {
            random.manual_seed(3);
            using var correlation = new CorrelationModule(channels);
            using var identification = new IdentificationModule(channels);
            using (no_grad())
            {
                correlation.Scale.fill_(0.7);
                identification.Scale.fill_(-0.6);
            }
            using var holder = new ModuleHolder(correlation, identification);
            WeightIO.SavePyTorch(holder, Path.Combine(dir, "modules.pt"));
            // (B,C,T,H,W) as the backbone hands it over: a permuted view of (B,T,C,H,W).
            using var x = randn([2, frames, channels, height, width]).permute(0, 2, 1, 3, 4);
            using var _ = no_grad();
            WeightIO.WriteSafetensors(new Dictionary<string, Tensor>
            {
                ["x"] = x, ["correlation"] = correlation.call(x), ["identification"] = identification.call(x),
            }, Path.Combine(dir, "modules_io.safetensors"));
            var (code, text) = PythonReference.Run($"\"{Script}\" --check-modules \"{dir}\"");
            Assert.True(code == 0, text);
            foreach (var name in new[] { "correlation", "identification" })
            {
                double diff = double.Parse(text.Split($"max_abs_diff {name} ")[1].Split('\n')[0], CultureInfo.InvariantCulture);
                Assert.True(diff < 1e-4, $"{name}: {diff:E2}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Both CorrNet modules under the keys recipes.py --check-modules reads.</summary>
    sealed class ModuleHolder : TorchSharp.torch.nn.Module
    {
        readonly CorrelationModule correlation;
        readonly IdentificationModule identification;

        public ModuleHolder(CorrelationModule c, IdentificationModule i) : base(nameof(ModuleHolder))
        {
            correlation = c;
            identification = i;
            RegisterComponents();
        }
    }

    static double MaxDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        return (a - b).abs().max().item<float>();
    }

    static string TempDir(string what)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"glossa-recipe-{what}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>One C# training step written out for recipes.py --check; returns its max |diff| per quantity.</summary>
    static Dictionary<string, double> RunStep(ModelConfig config, AuxiliaryOptions objectives, int size, bool corrNet)
    {
        string dir = TempDir("step");
        try
        {
            random.manual_seed(7);
            using var model = ModelFactory.Create(config);
            if (corrNet)
            {
                // Non-zero residual scales, so the modules' own gradients are compared too.
                using var _ = no_grad();
                foreach (var (n, p) in model.named_parameters().Where(p => p.name.EndsWith(".scale", StringComparison.Ordinal)))
                    p.fill_(n.Contains("correlation") ? 0.7 : -0.6);
            }
            WeightIO.SavePyTorch(model, Path.Combine(dir, "state.pt"));
            model.train();
            const int frames = 20;
            using var input = rand([2, frames, 3, size, size]).mul_(2).sub_(1);
            using var lengths = tensor(new long[] { frames, 17 });
            using var targets = tensor(new long[] { 3, 7, 5 });
            using var targetLengths = tensor(new long[] { 2, 1 });
            var io = new Dictionary<string, Tensor>
            {
                ["frames"] = input, ["lengths"] = lengths, ["targets"] = targets, ["target_lengths"] = targetLengths,
            };
            var output = model.call(input, lengths);
            var ctc = new CtcObjective();
            var loss = CtcObjective.Loss(ctc.LogProbs(output.Logits, smooth: true), output.Lengths, targets, targetLengths);
            io["term.ctc"] = loss.detach().reshape(1);
            var aux = new AuxiliaryObjective(objectives);
            var terms = aux.Compute(output, ctc, targets, targetLengths);
            for (int i = 0; i < terms.Length; i++)
            {
                io[$"term.{aux.TermNames[i]}"] = terms[i].detach().reshape(1);
                loss = loss + terms[i];
            }
            loss.backward();
            io["logits"] = output.Logits.detach();
            using (no_grad())
                io["features"] = model.BackboneFeatures(input, lengths).Features; // localises a mismatch
            io["conv_logits"] = output.ConvLogits!.detach();
            foreach (var (n, p) in model.named_parameters())
                io[$"grad.{n}"] = p.grad is { } g ? g.detach() : zeros_like(p);
            WeightIO.WriteSafetensors(io, Path.Combine(dir, "io.safetensors"));
            File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJson());
            File.WriteAllText(Path.Combine(dir, "objectives.json"), JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["conv_ctc_weight"] = objectives.ConvCtcWeight, ["align_weight"] = objectives.AlignWeight,
                ["align_temperature"] = objectives.AlignTemperature, ["align_blank"] = objectives.AlignBlank,
            }));
            var (code, text) = PythonReference.Run($"\"{Script}\" --check \"{dir}\"");
            Assert.True(code == 0, text);
            Assert.DoesNotContain("missing ", text);
            var diffs = new Dictionary<string, double>();
            foreach (var line in text.Split('\n').Where(l => l.StartsWith("max_abs_diff ", StringComparison.Ordinal)))
            {
                var parts = line.Split(' ');
                diffs[parts[1]] = double.Parse(parts[2], CultureInfo.InvariantCulture);
            }
            return diffs;
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("GLOSSA_KEEP_PARITY") is null)
                Directory.Delete(dir, recursive: true);
        }
    }
}
