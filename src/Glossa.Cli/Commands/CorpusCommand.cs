using System.CommandLine;
using Glossa.Common;
using Glossa.Corpora;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa corpus check PATH</c>: validates a corpus and prints its figures.</summary>
internal static class CorpusCommand
{
    /// <summary>Exit code when the corpus has errors.</summary>
    const int CorpusHasErrors = 1;

    public static Command Create()
    {
        var command = new Command("corpus", "Inspect and validate sign language corpora.");
        command.Subcommands.Add(CreateCheck());
        return command;
    }

    static Command CreateCheck()
    {
        var path = new Argument<string>("PATH")
        {
            Description = "Corpus: a release root (phoenix2014-release/), a variant folder, its annotations/ folder, or a glossa-manifest.csv.",
        };
        var format = CorpusOptions.CreateFormatOption();
        var stride = new Option<int>("--stride")
        {
            Description = "Temporal stride of the model: clips with floor(frames/stride) < glosses + immediate repeats are reported as too short for CTC.",
            DefaultValueFactory = _ => 4,
        };
        var model = new Option<string?>("--model") { Description = "Check CTC lengths with this model's own output frames (its temporal conv, edge padding and rounding, and training's 300-frame cap) instead of floor(frames/stride): one of " + string.Join(", ", Glossa.Models.ModelFactory.Names) + "." };
        var temporalConv = new Option<string?>("--temporal-conv") { Description = "With --model: its temporal conv layers as glossa train takes them (e.g. K5-P2-K5 for stride 2)." };
        var i3dStride = new Option<int?>("--i3d-stride") { Description = "With --model i3d-teacher: its I3D temporal stride (8, 4 or 2)." };
        var maxFrames = new Option<int?>("--max-frames") { Description = "With --model: the frame cap of training's --max-frames (default 300): longer clips are counted at this many frames." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var noFrames = new Option<bool>("--skip-frames") { Description = "Do not open every frame (only list them); much faster on a cold disk." };
        var decodeFrames = new Option<bool>("--decode-frames")
        {
            Description = "Also decode every frame's pixels (and every video frame, with ffprobe), to find damaged image data behind a sound header; slower (a full decode of the corpus).",
        };
        var command = new Command("check", "Validate a corpus: missing or corrupt frames, malformed lines, empty annotations, duplicate ids, clips too short for CTC. Exit code 1 when errors are found.");
        command.Arguments.Add(path);
        command.Options.Add(format);
        command.Options.Add(stride);
        command.Options.Add(model);
        command.Options.Add(temporalConv);
        command.Options.Add(i3dStride);
        command.Options.Add(maxFrames);
        command.Options.Add(json);
        command.Options.Add(noFrames);
        command.Options.Add(decodeFrames);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            if (parse.GetValue(noFrames) && parse.GetValue(decodeFrames))
                throw new GlossaException("--skip-frames and --decode-frames contradict each other: give one (--decode-frames opens every frame and decodes it)");
            var options = new CorpusCheckOptions { Stride = parse.GetValue(stride), CheckFrames = !parse.GetValue(noFrames), DecodePixels = parse.GetValue(decodeFrames) };
            if (parse.GetValue(model) is not null && parse.GetResult(stride) is { Implicit: false })
                throw new GlossaException("--stride and --model both say how to count output frames: give one (--model counts them as that model does)");
            using var counter = ModelLengths(parse.GetValue(model), parse.GetValue(temporalConv), parse.GetValue(i3dStride), parse.GetValue(maxFrames));
            if (counter is not null)
                options = options with { Stride = counter.Model.TemporalStride, OutputLength = counter.OutputFrames, Model = counter.Name };
            options.Validate();
            var problems = new CorpusProblems(strict: false);
            var corpus = CorpusLoader.Load(parse.GetValue(path)!, CorpusOptions.GetFormat(parse, format), problems);
            bool asJson = parse.GetValue(json);
            var report = asJson || Console.IsErrorRedirected
                ? CorpusChecker.Check(corpus, problems, options)
                : CheckWithProgress(corpus, problems, options);
            if (asJson) CliRunner.PrintJson(ToJson(report));
            else Print(report);
            return report.Ok ? 0 : CorpusHasErrors;
        }));
        return command;
    }

    /// <summary>
    /// The model <c>--model</c> names, shaped as <c>glossa train</c> would shape it (<c>--temporal-conv</c>, <c>--i3d-stride</c>),
    /// for its own output length: the doctor's stride advice names it, so the clips the check counts are the clips training
    /// leaves out (floor(T/stride) had counted 24 where training left out 15 for an I3D, and 1 where it left out 24 for K5-P3-K5).
    /// </summary>
    static LengthCounter? ModelLengths(string? name, string? temporalConv, int? i3dStride, int? maxFrames)
    {
        if (name is null)
        {
            if (temporalConv is not null || i3dStride is not null || maxFrames is not null)
                throw new GlossaException("--temporal-conv, --i3d-stride and --max-frames describe the model of --model: give --model too (e.g. --model tiny-student)");
            return null;
        }
        var shape = new Glossa.Training.TrainingOptions
        {
            OutputDir = ".", Model = name, TemporalConv = Glossa.Training.TrainingOptions.CanonicalTemporalConv(temporalConv), I3dStride = i3dStride,
        };
        if (maxFrames is int cap) shape = shape with { MaxFrames = cap };
        shape.Validate();
        var config = shape.WithModelShape(Glossa.Models.ModelFactory.Named(name)).Validate();
        string described = name + (temporalConv is not null ? $" --temporal-conv {shape.TemporalConv}" : "") + (i3dStride is { } s ? $" --i3d-stride {s}" : "") +
            (maxFrames is { } m ? $" --max-frames {m}" : "");
        return new LengthCounter(Glossa.Models.ModelFactory.Create(config), described, shape.MaxFrames);
    }

    /// <summary>A built model (disposed with this) counting the output frames training gives a clip.</summary>
    sealed class LengthCounter(Glossa.Models.CslrModel model, string name, int maxFrames) : IDisposable
    {
        public Glossa.Models.CslrModel Model => model;
        public string Name => name;
        public int OutputFrames(int frames) => (int)Math.Max(0, model.ComputeOutputLength(maxFrames > 0 ? Math.Min(frames, maxFrames) : frames));
        public void Dispose() => model.Dispose();
    }

    static CorpusCheckReport CheckWithProgress(Corpus corpus, CorpusProblems problems, CorpusCheckOptions options)
    {
        int total = corpus.Splits.Values.Sum(s => s.Count);
        CorpusCheckReport? report = null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask($"checking {total} samples", maxValue: Math.Max(1, total));
            report = CorpusChecker.Check(corpus, problems, options, new Reporter<int>(done => task.Value = done));
        });
        return report!;
    }

    static object ToJson(CorpusCheckReport r) => new
    {
        format = CorpusLoader.FormatName(r.Format),
        name = r.Name,
        root = r.Root,
        stride = r.Stride,
        model = r.Model,
        vocabulary_size = r.VocabularySize,
        splits = r.Splits,
        ok = r.Ok,
        errors = r.Errors.Select(ProblemJson).ToList(),
        warnings = r.Warnings.Select(ProblemJson).ToList(),
    };

    static object ProblemJson(CorpusProblem p) => new { file = p.File, line = p.Line, sample = p.Sample, kind = p.KindName, message = p.Message };

    static void Print(CorpusCheckReport r)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(r.Name)}[/] ({CorpusLoader.FormatName(r.Format)}) at {Markup.Escape(r.Root)}");
        var table = new Table().AddColumns("split", "sentences", "frames", "mean T", "max T", "mean L", "max L", "glosses", "OOV", "signers");
        foreach (var (name, s) in r.Splits)
            table.AddRow(name, s.Sentences.ToString(), s.Frames + (s.VideosWithoutLength > 0 ? "*" : ""), s.MeanFrames.ToString("F1"), s.MaxFrames.ToString(),
                s.MeanGlosses.ToString("F1"), s.MaxGlosses.ToString(), s.Glosses.ToString(),
                name == "train" ? "-" : s.OutOfVocabulary.ToString(), s.UnseenSigners > 0 ? $"{s.Signers} ({s.UnseenSigners} new)" : s.Signers == 0 ? "-" : s.Signers.ToString());
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"T = frames per clip, L = glosses per sentence, OOV = glosses not in train; vocabulary (train glosses, blank excluded): {r.VocabularySize}; CTC check {(r.Model is { } m ? $"with {Markup.Escape(m)}'s output frames (temporal stride {r.Stride})" : $"at stride {r.Stride}")}");
        // Without ffprobe (or where it failed) a video's length is unknown: the frame figures then cover the other clips only.
        foreach (var (name, s) in r.Splits.Where(p => p.Value.VideosWithoutLength > 0))
            Console.WriteLine($"* {name}: frames, mean T and max T leave out {Words.Count(s.VideosWithoutLength, "video")} whose length is unknown (see the problems below)");
        var unseen = r.Splits.Where(p => p.Value.UnseenSigners > 0).Select(p => p.Key).ToList();
        if (unseen.Count > 0)
        {
            // "only" when every signer of those splits is new (PHOENIX SI5's dev and test), "in part" otherwise.
            bool only = unseen.All(n => r.Splits[n].UnseenSigners == r.Splits[n].Signers);
            Console.WriteLine(only
                ? $"{string.Join(", ", unseen)}: signed only by signers who sign nothing in train (\"new\"): WER there measures recognition of unseen signers, as on a signer-independent split"
                : $"{string.Join(", ", unseen)}: signed in part by signers who sign nothing in train (\"new\"): WER there mixes seen and unseen signers");
        }
        PrintProblems("warning", "yellow", r.Warnings);
        PrintProblems("error", "red", r.Errors);
        AnsiConsole.MarkupLine(r.Ok
            ? $"[green]OK[/]: no errors ({Words.Count(r.Warnings.Count, "warning")})"
            : $"[red]{Words.Count(r.Errors.Count, "error")}[/], {Words.Count(r.Warnings.Count, "warning")}");
    }

    static void PrintProblems(string label, string colour, IReadOnlyList<CorpusProblem> problems)
    {
        const int shown = 50;
        // Plain lines, never wrapped: users grep them and click on the file:line part.
        bool colours = !Console.IsOutputRedirected;
        foreach (var p in problems.Take(shown))
            Console.WriteLine(colours
                ? $"\u001b[{(colour == "red" ? 31 : 33)}m{label}\u001b[0m {p.KindName} {p}"
                : $"{label} {p.KindName} {p}");
        if (problems.Count > shown)
            AnsiConsole.MarkupLine($"... and {problems.Count - shown} more {label}s (use --json to list them all)");
    }

    /// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post late).</summary>
    sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
