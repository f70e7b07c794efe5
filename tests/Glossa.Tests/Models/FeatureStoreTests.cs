using System.Text.Json.Nodes;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;
using Glossa.Models.Backbones;

namespace Glossa.Tests.Models;

public class FeatureStoreTests
{
    [Fact]
    public void Fill_writes_one_npy_per_video_and_the_index_then_keeps_what_is_there()
    {
        string dir = Directory.CreateTempSubdirectory("glossa-feature-store-").FullName;
        try
        {
            string corpus = Path.Combine(dir, "corpus");
            SyntheticCorpus.Write(new SynthOptions { TrainSentences = 2, DevSentences = 2, TestSentences = 2, Glosses = 4, Signers = 1 }, corpus);
            var data = CorpusLoader.Load(corpus);
            var samples = data.Split("dev");
            string weights = Path.Combine(dir, "mbv3s.pt");
            using (var reference = new MobileNetV3(large: false))
                WeightIO.SavePyTorch(reference, weights);
            using var extractor = FeatureExtractor.Create(ModelConfig.MobileNetV3Small, weights, size: 32);
            var header = FeatureStoreIndex.For(extractor, ModelConfig.MobileNetV3Small, weights, data.Root, "dev");
            string folder = Path.Combine(dir, "out", "dev");

            var done = new List<string>();
            var (index, written, skipped) = FeatureStore.Fill(folder, extractor, samples, header, overwrite: false, done.Add);
            Assert.Equal((samples.Count, 0), (written, skipped));
            Assert.Equal(samples.Select(s => s.Id), done);
            Assert.All(index.Videos, v => Assert.True(File.Exists(Path.Combine(folder, v.File)) && v.Frames >= v.FeatureFrames && v.Dim == 576));

            // The index as files on disk say it: snake_case keys, frames null for files kept from an earlier run.
            (_, written, skipped) = FeatureStore.Fill(folder, extractor, samples, header, overwrite: false);
            Assert.Equal((0, samples.Count), (written, skipped));
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, FeatureStore.IndexFile)))!;
            Assert.Equal(576, (int)json["feature_dim"]!);
            Assert.Equal(32, (int)json["size"]!);
            Assert.Equal(Path.GetFullPath(weights), (string?)json["weights"]);
            var first = json["videos"]![0]!;
            Assert.Null(first["frames"]);
            Assert.Equal(index.Videos[0].FeatureFrames, (long)first["feature_frames"]!);

            Assert.Equal("a_b_c.npy", FeatureStore.FileName("a/b c"));
            Assert.Throws<GlossaException>(() => FeatureStore.FileName(".."));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
