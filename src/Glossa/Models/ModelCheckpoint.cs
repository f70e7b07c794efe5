using System.Text;
using System.Text.Json;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Frames;
using TorchSharp;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// The checkpoint format: a directory with <c>model.bin</c> (TorchSharp state dict),
/// <c>model.json</c> (the <see cref="ModelConfig"/>), <c>vocab.txt</c>, <c>training.json</c> (the
/// run's options, of which inference reads the frame settings), and for resuming
/// <c>optimizer.bin</c> and <c>state.json</c>. This type reads and writes every file of it; the
/// training loop adds its typed state through <see cref="WriteJson"/>. A single-file model from
/// <c>glossa model import</c> (a <c>.pt</c> holding a <c>glossa_config</c> entry) is accepted where
/// weights alone suffice and refused with a one-line message where a vocabulary is needed.
/// </summary>
public static class ModelCheckpoint
{
    public const string ModelFile = "model.bin";
    public const string ModelConfigFile = "model.json";
    public const string VocabularyFile = "vocab.txt";
    public const string OptionsFile = "training.json";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";
    /// <summary>With a weight average: the weights training goes on from (<c>model.bin</c> holds the average).</summary>
    public const string TrainingWeightsFile = "training-weights.bin";

    /// <summary>The run options that fix the evaluation transform (defaults = the training defaults).</summary>
    sealed record FrameSettings
    {
        public bool Augment { get; init; } = true;
        public int MaxFrames { get; init; } = 300;
    }

    /// <summary>True when <paramref name="path"/> looks like a checkpoint directory (or a link to one).</summary>
    public static bool Exists(string path) => File.Exists(Path.Combine(path, StateFile)) && File.Exists(Path.Combine(path, ModelFile));

    /// <summary>Throws a one-line error unless <paramref name="path"/> is a checkpoint directory.</summary>
    public static void Require(string path)
    {
        if (WeightIO.DanglingLink(path.TrimEnd('/')) is string target)
            throw new GlossaException($"{path}: a symbolic link to {target}, which does not exist; copy the checkpoint folder itself");
        if (File.Exists(path))
            throw new GlossaException($"{path}: a file, not a checkpoint folder; this needs a run's checkpoint such as RUN/best (a weight file holds no vocabulary: train from it with --pretrained {path})");
        if (!Directory.Exists(path))
            throw new GlossaException($"{path}: checkpoint directory not found (a run folder holds 'best' and 'last')");
        if (!Exists(path))
        {
            string best = Path.Combine(path, "best");
            throw new GlossaException(Exists(best)
                ? $"{path}: a run folder, not a checkpoint; give its checkpoint, {best} (or {Path.Combine(path, "last")})"
                : $"{path}: not a Glossa checkpoint (needs {ModelFile} and {StateFile})");
        }
    }

    /// <summary>The model configuration JSON a checkpoint was written with.</summary>
    public static string ReadConfigJson(string path)
    {
        Require(path);
        string file = Path.Combine(path, ModelConfigFile);
        if (!File.Exists(file))
            throw new GlossaException($"{file}: missing; this checkpoint cannot rebuild its model (copy the whole checkpoint folder, or use the run's other checkpoint)");
        return File.ReadAllText(file);
    }

    /// <summary>The model configuration of a checkpoint, validated.</summary>
    public static ModelConfig ReadConfig(string path) => ModelConfig.FromJson(ReadConfigJson(path), Path.Combine(path, ModelConfigFile));

    /// <summary>The vocabulary stored with the checkpoint.</summary>
    public static Vocabulary ReadVocabulary(string path)
    {
        Require(path);
        string file = Path.Combine(path, VocabularyFile);
        if (!File.Exists(file))
            throw new GlossaException(File.Exists(Path.Combine(path, OptionsFile))
                ? $"{file}: missing; this trained checkpoint lost its vocabulary: copy {VocabularyFile} from the run's other checkpoint or the original folder"
                : $"{path}: holds weights without a vocabulary ('glossa model import' writes such checkpoints); train from it with --pretrained {path}");
        return Vocabulary.Load(file);
    }

    /// <summary>
    /// The evaluation transform the checkpoint's model was validated with: its frame size, and the
    /// run's frame cap and resize (a run trained with augmentation resizes to 8/7 and crops the centre).
    /// </summary>
    public static FrameOptions ReadEvalFrames(string path, int frameSize)
    {
        Require(path);
        string file = Path.Combine(path, OptionsFile);
        var settings = File.Exists(file) ? ReadJson<FrameSettings>(file) : new FrameSettings();
        return FramePolicy.For(frameSize, settings.MaxFrames, settings.Augment);
    }

    /// <summary>Reads one JSON file of a checkpoint (or run folder) with the files' settings.</summary>
    public static T ReadJson<T>(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(file), GlossaJson.Files)
                   ?? throw new GlossaException($"{file}: empty; the checkpoint is damaged (use the run's other checkpoint, or start again with --overwrite)");
        }
        catch (JsonException e)
        {
            throw new GlossaException($"{file}: damaged JSON (line {(e.LineNumber ?? 0) + 1}); the checkpoint cannot be read: use the run's other checkpoint, or start again with --overwrite", e);
        }
    }

    /// <summary>Loads the weights into a model built from the checkpoint's configuration (strict: every key must match).</summary>
    /// <param name="path">The checkpoint folder.</param>
    /// <param name="model">A model built from its configuration.</param>
    /// <param name="fileName">The weights file: <see cref="ModelFile"/>, or <see cref="TrainingWeightsFile"/> to resume a run with a weight average.</param>
    public static void LoadWeights(string path, nn.Module model, string fileName = ModelFile)
    {
        Require(path);
        string file = Path.Combine(path, fileName);
        if (!File.Exists(file))
            throw new GlossaException($"{file}: missing; the checkpoint is incomplete: copy the whole checkpoint folder again, or use the run's other checkpoint");
        // Read and checked here, not by TorchSharp's module.load: that hands a damaged file's bytes to libtorch
        // (an internal error) and names no tensor when model.json was edited.
        Dictionary<string, Tensor> state;
        try { state = NativeWeights.Read(file); }
        catch (GlossaException e) when (!e.Message.Contains("cut short", StringComparison.Ordinal))
        {
            throw new GlossaException($"{file}: damaged, not the TorchSharp weights a checkpoint holds; copy the checkpoint folder again, or use the run's other checkpoint", e);
        }
        try
        {
            var report = WeightIO.Compare(model, state);
            if (!report.IsExact)
                throw new GlossaException($"{file}: does not fit the model {Path.Combine(path, ModelConfigFile)} describes ({report.Describe()}); was {ModelConfigFile} edited? copy the checkpoint folder again, or use the run's other checkpoint");
            WeightIO.LoadStateDict(model, state, strict: true, source: file);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Rebuilds the model of a checkpoint folder, or of a single-file model written by
    /// <c>glossa model import</c>, with its weights loaded strictly, on the CPU.
    /// </summary>
    public static CslrModel LoadModel(string path)
    {
        if (File.Exists(path)) return ReadSingleFile(path);
        var model = ModelFactory.Create(ReadConfig(path));
        try
        {
            LoadWeights(path, model);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a single-file model of older Glossa versions (a PyTorch state dict holding the
    /// configuration under <see cref="WeightIO.ConfigKey"/>); a plain state dict gets a one-line message.
    /// </summary>
    static CslrModel ReadSingleFile(string path)
    {
        var state = WeightIO.ReadStateDict(path);
        try
        {
            if (!state.TryGetValue(WeightIO.ConfigKey, out var configBytes))
                throw new GlossaException($"{path}: a plain state dict, not a Glossa checkpoint (no '{WeightIO.ConfigKey}' entry); load it with --pretrained into a model built from a named configuration");
            var config = ModelConfig.FromJson(Encoding.UTF8.GetString(configBytes.data<byte>().ToArray()), path);
            var model = ModelFactory.Create(config);
            WeightIO.LoadStateDict(model, state, strict: true, source: path);
            return model;
        }
        finally
        {
            foreach (var t in state.Values)
                t.Dispose();
        }
    }

    /// <summary>
    /// Writes a checkpoint of a model that has not been trained here (<c>glossa model import</c>):
    /// weights, configuration and an epoch-0 state, no vocabulary. Training starts from it with <c>--pretrained</c>.
    /// </summary>
    public static void WriteUntrained(string dir, CslrModel model)
    {
        Directory.CreateDirectory(dir);
        foreach (string file in new[] { ModelFile, ModelConfigFile, StateFile, VocabularyFile, OptionsFile, OptimizerFile })
            File.Delete(Path.Combine(dir, file));
        WriteFile(Path.Combine(dir, ModelFile), s => { using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true); model.save(w); });
        WriteText(Path.Combine(dir, ModelConfigFile), model.Config.ToJson());
        WriteJson(dir, StateFile, new { FormatVersion = 1, Model = model.Config.Name, Epoch = 0, SavedUtc = DateTime.UtcNow });
    }

    /// <summary>Writes the model files (weights, configuration, vocabulary) into the new directory <paramref name="dir"/>.</summary>
    public static void WriteModel(string dir, nn.Module model, string modelConfigJson, Vocabulary vocabulary)
    {
        WriteWeights(dir, ModelFile, model);
        WriteText(Path.Combine(dir, ModelConfigFile), modelConfigJson);
        WriteText(Path.Combine(dir, VocabularyFile), string.Join('\n', vocabulary.Tokens) + "\n");
    }

    /// <summary>Writes the model's weights as <paramref name="file"/> of the new directory <paramref name="dir"/>.</summary>
    public static void WriteWeights(string dir, string file, nn.Module model) =>
        WriteFile(Path.Combine(dir, file), s => { using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true); model.save(w); });

    /// <summary>Writes <paramref name="value"/> as <paramref name="file"/> of the new directory <paramref name="dir"/>.</summary>
    public static void WriteJson<T>(string dir, string file, T value) => WriteText(Path.Combine(dir, file), JsonSerializer.Serialize(value, GlossaJson.Files));

    static void WriteText(string path, string text) =>
        WriteFile(path, s => { var bytes = new UTF8Encoding(false).GetBytes(text); s.Write(bytes); });

    /// <summary>Creates <paramref name="path"/> (it must not exist) and flushes it to disk before returning.</summary>
    public static void WriteFile(string path, Action<Stream> write)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
        stream.Flush(flushToDisk: true);
    }
}
