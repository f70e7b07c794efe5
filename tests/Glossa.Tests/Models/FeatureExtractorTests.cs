using Glossa.Common;
using Glossa.Corpora;
using Glossa.Frames;
using Glossa.Models;
using Glossa.Models.Backbones;
using static TorchSharp.torch;

namespace Glossa.Tests.Models;

public class FeatureExtractorTests
{
    [Fact]
    public void ExtractsPerFrameAndPerClipFeaturesThatMatchTheBackbone()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"glossa-features-{Environment.ProcessId}");
        try
        {
            SyntheticCorpus.Write(new SynthOptions { TrainSentences = 2, DevSentences = 2, TestSentences = 2, Glosses = 4, Signers = 1 }, dir);
            var sample = CorpusLoader.Load(dir).Split("dev")[0];

            // Weights written the way users get them (a torch.save state dict), read back by the extractor.
            string weights = Path.Combine(dir, "mbv3s.pt");
            using (var reference = new MobileNetV3(large: false))
                WeightIO.SavePyTorch(reference, weights);
            using var extractor = FeatureExtractor.Create(ModelConfig.MobileNetV3Small, weights, size: 64);
            var (data, rows, cols, frames) = extractor.Extract(sample);
            Assert.Equal(576, cols);
            Assert.Equal(frames, rows);
            Assert.True(frames >= 16);
            Assert.All(data, v => Assert.True(float.IsFinite(v)));

            // Same numbers as calling the backbone on the prepared frames directly.
            var o = extractor.Frames;
            var clip = FrameSource.For(sample).Decode(o.ResizeWidth, o.ResizeHeight);
            var pixels = new float[clip.Length * 3 * 64 * 64];
            ClipTransform.Apply(clip, Enumerable.Range(0, clip.Length).ToArray(), ClipAugmentation.Centre(o), o, pixels);
            using var direct = extractor.Backbone.call(tensor(pixels, [clip.Length, 3, 64, 64]));
            using var extracted = tensor(data, [rows, cols]);
            Assert.True(direct.allclose(extracted, rtol: 1e-4, atol: 1e-5));

            string npy = Path.Combine(dir, "f.npy");
            NpyFile.Write(npy, data, rows, cols);
            var (back, r2, c2) = NpyFile.Read(npy);
            Assert.Equal((rows, cols), (r2, c2));
            Assert.Equal(data, back);

            // A whole trained recogniser as users have it: a Glossa checkpoint folder, and the same model exported as safetensors.
            // Its backbone (keys under "backbone.") is what the extractor loads; the features equal the backbone's own.
            string checkpoint = Path.Combine(dir, "student-checkpoint");
            using (var student = ModelFactory.Create("mobilenetv3-small-student", numClasses: 6))
            {
                student.eval();
                ModelCheckpoint.WriteUntrained(checkpoint, student);
                WeightIO.WriteSafetensors(student.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value), Path.Combine(dir, "student.safetensors"));
                using var own = student.Backbone.call(tensor(pixels, [clip.Length, 3, 64, 64]));
                foreach (string whole in new[] { checkpoint, checkpoint + "/", Path.Combine(dir, "student.safetensors") })
                {
                    using var fromWhole = FeatureExtractor.Create(ModelConfig.MobileNetV3Small, whole, size: 64);
                    Assert.Empty(fromWhole.Report!.Missing);
                    var (wholeData, wholeRows, wholeCols, _) = fromWhole.Extract(sample);
                    using var fromFolder = tensor(wholeData, [wholeRows, wholeCols]);
                    Assert.True(own.allclose(fromFolder, rtol: 1e-4, atol: 1e-5), whole);
                }
            }

            // I3D weights do not fit MobileNetV3: a clear error, not silently random features.
            string i3dWeights = Path.Combine(dir, "i3d.pt");
            using (var i3d = new InceptionI3d())
                WeightIO.SavePyTorch(i3d, i3dWeights);
            Assert.Throws<GlossaException>(() => FeatureExtractor.Create(ModelConfig.MobileNetV3Small, i3dWeights, size: 64));
            using var clipExtractor = FeatureExtractor.Create(ModelConfig.I3d, i3dWeights, size: 64);
            var (_, i3dRows, i3dCols, i3dFrames) = clipExtractor.Extract(sample);
            Assert.Equal(1024, i3dCols);
            Assert.Equal((i3dFrames + 3) / 4, i3dRows);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }
}
