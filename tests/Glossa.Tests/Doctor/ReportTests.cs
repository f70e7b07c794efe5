using System.Text.Json.Nodes;
using Glossa.Doctor;
using Glossa.Training;
using SkiaSharp;

namespace Glossa.Tests.Doctor;

public sealed class ReportTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("glossa-report-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Loss_plot_draws_the_auxiliary_terms_of_a_VAC_run()
    {
        var h = Enumerable.Range(1, 6).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = 10.0 / e, ValLoss = 11.0 / e,
            LossTerms = new Dictionary<string, double> { ["ctc"] = 10.0 / e, ["conv_ctc"] = 12.0 / e, ["align"] = 0.5 / e },
        }).ToList();
        Assert.Equal(["align", "conv_ctc"], DiagnosisPlots.AuxiliaryTerms(h));
        var plain = h.Select(m => m with { LossTerms = new Dictionary<string, double> { ["ctc"] = m.TrainLoss } }).ToList();
        Assert.Empty(DiagnosisPlots.AuxiliaryTerms(plain));
        var withTerms = DiagnosisPlots.Loss(h)!;
        var without = DiagnosisPlots.Loss(plain)!;
        Assert.Equal(without.GetPlottables().Count() + 2, withTerms.GetPlottables().Count());
    }

    [Fact]
    public void Writes_markdown_json_and_readable_plots()
    {
        var h = Histories.Seed();
        h[^1] = h[^1] with
        {
            Samples = [new("dev/01", "MILD NORD AUCH ZWOELF ZWISCHEN REGEN", ""), new("dev/02", "UND TAG BLEIBEN KUEHL", "ABER ZWANZIG")],
        };
        var report = new DiagnosisReport(HealthMonitor.Diagnose(h), "reference-run.csv");
        var files = report.WriteAll(dir);
        string[] names = ["diagnosis.md", "diagnosis.json", "loss.png", "wer.png", "blank_ratio.png", "length_ratio.png"];
        Assert.Equal(names.Order(), files.Select(Path.GetFileName).Order());

        string md = File.ReadAllText(Path.Combine(dir, "diagnosis.md"));
        Assert.StartsWith("# Training diagnosis: STOP", md);
        Assert.Contains("| 60 | 2.36 | 5.29 | +2.93 |", md);        // the reference run's table, recomputed
        Assert.Contains("| 25 | 4.19 | 4.9 | +0.71 |", md);
        Assert.Contains("*(empty)*", md);
        Assert.Contains("```bash", md);
        Assert.Contains("![loss](loss.png)", md);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "diagnosis.json")))!.AsObject();
        Assert.Equal("stop", (string?)json["verdict"]);
        var findings = json["findings"]!.AsArray();
        Assert.Contains(findings, f => (string?)f!["rule"] == "overfitting" && (string?)f["severity"] == "critical");
        foreach (var f in findings)
        {
            Assert.NotNull(f!["evidence"]!.AsArray()[0]!["value"]);
            Assert.False(string.IsNullOrEmpty((string?)f["explanation"]));
            Assert.NotNull(f["actions"]!.AsArray()[0]!["description"]);
        }

        Assert.NotNull(DiagnosisPlots.FontFile); // without a font the plots would be skipped, not written blank
        foreach (var png in files.Where(f => f.EndsWith(".png")))
        {
            using var bmp = SKBitmap.Decode(png);
            Assert.Equal(900, bmp.Width);
            Assert.Equal(520, bmp.Height);
            // Text and lines were drawn: many dark pixels, not a blank canvas.
            int dark = 0;
            for (int y = 0; y < bmp.Height; y += 2)
                for (int x = 0; x < bmp.Width; x += 2)
                    if (bmp.GetPixel(x, y).Red < 100) dark++;
            Assert.True(dark > 500, $"{png}: only {dark} dark pixels");
        }
    }

    [Fact]
    public void A_healthy_history_reports_healthy_and_skips_plots_without_data()
    {
        var h = new List<EpochMetrics> { new() { Epoch = 1, TrainLoss = 3, ValLoss = 2.9 }, new() { Epoch = 2, TrainLoss = 2, ValLoss = 1.9 } };
        var report = new DiagnosisReport(HealthMonitor.Diagnose(h), "h.csv");
        var files = report.WriteAll(dir);
        Assert.Equal(["diagnosis.md", "diagnosis.json", "loss.png"], files.Select(Path.GetFileName));
        Assert.Equal("healthy", (string?)report.ToJson()["verdict"]);
        Assert.Contains("**Verdict: healthy.**", File.ReadAllText(files[0]));
    }

    [Fact]
    public void A_finding_the_later_epochs_no_longer_show_is_marked_resolved_in_the_json_and_the_verdict_says_so()
    {
        // Collapsed for 5 epochs (a blank-collapse warning), then learning: healthy at the end, with the warning in the timeline.
        var h = Histories.Collapsed(5);
        h.AddRange(Enumerable.Range(6, 8).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = 2.0 * Math.Pow(0.7, e - 5), ValLoss = 2.1 * Math.Pow(0.72, e - 5), ValWer = Math.Max(2, 60 * Math.Pow(0.6, e - 5)),
            BlankRatio = 0.55, EmptyRate = 0, LengthRatio = 1, LearningRate = 1e-3, Steps = e * 12L, GradNormMean = 1, GradNormMax = 2, TrainLossMax = 1.5 * 2.0 * Math.Pow(0.7, e - 5),
        }));
        var report = new DiagnosisReport(HealthMonitor.Diagnose(h), "run");
        var json = report.ToJson();
        Assert.Equal("healthy", (string?)json["verdict"]);
        Assert.Empty(json["findings"]!.AsArray());
        var raised = json["timeline"]!.AsArray().Where(t => (string?)t!["severity"] != "info").ToList();
        Assert.NotEmpty(raised);
        Assert.All(raised, t => Assert.True((bool)t!["resolved"]!));
        Assert.Contains("no longer holds (", (string?)json["advice"]);
        Assert.Contains("blank_collapse at epoch", (string?)json["advice"]);
        // A finding still present is not resolved.
        var live = new DiagnosisReport(HealthMonitor.Diagnose(Histories.Collapsed(5)), "run").ToJson();
        Assert.All(live["timeline"]!.AsArray(), t => Assert.False((bool)t!["resolved"]!));
    }

    [Fact]
    public void Warnings_on_a_run_that_has_ended_do_not_say_keep_training()
    {
        var h = Histories.Collapsed(5);                     // a blank-collapse warning, not yet critical
        var live = new DiagnosisReport(HealthMonitor.Diagnose(h), "run");
        Assert.Equal(Verdict.Continue, live.Verdict);
        Assert.Contains("keep training", live.VerdictAdvice());
        Assert.Null((string?)live.ToJson()["ended"]);

        File.WriteAllText(Path.Combine(dir, RunFolder.SummaryFile), """{"status": "early_stopped", "message": "no val WER improvement for 6 epochs"}""");
        string? ended = RunRecord.Ended(dir);
        Assert.Equal("early stopped: no val WER improvement for 6 epochs", ended);
        var finished = new DiagnosisReport(HealthMonitor.Diagnose(h), "run", ended);
        Assert.DoesNotContain("keep training", finished.VerdictAdvice());
        Assert.Contains("has ended (early stopped: no val WER improvement for 6 epochs)", finished.ToMarkdown());
        Assert.Equal(ended, (string?)finished.ToJson()["ended"]);

        // An interrupted run can be resumed, a run without a summary still runs, a broken summary says nothing.
        File.WriteAllText(Path.Combine(dir, RunFolder.SummaryFile), """{"status": "interrupted", "message": "SIGTERM"}""");
        Assert.Null(RunRecord.Ended(dir));
        File.WriteAllText(Path.Combine(dir, RunFolder.SummaryFile), "{not json");
        Assert.Null(RunRecord.Ended(dir));
        File.Delete(Path.Combine(dir, RunFolder.SummaryFile));
        Assert.Null(RunRecord.Ended(dir));
    }
}
