namespace Glossa.Doctor.Rules;

/// <summary>The option changes the doctor recommends, each turned into a ready-to-run command.</summary>
internal static class Advice
{
    /// <summary>Learning rate to propose: a third of the configured peak (never of the rate a schedule had decayed to by
    /// the last epoch); for a peak above the high mark, at most 3e-4 (the rate of the measured healthy runs, Adam); 1e-4 when unknown.</summary>
    public static double LowerLearningRate(RuleInput r)
    {
        double? lr = r.PeakLearningRate;
        if (lr is not { } v || v <= 0) return 1e-4;
        if (v > r.Options.HighLearningRate) return Math.Min(RoundSig(v / 10), 3e-4);
        return RoundSig(v / 3);
    }

    /// <summary>Dropout to propose: +0.2 up to 0.5 (the reference recipe's choice), 0.5 when unknown; a dropout already at or above
    /// 0.5 is kept (more regularisation then comes from weight decay).</summary>
    public static double MoreDropout(RuleInput r) =>
        r.Option("dropout") is { } d ? (d >= 0.5 ? d : Math.Round(Math.Min(Math.Max(d + 0.2, 0.5), 0.6), 2)) : 0.5;

    /// <summary>The dropout, when it is so high that it can explain blank output by itself.</summary>
    public static double? SuspectDropout(RuleInput r) =>
        r.Option("dropout") is { } d && d >= r.Options.HighDropout ? d : null;

    /// <summary>Dropout to propose instead of a suspect one: 1 - d when d looks like a keep probability (e.g. 0.9 -> 0.1), at most 0.3.</summary>
    public static double SaneDropout(double d) => Math.Round(Math.Clamp(1 - d, 0.05, 0.3), 2);

    /// <summary>Weight decay to propose: ten times the current one, 1e-3 when unknown or zero.</summary>
    public static double MoreWeightDecay(RuleInput r) =>
        r.Option("weight-decay") is { } w && w > 0 ? RoundSig(w * 10) : 1e-3;

    /// <summary>Hidden size to propose: half the current one (at least 64), 256 when unknown (the reference recipe's alternative).</summary>
    public static int SmallerHidden(RuleInput r) =>
        r.Option("hidden-dim") is { } h && h >= 128 ? (int)(h / 2) : 256;

    /// <summary>The model name of the MobileNetV3 student (Models/ModelFactory).</summary>
    public const string StudentModel = "mobilenetv3-student";

    /// <summary>Trainable parameters of the MobileNetV3 student at the default vocabulary size (a round figure; `glossa model info` gives the exact count).</summary>
    const long StudentParameters = 8_000_000;

    /// <summary>
    /// Whether switching to the MobileNetV3 student would make the model smaller: not when the run
    /// already trains a student (any "-student" model) or a model of at most the student's size.
    /// </summary>
    public static bool StudentIsSmaller(RuleInput r) =>
        r.Context.ModelName?.EndsWith("-student", StringComparison.Ordinal) != true
        && !(r.Context.ParameterCount is { } p && p <= StudentParameters);

    /// <summary>"Or train the MobileNetV3 student": with "and distil this teacher into it later" only when the run trains the I3D teacher.</summary>
    public static FindingAction TrainStudent(RuleInput r, string prefix)
    {
        bool teacher = r.Context.ModelName?.Contains("teacher", StringComparison.Ordinal) == true;
        return Command(r, prefix + (teacher ? " and distil this teacher into it later" : ""), ("model", StudentModel), ("hidden-dim", null));
    }

    /// <summary>
    /// The augmentation step a run has not taken yet: turn it on (without mirroring) when off, add
    /// scale jitter when on without it; when crop, zoom and temporal rescale are all on already, says
    /// so and names what is left instead of repeating "more augmentation".
    /// </summary>
    public static FindingAction MoreAugmentation(RuleInput r, string why)
    {
        var t = r.Run.Training;
        if (r.Commands.Has("no-augment") || t is { Augment: false })
            return Command(r, $"Turn training augmentation on (random crop, temporal rescale) {why}; without mirroring, which can turn a sign told apart by its direction into another",
                ("no-augment", null), ("no-flip", true));
        if (t is { Zoom: 0 })
            return Command(r, $"Add scale jitter to the augmentation already on (regions 0.75-1.14 times the crop, so a larger or smaller signer is one the model has seen) {why}", ("zoom", 0.25));
        if (t is { ColourShuffle: 0 })
            return Command(r, $"Add colour shuffle to the augmentation already on (half the training clips get their colour channels in a random order, each negated at random, so an unseen signer's colours and contrast are ones the model has seen) {why}", ("colour-shuffle", 0.5));
        if (t is not null)
            return new($"Augmentation is already on (random crop, scale jitter {t.Zoom:0.##}, colour shuffle {t.ColourShuffle:0.##}, temporal rescale{(t.Flip ? ", mirroring" : "")}): what is left is more training data (more signers and sentences), a smaller model or stronger weight decay.");
        return new($"Use more data augmentation (random crop, scale jitter, colour shuffle, temporal rescale) {why}.");
    }

    /// <summary>The corpus a corpus check should read: the one the data was measured on (<see cref="RunContext.DataCorpus"/>), else the run's.</summary>
    public static string CorpusToCheck(RuleInput r) => r.Context.DataCorpus ?? r.Commands.Get("corpus") ?? "CORPUS";

    /// <summary>
    /// <c>./glossa corpus check CORPUS --model M</c> (the run's model as it was shaped: the clips it names are the clips
    /// training leaves out), or <c>--stride S</c> when the model is not known: lists the clips too short for CTC by name.
    /// </summary>
    public static FindingAction CheckFeasibility(RuleInput r, int? stride)
    {
        string corpus = CorpusToCheck(r);
        if (CheckModel(r) is { } model)
            return new FindingAction($"Check CTC feasibility with the model's own output frames (temporal stride {stride?.ToString() ?? "?"}): every clip must give at least label length + immediate repeats; the check names every clip that is too short.",
                $"{r.Options.Program} corpus check {corpus} {model}{ShapeOptions(r.Run.Training?.TemporalConv, r.Run.Training?.I3dStride, r.Run.Training?.MaxFrames)}");
        string cmd = $"{r.Options.Program} corpus check {corpus}" + (stride is { } s ? $" --stride {s}" : "");
        return new FindingAction(stride is { } st
            ? $"Check CTC feasibility: at temporal stride {st} a clip of N frames gives floor(N/{st}) outputs, which must be at least label length + immediate repeats; the check names every clip that is too short."
            : "Check CTC feasibility: output frames (input frames / temporal stride) must be at least label length + immediate repeats for every clip; the check names every clip that is too short.", cmd);
    }

    /// <summary>
    /// How to train at a smaller temporal stride: a run command with the model's last temporal pooling left out
    /// (<c>--temporal-conv</c>) or a smaller I3D stride (<c>--i3d-stride</c>), whichever the run's model has, then the corpus
    /// check that counts the clips long enough at that stride. Until 2026-12-07 it named "the I3D teacher at stride 4" for any
    /// model, and <c>glossa train</c> had no option to change the stride.
    /// </summary>
    /// <summary><c>--model M</c> for a corpus check of the run's own model, or null when the run is not a Glossa run.</summary>
    static string? CheckModel(RuleInput r) =>
        r.Context.Config?["training"]?["model"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var m) && m.Length > 0 ? $"--model {m}" : null;

    /// <summary>The model-shaping train options that change output lengths, as corpus check takes them.</summary>
    static string ShapeOptions(string? temporalConv, int? i3dStride, int? maxFrames = null) =>
        (temporalConv is not null ? $" --temporal-conv {temporalConv}" : "") + (i3dStride is { } s ? $" --i3d-stride {s}" : "") +
        (maxFrames is { } m && m != Training.TrainingOptions.DefaultMaxFrames ? $" --max-frames {m}" : "");

    public static IEnumerable<FindingAction> SmallerStride(RuleInput r, int stride)
    {
        var run = r.Run;
        string? model = CheckModel(r), shape = null; // the corpus check of the proposed model, when the run's is known
        int smaller = stride / 2;
        if (StrideFix(run, stride) is { } fix)
        {
            smaller = fix.Stride;
            shape = fix.Name == "temporal-conv"
                ? ShapeOptions((string)fix.Value, r.Run.Training?.I3dStride, r.Run.Training?.MaxFrames)
                : ShapeOptions(r.Run.Training?.TemporalConv, (int)fix.Value, r.Run.Training?.MaxFrames);
            yield return Command(r, fix.Name == "temporal-conv"
                ? $"Train with the temporal conv's last pooling left out (--temporal-conv {fix.Value}: temporal stride {smaller} instead of {stride}, so each clip gives {stride / smaller} times the output frames)"
                : $"Train the I3D backbone at temporal stride {fix.Value} instead of {run.I3dStride} (--i3d-stride {fix.Value}: the model's stride becomes {smaller})",
                (fix.Name, fix.Value));
        }
        else if (run.Backbone == "i3d")
        {
            // Already at the I3D's smallest stride (2) with no temporal conv to shorten: no option gives more output frames.
            yield return new FindingAction($"The I3D backbone is at its smallest temporal stride ({run.I3dStride ?? stride}): only more frames per gloss (video at a higher frame rate) or another model (e.g. --model tiny-student --temporal-conv K5-P2-K5, stride 2; K5-K5, stride 1) gives these clips more output frames");
            yield break;
        }
        else
        {
            yield return new FindingAction($"Use a model with temporal stride {smaller} instead of {stride} (one temporal pooling step fewer)");
        }
        yield return new FindingAction($"This check counts the clips long enough for their labels at temporal stride {smaller}:",
            model is not null && shape is not null
                ? $"{r.Options.Program} corpus check {CorpusToCheck(r)} {model}{shape}"
                : $"{r.Options.Program} corpus check {CorpusToCheck(r)} --stride {smaller}");
    }

    /// <summary>
    /// The train option that gives the run's model more output frames per clip, and the temporal stride it leaves: the
    /// temporal conv without its last pooling, else an I3D backbone at half its stride; null when neither applies (an I3D
    /// at stride 2 with no pooling left, or a model whose layers the run does not say).
    /// </summary>
    public static (string Name, object Value, int Stride)? StrideFix(RunOptions run, int stride)
    {
        Models.Temporal.TemporalConvSpec? spec = null;
        try { spec = run.TemporalConv is { } conv ? Models.Temporal.TemporalConvSpec.Parse(conv) : null; }
        catch (Common.GlossaException) { } // another toolkit's value: no command to offer
        int lastPool = spec?.Steps.ToList().FindLastIndex(x => x.Kind == 'P') ?? -1;
        if (spec is not null && lastPool >= 0 && stride % spec.Steps[lastPool].Size == 0)
            return ("temporal-conv", new Models.Temporal.TemporalConvSpec(spec.Steps.Where((_, i) => i != lastPool).ToList()).ToString(), stride / spec.Steps[lastPool].Size);
        if (run.Backbone == "i3d" && run.I3dStride is int i3d && i3d > 2)
            return ("i3d-stride", i3d / 2, stride / 2);
        return null;
    }

    /// <summary>
    /// A ready-to-run train command with <paramref name="changes"/>; it also carries <see cref="RuleInput.Carried"/> (a critical
    /// ctc_infeasible's fix, so another finding's restart does not meet the same short clips), which the description then names.
    /// </summary>
    public static FindingAction Command(RuleInput r, string description, params (string, object?)[] changes)
    {
        var carried = r.Carried.Where(c => !changes.Any(x => x.Item1 == c.Name)).ToList();
        if (carried.Count == 0) return new(description, r.Commands.Build(changes));
        string with = string.Join(" ", carried.Select(c => $"--{c.Name} {c.Value}"));
        return new($"{description} (with {with}, ctc_infeasible's fix, so the restart keeps its clips)",
            r.Commands.Build([.. carried.Select(c => (c.Name, (object?)c.Value)), .. changes]));
    }

    /// <summary>
    /// The option changes of a command in words ("learning rate 0.0003, a 2-epoch warm-up, dropout 0.5"), for its description:
    /// each command's text names everything it changes (a new user's trial: "halve the hidden size" also set --dropout 0.5).
    /// </summary>
    public static string Changes(IEnumerable<(string Name, object? Value)> changes) => string.Join(", ", changes.Select(c => c switch
    {
        ("warmup-epochs", var v) => $"a {v}-epoch warm-up",
        ("hidden-dim", var v) => $"hidden size {v}",
        (var n, null) => $"no --{n}",
        (var n, double v) => $"{n.Replace('-', ' ')} {HistoryMath.F(v)}",
        (var n, var v) => $"{n.Replace('-', ' ')} {v}",
    }));

    /// <summary>Peak learning rate to propose for a run whose rate was too low: the top of the usual Adam range for CTC, 1e-3
    /// (every healthy run of the library used it), at most 100 times the old peak.</summary>
    public static double HigherLearningRate(RuleInput r) =>
        r.PeakLearningRate is { } v && v > 0 ? Math.Min(RoundSig(v * 100), 1e-3) : 1e-3;

    /// <summary>Epochs to propose for a run stopped by its schedule while still learning: twice as many, at least 10 more.</summary>
    public static int MoreEpochs(RuleInput r)
    {
        int now = (int)(r.Option("epochs") ?? r.Last.Epoch);
        return Math.Max(2 * now, now + 10);
    }

    /// <summary>Hidden size to propose for a model too small for the task: twice the current one (256 when unknown).</summary>
    public static int LargerHidden(RuleInput r) =>
        r.Option("hidden-dim") is { } h && h >= 8 ? (int)(h * 2) : 256;

    internal static double RoundSig(double v)
    {
        if (v == 0 || !double.IsFinite(v)) return v;
        double scale = Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(v))) - 1);
        return Math.Round(v / scale) * scale;
    }
}
