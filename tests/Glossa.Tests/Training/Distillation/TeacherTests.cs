using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;
using Glossa.Training;
using Glossa.Training.Distillation;
using static TorchSharp.torch;

namespace Glossa.Tests.Training.Distillation;

/// <summary>A real CslrModel teacher saved as a checkpoint, loaded frozen, and used for distillation steps.</summary>
public sealed class TeacherTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("glossa-kd-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    // Teacher: stride 1 (no temporal conv) at 32 px; student: stride 2 at the batches' 16 px, so
    // every step resizes frames for the teacher and resamples its posteriors.
    static ModelConfig TeacherConfig(int classes) => new()
    {
        Name = "kd-test-teacher", Backbone = ModelConfig.TinyCnn, NumClasses = classes, HiddenDim = 24, Layers = 1,
        TemporalConv = "", WidthMult = 0.5, Dropout = 0.3, FrameSize = 32,
    };

    static ModelConfig StudentConfig(int classes) => new()
    {
        Name = "kd-test-student", Backbone = ModelConfig.TinyCnn, NumClasses = classes, HiddenDim = 8, Layers = 1,
        TemporalConv = "P2", WidthMult = 0.25, Dropout = 0.1, FrameSize = 32,
    };

    string SaveTeacher(Vocabulary vocab, out CslrModel model)
    {
        random.manual_seed(11);
        model = ModelFactory.Create(TeacherConfig(vocab.Count));
        var dir = Path.Combine(root, "teacher");
        Directory.CreateDirectory(dir);
        Checkpoint.Save(dir, ["best"], model, model.Config.ToJson(), vocab, new TrainingOptions { OutputDir = dir }, null, new CheckpointState { Epoch = 1 });
        return Path.Combine(dir, "best");
    }

    static Dictionary<string, float[]> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray());

    [Fact]
    public void Teacher_weights_and_buffers_are_unchanged_after_distillation_steps_and_the_student_learns()
    {
        var vocab = TinyData.Vocabulary();
        string checkpoint = SaveTeacher(vocab, out var saved);
        saved.Dispose();
        using var teacher = Teacher.Load(checkpoint, CPU);
        Assert.False(teacher.Model.training);
        Assert.All(teacher.Model.parameters(), p => Assert.False(p.requires_grad));
        var before = Snapshot(teacher.Model);

        random.manual_seed(12);
        using var student = ModelFactory.Create(StudentConfig(vocab.Count));
        var studentBefore = Snapshot(student);
        using var optimizer = optim.AdamW(student.parameters(), lr: 1e-2);
        var term = new DistillationTerm(teacher, new DistillationOptions { Teacher = checkpoint, Temperature = 4, Weight = 2 }, CPU);
        var trainer = new Trainer(student, vocab, optimizer, new CtcObjective(), CPU) { ExtraLoss = term.Compute };
        var clips = TinyData.Clips(vocab, 6, seed: 8).Where(c => c.Classes.Length >= 3).ToList();
        var result = trainer.TrainOneEpoch(Enumerable.Range(0, 3).Select(i => TinyData.Batch(vocab, clips, i)), 1);

        Assert.Equal(3, result.OptimizerSteps);
        Assert.True(result.ExtraLoss is > 0 && double.IsFinite(result.ExtraLoss.Value), $"distillation loss {result.ExtraLoss}");
        var after = Snapshot(teacher.Model);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (key, values) in before)
            Assert.True(values.AsSpan().SequenceEqual(after[key]), $"teacher tensor {key} changed");
        Assert.False(teacher.Model.training);
        Assert.Contains(Snapshot(student), kv => !kv.Value.AsSpan().SequenceEqual(studentBefore[kv.Key]));
    }

    [Fact]
    public void Cached_posteriors_equal_fresh_ones_and_a_different_vocabulary_is_one_clear_error()
    {
        var vocab = TinyData.Vocabulary();
        string checkpoint = SaveTeacher(vocab, out var saved);
        saved.Dispose();
        using var teacher = Teacher.Load(checkpoint, CPU);
        var cache = new TeacherCache(Path.Combine(root, "cache"), TeacherCache.CheckpointIdentity(checkpoint));
        var term = new DistillationTerm(teacher, new DistillationOptions { Teacher = checkpoint, CacheTeacher = true }, CPU, cache);
        var clips = TinyData.Clips(vocab, 3, seed: 9);
        using (var batch = TinyData.Batch(vocab, clips, 1))
        {
            var (fresh, freshLengths) = term.TeacherLogProbs(batch); // miss: runs the teacher, fills the cache
            var (cached, cachedLengths) = term.TeacherLogProbs(batch);
            Assert.Equal(freshLengths, cachedLengths);
            Assert.Equal(3, cache.Hits);
            var mask = DistillationLoss.ValidMask(tensor(freshLengths), fresh.shape[1], CPU).unsqueeze(-1); // (B,T,1)
            Assert.True((fresh * mask).allclose(cached * mask, rtol: 0, atol: 0), "cached posteriors differ from the teacher's");
        }

        var other = Vocabulary.FromGlosses(Enumerable.Range(0, 9).Select(i => $"G{i}"));
        var e = Assert.Throws<GlossaException>(() => teacher.RequireVocabulary(other, "train split of X"));
        Assert.Contains($"{vocab.Count} classes", e.Message);
        Assert.Contains($"{other.Count}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
