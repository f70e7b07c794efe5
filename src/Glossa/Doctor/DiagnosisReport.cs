using Glossa.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Training;

namespace Glossa.Doctor;

/// <summary>
/// Writes a diagnosis for people (<c>diagnosis.md</c>, PNG plots) and for programs
/// (<c>diagnosis.json</c>: <c>verdict</c> and <c>findings</c> with <c>rule</c>, <c>severity</c>,
/// <c>evidence</c>, <c>explanation</c>, <c>actions</c>).
/// </summary>
public sealed class DiagnosisReport
{
    /// <summary>What was diagnosed: the run folder, history file, or checkpoint on a corpus split (and how much of its history).</summary>
    public string Source => source;

    /// <summary>File names written by <see cref="WriteAll"/>.</summary>
    public const string MarkdownFile = "diagnosis.md", JsonFile = "diagnosis.json";

    readonly HealthMonitor monitor;
    readonly string source;
    readonly string? ended;

    /// <summary>
    /// A report on the monitor's current state; <paramref name="source"/> names the run or file
    /// diagnosed, <paramref name="ended"/> how the run ended when it has (its summary's message), so
    /// that warnings on a finished run do not read as advice to keep training it.
    /// </summary>
    public DiagnosisReport(HealthMonitor monitor, string source, string? ended = null, string? interrupted = null)
    {
        this.monitor = monitor;
        this.source = source;
        this.ended = ended;
        this.interrupted = interrupted;
    }

    /// <summary>The interrupted run's summary message ("" without one), or null when the run was not interrupted.</summary>
    readonly string? interrupted;

    /// <summary>
    /// Why a verdict that is not "stop" says little yet, or null: the run was interrupted before its epochs were done, or it is
    /// still inside the grace period (the first <see cref="DoctorOptions.GraceEpochs"/> epochs and <see cref="DoctorOptions.GraceSteps"/>
    /// steps, when blank output and plateaus are CTC's normal start and are not judged). A new user's interrupted and 2-epoch
    /// runs read "healthy" with nothing saying how little had been seen.
    /// </summary>
    public string? Provisional()
    {
        if (monitor.Verdict == Verdict.Stop || monitor.History.Count == 0) return null;
        var last = monitor.History[^1];
        var o = monitor.Options;
        var reasons = new List<string>();
        if (interrupted is not null)
            reasons.Add($"the run was interrupted after epoch {last.Epoch}{(interrupted.Length > 0 ? $" ({interrupted.TrimEnd('.')})" : "")}, so its later epochs are not seen: continue it with --resume and diagnose again");
        bool inGrace = last.Epoch <= o.GraceEpochs || last.Steps is { } s && s < o.GraceSteps;
        if (inGrace && ended is null)
            reasons.Add($"only {Glossa.Common.Words.Count(last.Epoch, "epoch")}{(last.Steps is { } st ? $" ({st} steps)" : "")} so far: blank output and plateaus are CTC's normal start and are judged only from epoch {o.GraceEpochs + 1} and step {o.GraceSteps} on");
        return reasons.Count == 0 ? null : "Provisional: " + string.Join("; and ", reasons) + ".";
    }

    /// <summary>
    /// Said when the run ended on its time budget or on the wall clock while it was still improving (its best validation WER
    /// in one of its last two epochs, or its validation loss at its lowest in the last), else null: a new user's demo on a
    /// loaded machine stopped after 19 of the 34-46 epochs an idle one trains, with its best epoch the last, and the doctor
    /// said only "healthy".
    /// </summary>
    public string? CutShort()
    {
        var h = monitor.History;
        if (ended is null || h.Count < 2) return null;
        bool wall = ended.Contains("wall-clock limit:", StringComparison.Ordinal);
        if (!wall && !ended.Contains("time budget:", StringComparison.Ordinal)) return null;
        var last = h[^1];
        var bestWer = h.Where(m => m.ValWer is { } v && double.IsFinite(v)).MinBy(m => m.ValWer!.Value);
        var bestLoss = h.Where(m => m.ValLoss is { } v && double.IsFinite(v)).MinBy(m => m.ValLoss!.Value);
        bool lossLow = bestLoss is not null && bestLoss.Epoch == last.Epoch;
        if (bestWer is null || bestWer.Epoch < last.Epoch - 1 && !lossLow) return null;
        return $"Cut short: the run ended on its {(wall ? "wall-clock limit (wall time ran ahead of compute: other work on the cores, or threads waiting)" : "time budget")} while still improving " +
               $"(best validation WER at epoch {bestWer.Epoch} of {last.Epoch}{(lossLow ? ", the validation loss at its lowest in the last epoch" : "")}): " +
               (wall ? "on idle cores, or with a larger budget, the same command trains more epochs and would likely do better." : "a larger time budget (--time-budget) would likely gain more.");
    }

    /// <summary>Warnings and critical findings raised at some epoch that the run's last epochs no longer show (their rule is not among the current findings).</summary>
    public IReadOnlyList<Finding> Resolved() =>
        [.. monitor.Raised.Where(f => f.Severity >= Severity.Warning && IsResolved(f))];

    bool IsResolved(Finding f) => !monitor.Findings.Any(x => x.Rule == f.Rule);

    /// <summary>What the verdict asks of the reader, in one sentence (after "Verdict: NAME").</summary>
    public string VerdictAdvice() => Advice() + (Provisional() is { } provisional ? " " + provisional : "") + (CutShort() is { } cut ? " " + cut : "")
        + (Unresolved() is { } paths ? " " + paths : "");

    /// <summary>
    /// What the commands cannot know: relative paths of the run that resolve neither from here nor from where it trained (a
    /// copied run folder whose origin is gone or unrecorded), or null.
    /// </summary>
    string? Unresolved() =>
        monitor.Context.UnresolvedPaths is { Count: > 0 } paths && monitor.Findings.Any(f => f.Actions.Any(a => a.Command is not null))
            ? $"The run's {string.Join(", ", paths)} (relative to the folder it was trained in, which is not known or no longer has it) does not resolve from here: give the path in its place in the commands below."
            : null;

    string Advice() => monitor.Verdict switch
    {
        Verdict.Stop when ended is not null => (monitor.ShouldStop(out var why) ? why + ". " : "") +
            $"The run has ended ({ended}): its best checkpoint stands; the actions below are for the next run.",
        Verdict.Stop => (monitor.ShouldStop(out var reason) ? reason + ". " : "") + "This run will not improve as configured; apply the actions below and start a new run.",
        Verdict.Continue when ended is not null => $"Warnings only, on a run that has ended ({ended}): its best checkpoint stands; read the warnings below before the next run.",
        Verdict.Continue => "Warnings only: keep training, watch the signals below.",
        _ when Resolved() is { Count: > 0 } resolved => "No warning and no critical finding now; what was raised during the run no longer holds (" +
            string.Join(", ", resolved.Select(f => $"{f.Rule} at epoch {f.Epoch}")) + ": the later epochs do not show it).",
        _ => "No warning and no critical finding.",
    };

    /// <summary>The verdict.</summary>
    public Verdict Verdict => monitor.Verdict;

    /// <summary>The findings, most serious first.</summary>
    public IReadOnlyList<Finding> Findings => monitor.Findings;

    /// <summary>Writes diagnosis.md, diagnosis.json and (unless <paramref name="plots"/> is false) the PNG plots into <paramref name="dir"/>; returns the paths written.</summary>
    public IReadOnlyList<string> WriteAll(string dir, bool plots = true)
    {
        SafeWrite.Folder(dir, "--out");
        var files = new List<string>();
        if (plots) files.AddRange(DiagnosisPlots.WriteAll(monitor.History, dir));
        string md = Path.Combine(dir, MarkdownFile);
        File.WriteAllText(md, ToMarkdown(files.Select(Path.GetFileName).OfType<string>().ToList()));
        string json = Path.Combine(dir, JsonFile);
        File.WriteAllText(json, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        files.Insert(0, json);
        files.Insert(0, md);
        return files;
    }

    /// <summary>The machine-readable diagnosis.</summary>
    public JsonObject ToJson()
    {
        var h = monitor.History;
        var best = h.Where(m => m.ValLoss is { } v && double.IsFinite(v)).MinBy(m => m.ValLoss!.Value);
        monitor.ShouldStop(out string reason);
        return new JsonObject
        {
            ["verdict"] = Finding.VerdictName(monitor.Verdict),
            ["reason"] = reason.Length > 0 ? reason : null,
            ["advice"] = VerdictAdvice(),              // what the verdict asks of the reader: "continue" on an ended run is not "keep training"
            ["ended"] = ended,
            ["provisional"] = Provisional(),         // why a healthy or continue verdict says little yet (interrupted, inside the grace period), else null
            ["cut_short"] = CutShort(),              // the budget or the wall clock ended the run while it still improved, else null
            ["source"] = source,
            ["epochs"] = h.Count,
            ["last_epoch"] = h.Count > 0 ? h[^1].Epoch : null,
            ["best_val_loss_epoch"] = best?.Epoch,
            ["findings"] = new JsonArray(monitor.Findings.Select(FindingJson).ToArray<JsonNode?>()),
            ["timeline"] = new JsonArray(monitor.Raised.Select(f => (JsonNode?)new JsonObject
            {
                ["epoch"] = f.Epoch,
                ["rule"] = f.Rule,
                ["severity"] = Finding.SeverityName(f.Severity),
                ["title"] = f.Title,
                ["resolved"] = IsResolved(f), // the last epochs no longer show its rule: a verdict of "healthy" beside a critical entry says why
            }).ToArray()),
        };
    }

    static JsonObject FindingJson(Finding f) => new()
    {
        ["rule"] = f.Rule,
        ["severity"] = Finding.SeverityName(f.Severity),
        ["epoch"] = f.Epoch,
        ["first_epoch"] = f.FirstEpoch,
        ["title"] = f.Title,
        ["evidence"] = new JsonArray(f.Evidence.Select(e => (JsonNode?)new JsonObject
        {
            ["name"] = e.Name,
            ["value"] = double.IsFinite(e.Value) ? JsonValue.Create(e.Value) : JsonValue.Create(Evidence.Format(e.Value)),
            ["epoch"] = e.Epoch,
        }).ToArray()),
        ["explanation"] = f.Explanation,
        ["actions"] = new JsonArray(f.Actions.Select(a => (JsonNode?)new JsonObject
        {
            ["description"] = a.Description,
            ["command"] = a.Command,
        }).ToArray()),
    };

    /// <summary>The human report (markdown); <paramref name="plotFiles"/> are linked at the end.</summary>
    public string ToMarkdown(IReadOnlyList<string>? plotFiles = null)
    {
        var sb = new StringBuilder();
        var h = monitor.History;
        var verdict = monitor.Verdict;
        sb.AppendLine($"# Training diagnosis: {Finding.VerdictName(verdict).ToUpperInvariant()}");
        sb.AppendLine();
        sb.AppendLine($"Source: `{source}`. Epochs observed: {h.Count}" + (h.Count > 0 ? $" ({h[0].Epoch}..{h[^1].Epoch})." : "."));
        sb.AppendLine();
        sb.AppendLine($"**Verdict: {Finding.VerdictName(verdict)}.** {VerdictAdvice()}");
        sb.AppendLine();
        if (monitor.Findings.Count > 0)
        {
            sb.AppendLine("| severity | rule | first seen | summary |");
            sb.AppendLine("|---|---|---|---|");
            foreach (var f in monitor.Findings)
                sb.AppendLine($"| {Finding.SeverityName(f.Severity)} | {f.Rule} | {(f.FirstEpoch is { } e ? "epoch " + e : "before training")} | {Cell(f.Title)} |");
            sb.AppendLine();
        }
        foreach (var f in monitor.Findings)
            AppendFinding(sb, f);
        AppendGapTable(sb, h);
        AppendTimeline(sb);
        AppendSamples(sb, h);
        AppendPlots(sb, plotFiles);
        return sb.ToString();
    }

    /// <summary>One finding: title, evidence, explanation and the numbered actions with their commands.</summary>
    static void AppendFinding(StringBuilder sb, Finding f)
    {
        sb.AppendLine($"## {Finding.SeverityName(f.Severity)}: {f.Rule}");
        sb.AppendLine();
        sb.AppendLine(f.Title + ".");
        sb.AppendLine();
        if (f.Evidence.Count > 0)
        {
            sb.AppendLine("Evidence: " + string.Join("; ", f.Evidence.Select(e => "`" + e + "`")) + ".");
            sb.AppendLine();
        }
        sb.AppendLine(f.Explanation);
        sb.AppendLine();
        sb.AppendLine("What to do:");
        sb.AppendLine();
        int k = 1;
        foreach (var a in f.Actions)
        {
            sb.AppendLine($"{k++}. {a.Description}");
            if (a.Command is not null)
            {
                sb.AppendLine("   ```bash");
                sb.AppendLine("   " + a.Command);
                sb.AppendLine("   ```");
            }
        }
        sb.AppendLine();
    }

    /// <summary>Links to the plots, or why none were drawn.</summary>
    static void AppendPlots(StringBuilder sb, IReadOnlyList<string>? plotFiles)
    {
        if (plotFiles is { Count: 0 } && DiagnosisPlots.FontFile is null)
        {
            sb.AppendLine("Plots were not drawn: no TrueType font found (install fonts-dejavu-core or set GLOSSA_PLOT_FONT to a .ttf file).");
            sb.AppendLine();
        }
        if (plotFiles is { Count: > 0 })
        {
            sb.AppendLine("## Plots");
            sb.AppendLine();
            foreach (var p in plotFiles)
                sb.AppendLine($"![{Path.GetFileNameWithoutExtension(p)}]({p})");
            sb.AppendLine();
        }
    }

    /// <summary>The reference run's table: train and validation loss, their gap and WER at a few epochs (first, best, last, spaced between).</summary>
    static void AppendGapTable(StringBuilder sb, IReadOnlyList<EpochMetrics> h)
    {
        if (h.Count == 0) return;
        var best = h.Where(m => m.ValLoss is { } v && double.IsFinite(v)).MinBy(m => m.ValLoss!.Value);
        var rows = SelectRows(h, best, 10);
        sb.AppendLine("## Train/validation gap");
        sb.AppendLine();
        sb.AppendLine("| epoch | train loss | val loss | gap | train WER | val WER | blank | empty | note |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        double? bestGap = best is null ? null : best.ValLoss - best.TrainLoss;
        foreach (var m in rows)
        {
            double? gap = m.ValLoss - m.TrainLoss;
            string note = ReferenceEquals(m, best) ? "best val loss"
                : best is not null && m.Epoch > best.Epoch && gap > bestGap + 0.5 ? "gap widening"
                : "";
            sb.AppendLine($"| {m.Epoch} | {N(m.TrainLoss)} | {N(m.ValLoss)} | {N(gap, signed: true)} | {N(m.TrainWer)} | {N(m.ValWer)} | {P(m.BlankRatio)} | {P(m.EmptyRate)} | {note} |");
        }
        sb.AppendLine();
    }

    static List<EpochMetrics> SelectRows(IReadOnlyList<EpochMetrics> h, EpochMetrics? best, int max)
    {
        if (h.Count <= max) return h.ToList();
        var set = new SortedSet<int> { 0, h.Count - 1 };
        if (best is not null) set.Add(h.ToList().IndexOf(best));
        for (int i = 1; set.Count < max && i < max; i++)
            set.Add((int)Math.Round(i * (h.Count - 1) / (double)(max - 1)));
        return set.Select(i => h[i]).ToList();
    }

    void AppendTimeline(StringBuilder sb)
    {
        var raised = monitor.Raised.Where(f => f.Severity >= Severity.Warning).ToList();
        if (raised.Count == 0) return;
        sb.AppendLine("## When the doctor saw it");
        sb.AppendLine();
        foreach (var f in raised)
            sb.AppendLine($"- {(f.Epoch is { } e ? "epoch " + e : "before training")}: {Finding.SeverityName(f.Severity)} {f.Rule}: {f.Title}");
        sb.AppendLine();
    }

    static void AppendSamples(StringBuilder sb, IReadOnlyList<EpochMetrics> h)
    {
        var withSamples = h.LastOrDefault(m => m.Samples is { Count: > 0 });
        if (withSamples is null) return;
        sb.AppendLine($"## Sample predictions (epoch {withSamples.Epoch})");
        sb.AppendLine();
        sb.AppendLine("| id | target | prediction | words (target/pred) |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var s in withSamples.Samples!.Take(10))
            sb.AppendLine($"| {Cell(s.Id)} | {Cell(s.Target)} | {(s.Pred.Trim().Length == 0 ? "*(empty)*" : Cell(s.Pred))} | {Words(s.Target)}/{Words(s.Pred)} |");
        sb.AppendLine();
    }

    internal static int Words(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");

    static string N(double? v, bool signed = false) =>
        v is not { } x ? "" : signed && x > 0 ? "+" + Evidence.Format(x) : Evidence.Format(x);

    static string P(double? v) => v is { } x ? (x * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%" : "";
}
