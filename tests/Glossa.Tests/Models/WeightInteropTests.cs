using System.Text;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;
using Glossa.Models.Backbones;
using Glossa.Training;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

/// <summary>
/// Weight files a user damaged or brought from elsewhere: truncated, not finite, under a key prefix, of another
/// architecture or vocabulary size. Each is read through one checked path and refused (or loaded) with one line.
/// </summary>
public sealed class WeightInteropTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("glossa-weight-interop-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string Truncated(string source, string name)
    {
        byte[] bytes = File.ReadAllBytes(source);
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 1000)]);
        return path;
    }

    [Fact]
    public void Truncated_pytorch_and_safetensors_files_are_one_line_errors_for_pretrained()
    {
        using var model = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
        string pt = Path.Combine(dir, "m.pt"), st = Path.Combine(dir, "m.safetensors");
        WeightIO.SavePyTorch(model, pt);
        WeightIO.WriteSafetensors(model.state_dict(), st);
        foreach (string file in new[] { Truncated(pt, "cut.pt"), Truncated(st, "cut.safetensors") })
        {
            using var into = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
            // Before: the file went on to TorchSharp's native loader, whose libtorch error was an "internal error".
            var e = Assert.Throws<GlossaException>(() => TrainingJob.LoadPretrained(into, file));
            Assert.StartsWith(file + ": ", e.Message);
            Assert.Contains("truncated", e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
    }

    [Fact]
    public void TorchSharp_weights_are_read_checked_and_a_truncated_model_bin_names_the_entry()
    {
        using var model = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
        string bin = Path.Combine(dir, "model.bin");
        model.save(bin);
        var state = NativeWeights.Read(bin);
        Assert.Equal(model.state_dict().Keys.Order(), state.Keys.Order());
        Assert.True(state["classifier.weight"].allclose(model.state_dict()["classifier.weight"], 0, 0));
        foreach (var t in state.Values) t.Dispose();

        var e = Assert.Throws<GlossaException>(() => NativeWeights.Read(Truncated(bin, "cut.bin")));
        Assert.Contains("cut short at entry", e.Message);
        string checkpoint = Path.Combine(dir, "ckpt");
        ModelCheckpoint.WriteUntrained(checkpoint, model);
        File.WriteAllText(Path.Combine(checkpoint, ModelCheckpoint.ModelFile), "just some text, not weights at all\n");
        Assert.Contains("model.bin: damaged, not the TorchSharp weights a checkpoint holds", Assert.Throws<GlossaException>(() => ModelCheckpoint.LoadModel(checkpoint)).Message);
        File.WriteAllText(Path.Combine(dir, "text.bin"), "just some text, not weights at all\n");
        Assert.Contains("not a PyTorch (.pt/.pth), safetensors or TorchSharp weight file",
            Assert.Throws<GlossaException>(() => NativeWeights.Read(Path.Combine(dir, "text.bin"))).Message);
    }

    [Fact]
    public void Pretrained_weights_that_give_the_backbone_nothing_are_refused()
    {
        // A whole mobilenetv3-small-student: its temporal and classifier tensors fit a tiny-student, its backbone does not.
        using var other = ModelFactory.Create(ModelFactory.Named(ModelFactory.MobileNetV3SmallStudent, 9) with { HiddenDim = 128 });
        string file = Path.Combine(dir, "other.pt");
        WeightIO.SavePyTorch(other, file);
        using var model = ModelFactory.Create(ModelFactory.Named(ModelFactory.TinyStudent, 9) with { HiddenDim = 128 });
        Assert.True(WeightIO.Compare(model, WeightIO.ReadStateDict(file)).Loaded.Count > 0); // some head tensors do fit
        var e = Assert.Throws<GlossaException>(() => TrainingJob.LoadPretrained(model, file));
        Assert.Contains("none of its", e.Message);
        Assert.Contains("backbone.features.0.0.weight", e.Message); // what the file holds
    }

    [Fact]
    public void Pretrained_tensors_of_another_shape_are_counted_and_named()
    {
        using var nine = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
        string file = Path.Combine(dir, "nine.pt");
        WeightIO.SavePyTorch(nine, file);
        using var five = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 5);
        string line = TrainingJob.LoadPretrained(five, file);
        Assert.Contains("2 skipped for another shape", line);
        Assert.Contains("classifier.weight: file (9, ", line);
        Assert.True(five.Backbone.state_dict().First().Value.allclose(nine.Backbone.state_dict().First().Value, 0, 0));
    }

    [Fact]
    public void Pretrained_backbone_tensors_of_another_shape_are_refused()
    {
        // Another width of the same backbone (as MobileNetV3-Large weights into the Small backbone): 59 of 240 tensors had
        // loaded and the run went on with an info line. Only the head may differ in shape.
        using var wide = ModelFactory.Create(ModelFactory.Named(ModelFactory.TinyStudent, 9) with { WidthMult = 2 });
        string file = Path.Combine(dir, "wide.pt");
        WeightIO.SavePyTorch(wide, file);
        using var model = ModelFactory.Create(ModelFactory.TinyStudent, numClasses: 9);
        var e = Assert.Throws<GlossaException>(() => TrainingJob.LoadPretrained(model, file));
        Assert.Contains($"of the {model.Config.Backbone} backbone of tiny-student have another shape", e.Message);
        Assert.Contains("another shape in the file (backbone.", e.Message);
    }

    [Fact]
    public void Non_finite_weights_are_refused_naming_the_file_and_the_tensor()
    {
        using var backbone = new MobileNetV3(large: false);
        var state = backbone.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        state["features.3.block.0.1.running_var"][0] = float.PositiveInfinity;
        string file = Path.Combine(dir, "inf.safetensors");
        WeightIO.WriteSafetensors(state, file);
        var e = Assert.Throws<GlossaException>(() => WeightIO.ReadStateDict(file));
        Assert.StartsWith($"{file}: tensor 'features.3.block.0.1.running_var' holds 1 non-finite value", e.Message);
        Assert.Throws<GlossaException>(() => FeatureExtractor.Create(ModelConfig.MobileNetV3Small, file, size: 32));
    }

    [Fact]
    public void A_folder_a_dangling_link_and_a_cut_safetensors_header_say_what_they_are()
    {
        string cut = Path.Combine(dir, "cut.safetensors");
        string link = Path.Combine(dir, "link.pt");
        File.CreateSymbolicLink(link, Path.Combine(dir, "gone.pt"));
        Assert.Contains("a symbolic link to", Assert.Throws<GlossaException>(() => WeightIO.ReadStateDict(link)).Message);
        Assert.Contains("a folder, not a weight file", Assert.Throws<GlossaException>(() => WeightIO.ReadStateDict(dir)).Message);
        File.WriteAllBytes(cut, [.. BitConverter.GetBytes(40_000UL), .. Encoding.ASCII.GetBytes("{\"a\":")]);
        Assert.Contains("truncated safetensors file", Assert.Throws<GlossaException>(() => WeightIO.ReadStateDict(cut)).Message);
    }

    [Fact]
    public void Prefixed_keys_fit_the_backbone_without_their_prefix()
    {
        using var backbone = new MobileNetV3(large: false);
        var state = backbone.state_dict().ToDictionary(kv => "encoder." + kv.Key, kv => kv.Value);
        state["head.weight"] = zeros(3);
        var (fitted, prefix) = WeightIO.FitPrefix(state, backbone);
        Assert.Equal("encoder.", prefix);
        var report = WeightIO.Compare(backbone, fitted);
        Assert.Empty(report.Missing);
        Assert.Equal(["head.weight"], report.Unexpected);
        Assert.Equal("", WeightIO.FitPrefix(backbone.state_dict(), backbone).Prefix);
    }

    [Fact]
    public void Features_of_a_checkpoint_use_its_own_input_normalisation_and_a_rerun_with_other_settings_is_refused()
    {
        string corpus = Path.Combine(dir, "corpus");
        SyntheticCorpus.Write(new SynthOptions { TrainSentences = 2, DevSentences = 2, TestSentences = 2, Glosses = 4, Signers = 1 }, corpus);
        var data = CorpusLoader.Load(corpus);
        var config = ModelFactory.Named(ModelFactory.MobileNetV3SmallStudent, 5) with { FrameSize = 32 };
        string checkpoint = Path.Combine(dir, "ckpt");
        using (var model = ModelFactory.Create(config))
            ModelCheckpoint.WriteUntrained(checkpoint, model);
        using var fromCheckpoint = FeatureExtractor.Create(ModelConfig.MobileNetV3Small, checkpoint, size: 32);
        Assert.Equal([0.5, 0.5, 0.5], fromCheckpoint.Frames.Mean);   // what the recogniser was fed (x/127.5-1), not ImageNet's
        Assert.Equal([0.5, 0.5, 0.5], fromCheckpoint.Frames.Std);

        string folder = Path.Combine(dir, "out", "dev");
        var samples = data.Split("dev");
        FeatureStore.Fill(folder, fromCheckpoint, samples, FeatureStoreIndex.For(fromCheckpoint, ModelConfig.MobileNetV3Small, checkpoint, data.Root, "dev"), overwrite: false);
        string weights = Path.Combine(dir, "mbv3s.pt");
        using (var reference = new MobileNetV3(large: false))
            WeightIO.SavePyTorch(reference, weights);
        using var other = FeatureExtractor.Create(ModelConfig.MobileNetV3Small, weights, size: 32);
        var header = FeatureStoreIndex.For(other, ModelConfig.MobileNetV3Small, weights, data.Root, "dev");
        var e = Assert.Throws<GlossaException>(() => FeatureStore.Fill(folder, other, samples, header, overwrite: false));
        Assert.Contains("made with other settings", e.Message);
        Assert.Contains("mean 0.5/0.5/0.5 vs 0.485/0.456/0.406", e.Message);
        var (_, written, _) = FeatureStore.Fill(folder, other, samples, header, overwrite: true);
        Assert.Equal(samples.Count, written);
    }
}
