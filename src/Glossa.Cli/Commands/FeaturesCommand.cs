using System.CommandLine;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;
using Glossa.Models.Inference;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa features</c>: pre-extract frozen-backbone features to one .npy per video.</summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var command = new Command("features", "Pre-extract backbone features (MobileNetV3 per frame, or I3D per clip) to one .npy (T', C) float32 per video.");
        var backbone = new Option<string>("--backbone") { Description = "mobilenet_v3_large, mobilenet_v3_small or i3d.", Required = true };
        var weights = new Option<string>("--weights") { Description = "Backbone weights: torchvision .pth/.safetensors (frames normalised with ImageNet mean/std), pytorch-i3d .pt (to [-1, 1]), or a Glossa checkpoint (normalised as its model was fed).", Required = true };
        var corpus = new Option<string>("--corpus") { Description = "Corpus folder or manifest.", Required = true };
        var format = CorpusOptions.CreateFormatOption();
        var split = new Option<string>("--split") { Description = "Split to extract (train, dev, test).", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder; files go to OUT/SPLIT/ID.npy with OUT/SPLIT/index.json.", Required = true };
        var size = new Option<int>("--size") { Description = "Crop size in pixels (frames are resized to size*256/224 first, then centre-cropped).", DefaultValueFactory = _ => 224 };
        var i3dStride = new Option<int>("--i3d-stride") { Description = "I3D temporal stride (8, 4 or 2).", DefaultValueFactory = _ => 4 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0 = libtorch's default).", DefaultValueFactory = _ => 0 };
        var overwrite = new Option<bool>("--overwrite") { Description = "Recompute files that already exist (needed to reuse an --out made with other settings)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var precision = new Option<string>("--precision") { Description = "Backbone arithmetic: fp32, or bf16 on CPUs with avx512_bf16/AMX and on CUDA.", DefaultValueFactory = _ => "fp32" };
        foreach (Option o in new Option[] { backbone, weights, corpus, format, split, output, size, i3dStride, threads, overwrite, json, precision })
            command.Options.Add(o);
        command.SetAction(parse => CliRunner.Interruptible(cancel =>
        {
            if (ThreadCount.Check(parse.GetValue(threads)) > 0)
                TorchSharp.torch.set_num_threads(parse.GetValue(threads));
            if (parse.GetValue(size) is < 32 or > 1024)
                throw new GlossaException($"--size must be between 32 and 1024 pixels (got {parse.GetValue(size)}); 224 is what the backbones were trained at");
            var arithmetic = PrecisionSupport.Parse(parse.GetValue(precision)!);
            PrecisionSupport.Require(arithmetic, TorchSharp.torch.CPU);
            var data = CorpusLoader.Load(parse.GetValue(corpus)!, CorpusOptions.GetFormat(parse, format));
            string splitName = parse.GetValue(split)!, backboneName = parse.GetValue(backbone)!, weightsPath = parse.GetValue(weights)!;
            var samples = data.Split(splitName);
            using var extractor = FeatureExtractor.Create(backboneName, weightsPath, parse.GetValue(size), parse.GetValue(i3dStride), arithmetic);
            extractor.Prepare();
            string dir = Path.Combine(parse.GetValue(output)!, splitName);
            SafeWrite.Folder(dir, "--out");
            var header = FeatureStoreIndex.For(extractor, backboneName, weightsPath, data.Root, splitName);
            var (_, written, skipped) = WithProgress(parse.GetValue(json), $"features {splitName}", samples.Count,
                done => FeatureStore.Fill(dir, extractor, samples, header, parse.GetValue(overwrite), done, cancel));
            if (parse.GetValue(json))
                CliRunner.PrintJson(new { split = splitName, videos = samples.Count, written, skipped, out_dir = dir, feature_dim = header.FeatureDim, temporal_stride = header.TemporalStride, weights_report = extractor.Report?.Describe() });
            else
                Console.WriteLine($"features: {written} written, {skipped} already present, in {dir} ({header.FeatureDim}-d, stride {header.TemporalStride}); weights: {extractor.Report?.Describe()}");
            return 0;
        }));
        return command;
    }

    /// <summary>Runs <paramref name="work"/> under a progress bar on a terminal (none with --json or redirected stderr).</summary>
    static T WithProgress<T>(bool quiet, string label, int total, Func<Action<string>, T> work)
    {
        if (quiet || Console.IsErrorRedirected)
            return work(_ => { });
        T result = default!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                result = work(id => { task.Description = $"{label}: {Markup.Escape(id)}"; task.Increment(1); });
            });
        return result;
    }
}
