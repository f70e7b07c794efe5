using System.Diagnostics;
using Glossa.Corpora;
using Glossa.Models;
using Glossa.Training;
using TorchSharp;

namespace Glossa.Tests.Recognition;

/// <summary>
/// Files shared by the recognition tests: checkpoints of a tiny-student built with a fixed seed
/// (the glosses need not be right, only reproducible), 32x32 frame folders made from synthetic
/// corpus clips, and lossless mp4 encodings of them made with the real ffmpeg.
/// </summary>
internal static class RecognitionFixture
{
    const string Ffmpeg = "/usr/bin/ffmpeg";
    static readonly string root = Directory.CreateTempSubdirectory("glossa-recognize-").FullName;
    static readonly Lazy<string> clips = new(WriteClips);
    static readonly Dictionary<string, string> checkpoints = [];

    public static string Root => root;

    /// <summary>A checkpoint of tiny-student (32 px frames, no augmentation) with <paramref name="layers"/> BiLSTM layers.</summary>
    public static string Checkpoint(int layers = 1) => Checkpoint(layers, null);

    /// <summary>The same with the temporal conv <paramref name="temporalConv"/> (e.g. K5-P3-K5: stride 3) when given.</summary>
    public static string Checkpoint(int layers, string? temporalConv)
    {
        lock (checkpoints)
        {
            string key = $"{layers}{temporalConv}";
            if (checkpoints.TryGetValue(key, out var dir)) return dir;
            var vocabulary = Vocabulary.Build(CorpusLoader.Load(Training.TinyCorpus.Path_).Split("train"));
            var config = ModelFactory.Named(ModelFactory.TinyStudent, vocabulary.Count) with { FrameSize = 32, Layers = layers };
            if (temporalConv is not null) config = config with { TemporalConv = temporalConv };
            torch.random.manual_seed(11 + layers);
            using var model = ModelFactory.Create(config);
            var options = new TrainingOptions { Model = ModelFactory.TinyStudent, FrameSize = 32, Augment = false, Corpus = Training.TinyCorpus.Path_ };
            string run = Path.Combine(root, $"run-l{key}");
            Glossa.Training.Checkpoint.Save(run, ["best"], model, config.ToJson(), vocabulary, options, null,
                new CheckpointState { Model = ModelFactory.TinyStudent, Epoch = 1, SavedUtc = DateTime.UtcNow });
            dir = Path.Combine(run, "best");
            checkpoints[key] = dir;
            return dir;
        }
    }

    /// <summary>Folder of 32x32 PNG frames of corpus clip <paramref name="index"/> (a dev sentence).</summary>
    public static string FrameFolder(int index) => Path.Combine(clips.Value, $"clip{index}");

    /// <summary>The same frames encoded losslessly (libx264rgb, qp 0) at 25 fps.</summary>
    public static string Video(int index) => Path.Combine(clips.Value, $"clip{index}.mp4");

    /// <summary>All dev clips' frames one after the other: a long input that needs several chunks.</summary>
    public static string LongFolder => Path.Combine(clips.Value, "long");

    static string WriteClips()
    {
        string dir = Path.Combine(root, "clips");
        string longDir = Path.Combine(dir, "long");
        Directory.CreateDirectory(longDir);
        var dev = CorpusLoader.Load(Training.TinyCorpus.Path_).Split("dev");
        int n = 0;
        for (int i = 0; i < dev.Count; i++)
        {
            string folder = Path.Combine(dir, $"clip{i}");
            Directory.CreateDirectory(folder);
            // Pre-scaled to the model's 32x32 so both inputs reach the model without any resize: the test then isolates decoding.
            string source = Path.GetDirectoryName(dev[i].FramePaths[0])!;
            Run("-v", "error", "-y", "-pattern_type", "glob", "-i", Path.Combine(source, "*.png"), "-vf", "scale=32:32:flags=area", Path.Combine(folder, "%04d.png"));
            foreach (var png in Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal))
                File.Copy(png, Path.Combine(longDir, $"{n++:D5}.png"));
            Run("-v", "error", "-y", "-framerate", "25", "-i", Path.Combine(folder, "%04d.png"), "-c:v", "libx264rgb", "-qp", "0", Path.Combine(dir, $"clip{i}.mp4"));
        }
        return dir;
    }

    /// <summary>Runs ffmpeg with <paramref name="args"/> and fails the test on a non-zero exit.</summary>
    public static void Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Ffmpeg) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {err}");
    }
}
