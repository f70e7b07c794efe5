using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Glossa.Bench;
using Glossa.Common;
using Glossa.Models;
using Glossa.Training;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa model</c>: named configurations, exact sizes, weight import and export, and the step-time benchmark.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Recogniser architectures: list, info (exact parameter counts), import pretrained backbone weights, export to PyTorch or ONNX.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Bench());
        return command;
    }

    /// <summary>The options that pick and resize a named configuration, shared by the model subcommands.</summary>
    internal sealed class ConfigOptions
    {
        public readonly Argument<string> Name = new("name") { Description = $"Configuration: {string.Join(", ", ModelFactory.Names)}." };
        public readonly Option<int> NumClasses = new("--num-classes") { Description = "Output classes including the CTC blank (vocabulary size).", DefaultValueFactory = _ => 1296 };
        public readonly Option<int?> HiddenDim = new("--hidden-dim") { Description = "BiLSTM hidden size per direction (default: the configuration's)." };
        public readonly Option<double?> Dropout = new("--dropout") { Description = "Dropout probability (default: the configuration's)." };
        public readonly Option<int?> Layers = new("--layers") { Description = "BiLSTM layers (default: the configuration's)." };
        public readonly Option<string?> Backbone = new("--backbone") { Description = "Replace the backbone: mobilenet_v3_large, mobilenet_v3_small, i3d, tiny_cnn, tiny_cnn_grid, resnet18 or resnet18_corrnet." };
        public readonly Option<double?> WidthMult = new("--width-mult") { Description = "Width multiplier of the MobileNetV3, tiny CNN and ResNet18 backbones (torchvision's width_mult)." };
        public readonly Option<int?> I3dStride = new("--i3d-stride") { Description = "I3D temporal stride: 8 (published), 4 (CSLR default) or 2." };
        public readonly Option<string?> TemporalConv = new("--temporal-conv") { Description = "Temporal conv layers, e.g. K5-P2-K5-P2, or 'none'." };
        public readonly Option<int?> TemporalChannels = new("--temporal-channels") { Description = "Temporal conv channels (default: the configuration's)." };
        public readonly Option<string?> ConvHead = new("--conv-head") { Description = "Classifier on the temporal-conv features: none, linear (VAC) or shared (SMKD, weight-normalised)." };

        public void AddTo(Command command)
        {
            command.Arguments.Add(Name);
            foreach (Option o in new Option[] { NumClasses, HiddenDim, Dropout, Layers, Backbone, WidthMult, I3dStride, TemporalConv, TemporalChannels, ConvHead })
                command.Options.Add(o);
        }

        public ModelConfig Resolve(ParseResult parse)
        {
            var config = ModelFactory.Named(parse.GetValue(Name)!, parse.GetValue(NumClasses), parse.GetValue(HiddenDim), parse.GetValue(Dropout));
            if (parse.GetValue(Layers) is int layers) config = config with { Layers = layers };
            if (parse.GetValue(Backbone) is string backbone) config = config with { Backbone = backbone };
            if (parse.GetValue(WidthMult) is double width) config = config with { WidthMult = width };
            if (parse.GetValue(I3dStride) is int stride)
                config = config.Backbone == ModelConfig.I3d ? config with { I3dTemporalStride = stride }
                    : throw new Glossa.Common.GlossaException($"--i3d-stride {stride}: model '{config.Name}' has no I3D backbone; its temporal stride comes from --temporal-conv (e.g. K5-P2-K5 for stride 2)");
            if (parse.GetValue(TemporalConv) is string conv)
                config = Glossa.Models.Temporal.TemporalConvSpec.Parse(conv).Steps.Count == 0 ? config with { TemporalConv = "", EdgePad = 0 } : config with { TemporalConv = conv };
            if (parse.GetValue(TemporalChannels) is int channels) config = config with { TemporalChannels = channels };
            if (parse.GetValue(ConvHead) is string head) config = config with { ConvHead = head };
            return config.Validate();
        }
    }

    static Command List()
    {
        var command = new Command("list", "List the named configurations.");
        command.SetAction(_ => CliRunner.Guard(() =>
        {
            foreach (string name in ModelFactory.Names)
                Console.WriteLine(name);
            return 0;
        }));
        return command;
    }

    static Command Info()
    {
        var command = new Command("info", "Print the exact parameter count per block, the total and the temporal stride of a configuration.");
        var options = new ConfigOptions();
        options.AddTo(command);
        var json = new Option<bool>("--json") { Description = "Print a JSON object (parameters, temporal_stride, blocks, config)." };
        command.Options.Add(json);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            var config = options.Resolve(parse);
            using var model = ModelFactory.Create(config);
            var summary = ModelSummary.Of(model);
            long minFrames = model.MinimumInputFrames(1);
            if (parse.GetValue(json))
            {
                CliRunner.PrintJson(new
                {
                    name = config.Name,
                    parameters = summary.Parameters,
                    temporal_stride = summary.TemporalStride,
                    feature_dim = summary.FeatureDim,
                    min_input_frames = minFrames,
                    blocks = summary.Blocks.Select(b => new { name = b.Name, parameters = b.Parameters }),
                    config,
                });
                return 0;
            }
            var table = new Table().AddColumn("block").AddColumn(new TableColumn("parameters").RightAligned());
            foreach (var block in summary.Blocks)
                table.AddRow(block.Name, block.Parameters.ToString("N0"));
            table.AddRow("[bold]total[/]", $"[bold]{summary.Parameters:N0}[/]");
            Console.WriteLine($"{config.Name}: backbone {config.Backbone}, {config.NumClasses} classes, hidden {config.HiddenDim}/direction x {Words.Count(config.Layers, "layer")}, dropout {config.Dropout}");
            AnsiConsole.Write(table);
            Console.WriteLine($"temporal stride: {summary.TemporalStride} (e.g. 100 frames -> {model.ComputeOutputLength(100)} outputs; at least {Words.Count((int)minFrames, "input frame")} per clip)");
            return 0;
        }));
        return command;
    }

    static Command Import()
    {
        var command = new Command("import", "Build a configuration, load pretrained backbone weights (torchvision MobileNetV3 or ResNet18 .pth/.safetensors, pytorch-i3d rgb_imagenet.pt, a Glossa export) and save a Glossa checkpoint; prints missing and unexpected keys, refuses tensors of another shape.");
        var options = new ConfigOptions();
        options.AddTo(command);
        var weights = new Option<string>("--weights") { Description = "Backbone weights: a torch.save state dict (.pt/.pth, zip or legacy format) or .safetensors; keys under a common prefix (backbone., module., encoder. ...) are matched without it.", Required = true };
        var output = new Option<string>("--out") { Description = "Checkpoint folder to write (weights and configuration; train from it with --pretrained).", Required = true };
        var strict = new Option<bool>("--strict") { Description = "Fail unless every backbone key is present (without it, missing keys are a warning; unexpected keys such as ImageNet classifiers are only reported)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace --out if it exists." };
        var json = new Option<bool>("--json") { Description = "Print the load report as JSON." };
        foreach (Option o in new Option[] { weights, output, strict, overwrite, json })
            command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            var config = options.Resolve(parse);
            string outPath = parse.GetValue(output)!, weightsPath = parse.GetValue(weights)!;
            CheckImportOutput(outPath, parse.GetValue(overwrite));
            using var model = ModelFactory.Create(config);
            var (report, prefix) = ImportBackbone(model, weightsPath, parse.GetValue(strict));
            if (File.Exists(outPath)) File.Delete(outPath);
            ModelCheckpoint.WriteUntrained(outPath, model);
            string stripped = prefix.Length > 0 ? $"; key prefix '{prefix}' removed" : "";
            if (parse.GetValue(json))
                CliRunner.PrintJson(new { loaded = report.Loaded.Count, missing = report.Missing, unexpected = report.Unexpected, shape_mismatches = report.ShapeMismatches, stripped_prefix = prefix, checkpoint = outPath });
            else
                Console.WriteLine($"backbone weights: {report.Describe()}{stripped}; wrote {outPath}");
            if (report.Missing.Count > 0)
                Console.Error.WriteLine($"warning: {weightsPath}: {report.Missing.Count} backbone tensors missing from the file (first: {report.Missing[0]}) keep their random initialisation in {outPath}; --strict refuses such files");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// An existing --out is replaced only with --overwrite, and only when it is a file, an empty folder or a
    /// checkpoint folder: --overwrite on a run folder (or any other folder) had written loose model files into it.
    /// </summary>
    static void CheckImportOutput(string outPath, bool overwrite)
    {
        if (!File.Exists(outPath) && !Directory.Exists(outPath)) return;
        if (!overwrite)
            throw new GlossaException($"{outPath}: exists; pass --overwrite to replace it");
        if (Directory.Exists(outPath) && !ModelCheckpoint.Exists(outPath) && Directory.EnumerateFileSystemEntries(outPath).Any())
            throw new GlossaException($"{outPath}: a folder that is not a Glossa checkpoint; --overwrite replaces only a checkpoint folder, so give a new --out (e.g. {Path.Combine(outPath, "imported")})");
    }

    /// <summary>
    /// Reads <paramref name="weightsPath"/> and loads it into <paramref name="model"/>'s backbone, keys under a common
    /// prefix (a whole model's <c>backbone.</c>, <c>encoder.</c>, DataParallel's <c>module.</c>) matched without it.
    /// Refuses, as PyTorch's load_state_dict does even with strict=False, tensors of another shape; and with
    /// <paramref name="strict"/>, missing ones. Returns the report and the prefix removed.
    /// </summary>
    internal static (LoadReport Report, string Prefix) ImportBackbone(CslrModel model, string weightsPath, bool strict)
    {
        var state = WeightIO.ReadStateDict(weightsPath);
        try
        {
            var (fitted, prefix) = WeightIO.FitPrefix(state, model.Backbone);
            var report = WeightIO.Compare(model, fitted, "backbone.");
            string backbone = model.Config.Backbone;
            if (report.Loaded.Count == 0)
                throw new GlossaException($"{weightsPath}: no tensor fits the {backbone} backbone: the file holds {WeightIO.Holds(state)}; the backbone expects keys like '{model.Backbone.state_dict().Keys.First()}'; is this the right file for --backbone {backbone}?");
            if (report.ShapeMismatches.Count > 0)
                throw new GlossaException($"{weightsPath}: {report.ShapeMismatches.Count} tensors have another shape than the {backbone} backbone's ({string.Join("; ", report.ShapeMismatches.Take(3))}{(report.ShapeMismatches.Count > 3 ? "; ..." : "")}); the file was made for another variant (e.g. another --width-mult); give weights of this one");
            if (strict && report.Missing.Count > 0)
                throw new GlossaException($"{weightsPath}: backbone keys missing: {report.Describe()}; drop --strict to import it with those tensors left as initialised");
            return (WeightIO.LoadStateDict(model, fitted, strict: false, prefix: "backbone.", source: weightsPath), prefix);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    static Command Export()
    {
        var command = new Command("export", "Export a Glossa checkpoint as a plain PyTorch state dict (torch.load + load_state_dict), .safetensors, or an ONNX model for deployment (per-frame backbones).");
        var checkpoint = new Argument<string>("checkpoint") { Description = "A checkpoint folder (a run's best or last, or 'model import' output, which has no vocabulary and so exports to pytorch and safetensors only) or a single-file model of older versions." };
        var output = new Option<string?>("--out") { Description = "File to write (default with --format onnx: CHECKPOINT/model.onnx, where 'recognize --engine onnx' looks)." };
        var format = new Option<string>("--format") { Description = "auto (by --out's extension: .onnx, .safetensors, else PyTorch), pytorch, safetensors or onnx.", DefaultValueFactory = _ => "auto" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace --out if it exists." };
        command.Arguments.Add(checkpoint);
        foreach (Option o in new Option[] { output, format, overwrite }) command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            string source = parse.GetValue(checkpoint)!;
            if (WeightIO.DanglingLink(source.TrimEnd('/')) is string target)
                throw new GlossaException($"{source}: a symbolic link to {target}, which does not exist; copy the checkpoint folder itself");
            if (!File.Exists(source) && !Directory.Exists(source))
                throw new GlossaException($"{source}: checkpoint not found; give a checkpoint folder such as RUN/best");
            string kind = ExportFormat(parse.GetValue(format)!, parse.GetValue(output));
            string outPath = parse.GetValue(output) ?? (kind == "onnx" && Directory.Exists(source) ? Path.Combine(source, "model.onnx")
                : throw new GlossaException("--out is required (the file to write)"));
            if (NamedFormat(outPath) is string named && named != kind)
                throw new GlossaException($"--out {outPath}: the name says {named} but --format is {kind}; name it model.{Extension(kind)} or pass --format {named}");
            if (Directory.Exists(outPath))
                throw new OutputException($"--out {outPath}: is a folder; name the file to write, e.g. {Path.Combine(outPath, "model." + Extension(kind))}");
            if (File.Exists(outPath) && !parse.GetValue(overwrite))
                throw new GlossaException($"{outPath}: exists; pass --overwrite to replace it");
            SafeWrite.Folder(Path.GetDirectoryName(Path.GetFullPath(outPath))!, "--out");
            using var model = ModelCheckpoint.LoadModel(source);
            if (kind == "onnx")
            {
                model.eval();
                var metadata = new Dictionary<string, string> { ["glossa.temporal_stride"] = model.TemporalStride.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                if (ModelCheckpoint.Exists(source)) metadata["glossa.vocabulary"] = JsonSerializer.Serialize(ModelCheckpoint.ReadVocabulary(source).Tokens);
                Glossa.Models.Onnx.OnnxExporter.Export(model, outPath, metadata);
            }
            else if (kind == "safetensors")
                WeightIO.WriteSafetensors(model.state_dict(), outPath);
            else
                WeightIO.SavePyTorch(model, outPath);
            Console.WriteLine($"wrote {outPath} ({kind}): {model.state_dict().Count} tensors of {model.Config.Name} ({ModelSummary.CountParameters(model):N0} parameters)");
            if (kind != "onnx" && NormalisationNote(model.Config) is string note)
                Console.WriteLine(note);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// What a state dict does not carry: the model's parameter-free per-clip normalisations, which a
    /// PyTorch re-implementation must apply too, or its logits differ from Glossa's; null when it has none.
    /// </summary>
    internal static string? NormalisationNote(ModelConfig config)
    {
        var steps = new List<string>();
        if (config.InputNorm == ModelConfig.InputNormClip) steps.Add("input_norm clip: each clip's mean frame subtracted and each channel divided by its standard deviation over the clip");
        if (config.FeatureNorm == ModelConfig.FeatureNormClip) steps.Add("feature_norm clip: each clip's mean backbone feature subtracted before the temporal layers");
        return steps.Count == 0 ? null
            : $"note: the weights alone do not give this model's output; its forward also normalises each clip ({string.Join("; ", steps)}), as bench/parity/glossa_model.py does from the checkpoint's model.json";
    }

    static string Extension(string kind) => kind == "pytorch" ? "pt" : kind;

    /// <summary>The format a file name's extension says (.onnx, .safetensors, .pt/.pth), or null when it says none.</summary>
    static string? NamedFormat(string path) =>
        path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? "onnx"
        : path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? "safetensors"
        : path.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) ? "pytorch"
        : null;

    static string ExportFormat(string format, string? outPath) => format switch
    {
        "pytorch" or "safetensors" or "onnx" => format,
        "auto" when outPath is null => throw new GlossaException("--out is required unless --format onnx is given"),
        "auto" => NamedFormat(outPath) ?? "pytorch",
        _ => throw new GlossaException($"--format must be auto, pytorch, safetensors or onnx (got '{format}')"),
    };

    /// <summary>
    /// Training-step and inference timings of Glossa next to the same architecture in
    /// Debian's PyTorch (bench/models/bench_models.py), alternating per configuration in one run.
    /// </summary>
    static Command Bench()
    {
        var command = new Command("bench", "Time training steps (forward, CTC, backward, AdamW) and student inference on this machine, beside the same architectures in Debian's PyTorch ('--python-script none' skips it).");
        var models = new Option<string>("--models") { Description = "Comma-separated configurations.", DefaultValueFactory = _ => "mobilenetv3-student,i3d-teacher" };
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated frame sizes.", DefaultValueFactory = _ => "112,224" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 2 };
        var frames = new Option<int>("--frames") { DefaultValueFactory = _ => 64 };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 1 };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 3 };
        var rounds = new Option<int>("--rounds") { Description = "Training rows: Glossa and PyTorch alternate this many times (PyTorch in every allocator in the first round, then only in its fastest); medians over all steps.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads on both sides.", DefaultValueFactory = _ => 2 };
        var python = new Option<string>("--python-script") { Description = "Path of bench/models/bench_models.py (default: found above the current folder); 'none' skips PyTorch." };
        var inferSize = new Option<int?>("--infer-size") { Description = "Frame size for the student inference measurement (0 skips it; default: the largest of --sizes)." };
        var json = new Option<bool>("--json");
        var channelsLast = new Option<bool>("--channels-last") { Description = "Also time Glossa's training step with channels-last frames (row 'train (channels-last)')." };
        var profile = new Option<bool>("--profile") { Description = "Time the parts of a step (backbone forward, forward+backward, head, AdamW) instead." };
        foreach (Option o in new Option[] { models, sizes, batch, frames, warmup, steps, rounds, threads, python, inferSize, json, profile, channelsLast })
            command.Options.Add(o);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            int nThreads = ThreadCount.Check(parse.GetValue(threads));
            if (nThreads > 0) TorchSharp.torch.set_num_threads(nThreads);
            string? script = parse.GetValue(python) ?? FindUp(Path.Combine("bench", "models", "bench_models.py"));
            if (script == "none") script = null;
            if (script is not null && !File.Exists(script))
                throw new GlossaException($"{script}: benchmark script not found");
            var sizeList = parse.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => int.TryParse(v, out int n) && n is >= 16 and <= 1024 ? n
                    : throw new GlossaException($"--sizes: '{v}' is not a frame size; give whole numbers between 16 and 1024, comma-separated (e.g. 112,224)"))
                .ToList();
            if (sizeList.Count == 0)
                throw new GlossaException("--sizes: give at least one frame size (e.g. 112,224)");
            var settings = new ModelStepBenchmark.Settings(
                parse.GetValue(models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                sizeList, parse.GetValue(batch), parse.GetValue(frames), parse.GetValue(warmup), parse.GetValue(steps), nThreads, script,
                parse.GetValue(inferSize) ?? sizeList.Max(), parse.GetValue(channelsLast), parse.GetValue(rounds));
            if (settings.Rounds is < 1 or > 20)
                throw new GlossaException($"--rounds must be between 1 and 20 (got {settings.Rounds})");
            if (parse.GetValue(profile))
            {
                foreach (string line in ModelStepBenchmark.Profile(settings)) Console.WriteLine(line);
                return 0;
            }
            var rows = ModelStepBenchmark.Rows(settings);
            if (parse.GetValue(json))
                CliRunner.PrintJson(new { threads = nThreads, jemalloc = (Environment.GetEnvironmentVariable("LD_PRELOAD") ?? "").Contains("jemalloc"), load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "", rows });
            else
                PrintTable(rows);
            return 0;
        }));
        return command;
    }

    static void PrintTable(IEnumerable<ModelBenchRow> rows)
    {
        var table = new Table().AddColumns("model", "mode", "input", "glossa ms", "pytorch best ms", "pytorch default / jemalloc / tuned ms", "ratio to best", "glossa frames/s", "pytorch frames/s");
        foreach (var r in rows)
            table.AddRow(r.Model, r.Variant.Length > 0 ? $"{r.Mode} ({r.Variant})" : r.Mode, $"{r.Batch}x{r.Frames}x{r.Size}", r.GlossaMs.ToString("F0"),
                r.PytorchMs is double best ? $"{best:F0} ({r.PytorchBest})" : "-",
                r.PytorchConfigs is { } c ? string.Join(" / ", new[] { "default", "jemalloc", "tuned" }.Select(k => c.TryGetValue(k, out double v) ? v.ToString("F0") : "-")) : "-",
                r.Ratio?.ToString("F2") ?? "-", r.GlossaFramesPerSecond?.ToString("F1") ?? "", r.PytorchFramesPerSecond?.ToString("F1") ?? "");
        AnsiConsole.Write(table);
    }

    internal static string? FindUp(string relative)
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, relative);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }
}
