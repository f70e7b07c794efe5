using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>
/// The rules built on the <see cref="RunContext"/>: ctc_infeasible and data_mismatch (judged once,
/// before the first epoch) and capacity (judged each epoch, because it is only a cause of overfitting).
/// </summary>
internal static class StaticRules
{
    public static Finding? CtcInfeasible(RuleInput r)
    {
        var c = r.Context;
        var o = r.Options;
        if (c.InfeasibleClips is not { } bad || c.CheckedClips is not { } total || total <= 0 || bad <= 0)
            return null;
        double share = (double)bad / total;
        // Clips of an evaluated split (diagnose --checkpoint --split dev) cost WER, not training: never critical, never "stop".
        string? evaluated = c.InfeasibleSplit;
        var severity = share >= o.InfeasibleCriticalShare && evaluated is null ? Severity.Critical : share >= o.InfeasibleWarnShare ? Severity.Warning : Severity.Info;
        var ev = new List<Evidence> { new("infeasible_clips", bad), new("checked_clips", total), new("infeasible_share", share) };
        if (c.TemporalStride is { } st) ev.Add(new("temporal_stride", st));
        string examples = c.InfeasibleExamples is { Count: > 0 } ex ? " (e.g. " + string.Join(", ", ex.Take(5)) + ")" : "";
        var actions = new List<FindingAction>();
        // --max-frames subsamples every longer clip to that many frames: when it is below the trainer's default, the clips
        // were cut short by the option, and giving them their frames back is the direct fix.
        if (MaxFramesCut(r) is { } mf)
            actions.Add(Advice.Command(r, $"--max-frames {mf} subsamples longer clips to {mf} frames, too few outputs for their labels: give them their frames back", ("max-frames", Training.TrainingOptions.DefaultMaxFrames)));
        actions.Add(Advice.CheckFeasibility(r, c.TemporalStride));
        if (c.TemporalStride is { } s && s > 1)
            actions.AddRange(Advice.SmallerStride(r, s));
        actions.Add(new(evaluated is null
            ? $"Remove or fix the infeasible clips{examples}: check their frame count and labels."
            : $"Check the infeasible clips{examples}: their frame count and labels (a wrong label or a clip cut short), before comparing this split's WER with others'."));
        actions.Add(new("Check that frames are not subsampled more than intended (frame step, fps) when reading the corpus."));
        return new Finding
        {
            Rule = RuleIds.CtcInfeasible,
            Severity = severity,
            Title = $"{bad} of {total} {(evaluated is null ? "" : evaluated + " ")}clips ({Pct(share)}) are too short for CTC" + (c.TemporalStride is { } t ? $" at temporal stride {t}" : ""),
            Evidence = ev,
            Explanation =
                "CTC can align a label sequence only if the model gives at least as many output frames as labels plus one blank between each pair of repeated neighbours. " +
                (evaluated is null
                    ? "For a shorter clip the loss is infinite (or zeroed by zero_infinity), so it teaches nothing except, at best, blanks; Glossa's trainer leaves such clips out and lists them at the top of training.log, so their labels are never learned." +
                      (severity == Severity.Critical ? " With this share of the data unusable the run cannot learn well." : "")
                    : $"These {evaluated} clips give fewer output frames than their labels need, so no model at this stride can recognise them in full: each loses glosses however well the model learns. " +
                      $"'evaluate', training's validation and this diagnosis score them (the glosses they cannot give count in the split's WER) and leave them out of the validation loss only. They do not affect training."),
            Actions = actions,
        };
    }

    /// <summary>The run's --max-frames when it is below the trainer's default (the clips were cut short by the option), else null.</summary>
    static int? MaxFramesCut(RuleInput r) => r.Run.Training?.MaxFrames is { } mf && mf < Training.TrainingOptions.DefaultMaxFrames ? mf : null;

    /// <summary>
    /// ctc_infeasible's first fix as train options: the frames --max-frames took back, else the smaller stride
    /// (<see cref="Advice.StrideFix"/>); empty when there is none to give.
    /// </summary>
    public static IReadOnlyList<(string Name, object Value)> CtcFix(RuleInput r)
    {
        if (MaxFramesCut(r) is not null) return [("max-frames", Training.TrainingOptions.DefaultMaxFrames)];
        return r.Context.TemporalStride is { } s && s > 1 && Advice.StrideFix(r.Run, s) is { } fix ? [(fix.Name, fix.Value)] : [];
    }

    public static Finding? Capacity(RuleInput r)
    {
        var c = r.Context;
        var o = r.Options;
        if (c.ParamsPerSample is not { } pps || pps <= o.ParamsPerSampleInfo) return null;
        // Parameters per clip alone predicts nothing (on the run library tiny students at 11,000 per clip reach 2% WER,
        // and the reference run's 6,000 per clip overfit): it is named only as a likely cause of an overfitting the history shows.
        if (r.History.Count == 0 || OverfittingRule.Evaluate(r) is null) return null;
        // Always an info note: it names a possible cause of the overfitting the history shows and never changes the verdict.
        string model = c.ModelName is { } m ? $"{m} has" : "The model has";
        return new Finding
        {
            Rule = RuleIds.Capacity,
            Severity = Severity.Info,
            Epoch = r.Last.Epoch,
            Title = $"{F(pps)} trainable parameters per training clip ({F(c.ParameterCount!.Value)} parameters, {c.TrainingSamples} clips), noted beside the overfitting",
            Evidence = [new("parameter_count", c.ParameterCount!.Value), new("training_samples", c.TrainingSamples!.Value), new("params_per_sample", pps)],
            Explanation =
                $"{model} {F(pps)} trainable parameters per training clip. That ratio measures model size against the amount of training data, nothing else: " +
                "it says how easily the training set could be memorised, not whether it is. On the 36 runs the doctor is judged on (bench/doctor) it predicts nothing alone (small models at 11,000-22,000 per clip reach < 5% WER), " +
                "so it is only noted next to an overfitting the history shows. In a PHOENIX-2014 run reported to the team, 27M parameters on 4,376 clips (~6,000 per clip) overfit, while an 8M student (~1,800 per clip) trained better. " +
                "A large model on little data needs strong regularisation, a smaller temporal head, or distillation into the student.",
            Actions =
            [
                Advice.Command(r, r.Option("hidden-dim") is { } hidden
                        ? $"Halve the hidden size of the temporal model ({(int)hidden} -> {Advice.SmallerHidden(r)} here; in the PHOENIX-2014 run named above, 512 -> 256)"
                        : "Halve the hidden size of the temporal model (in the PHOENIX-2014 run named above, 512 -> 256)",
                    ("hidden-dim", Advice.SmallerHidden(r))),
                Advice.Command(r, $"Or keep the size and regularise harder: dropout {F(Advice.MoreDropout(r))}, weight decay {F(Advice.MoreWeightDecay(r))}", ("dropout", Advice.MoreDropout(r)), ("weight-decay", Advice.MoreWeightDecay(r))),
                .. (Advice.StudentIsSmaller(r) ? new[] { Advice.TrainStudent(r, "Or train the smaller MobileNetV3 student (~8M parameters)") } : []),
            ],
        };
    }

    /// <summary>data_mismatch: checkpoint and corpus vocabularies differ, validation glosses unknown to training, or skewed labels.</summary>
    public static Finding? DataMismatch(RuleInput r) => VocabularyMismatch(r.Context) ?? UnknownValidationGlosses(r.Context, r.Options) ?? SkewedLabels(r.Context, r.Options);

    static Finding? VocabularyMismatch(RunContext c)
    {
        // Also at equal sizes: another corpus of 30 glosses gives the same class count and other glosses (a new user's
        // checkpoint diagnosed on a second world was called not_learning and told to lower its rate).
        bool differs = c.VocabularyDifferences is { Count: > 0 };
        if (c.CheckpointVocabularySize is { } ck && c.CorpusVocabularySize is { } co && (ck != co || differs))
        {
            string diff = c.VocabularyDifferences is { Count: > 0 } d ? " Differences (- only in the checkpoint, + only in the corpus): " + string.Join(", ", d.Take(10)) + "." : "";
            return new Finding
            {
                Rule = RuleIds.DataMismatch,
                Severity = Severity.Critical,
                Title = ck != co ? $"checkpoint has {ck} output classes, corpus vocabulary has {co}"
                                 : $"checkpoint and corpus vocabularies both have {ck} classes but different glosses",
                Evidence = [new("checkpoint_vocabulary", ck), new("corpus_vocabulary", co)],
                Explanation = "The checkpoint's classifier was trained for another gloss vocabulary: its class indices mean different glosses here, so its predictions and WER are meaningless." + diff,
                Actions =
                [
                    new("Use the vocabulary saved with the checkpoint (its run folder) when reading the corpus, or train from scratch / re-initialise the classifier for the new vocabulary."),
                    new("Check that checkpoint and corpus are the same dataset and split (e.g. PHOENIX-2014 vs 2014-T glosses differ)."),
                ],
            };
        }
        return null;
    }

    static Finding? UnknownValidationGlosses(RunContext c, DoctorOptions o)
    {
        if (c.ValidationUnknownGlosses is { } unknown && c.ValidationGlosses is { } valTotal && valTotal > 0
            && (double)unknown / valTotal >= o.UnknownValidationShare)
        {
            double share = (double)unknown / valTotal;
            return new Finding
            {
                Rule = RuleIds.DataMismatch,
                Severity = Severity.Critical,
                Title = $"{unknown} of {valTotal} validation gloss occurrences ({Pct(share)}) are not in the training vocabulary" + (Named(c) is { } named ? $": {named}" : ""),
                Evidence = [new("validation_unknown_glosses", unknown), new("validation_glosses", valTotal), new("unknown_share", share)],
                Explanation = "The validation labels use glosses the model can never output (another spelling, another annotation convention, or another dataset's gloss set), " +
                              "so these count as errors whatever the training does: no training option fixes this, the labels must be made to agree.",
                Actions =
                [
                    new("Compare the gloss spellings of the training and validation annotations (case, suffixes like -PLUSPLUS or numbering, PHOENIX-2014 vs 2014-T) and map them to one vocabulary before training."),
                    new(Named(c, MaxUnknownNamed * 3) is { } all
                        ? $"The unknown glosses (occurrences in the validation split): {all}. The vocabulary the model learned is vocab.txt in the run folder."
                        : "The training log names how many validation gloss occurrences are unknown; the vocabulary the model learned is vocab.txt in the run folder."),
                ],
            };
        }
        return null;
    }

    /// <summary>How many unknown validation glosses a title names (the action names up to three times as many).</summary>
    const int MaxUnknownNamed = 8;

    /// <summary>"'regen' x12, 'sonne' x9, ... and 3 more": the unknown validation glosses, most frequent first, or null when not known.</summary>
    static string? Named(RunContext c, int max = MaxUnknownNamed)
    {
        if (c.ValidationUnknownGlossCounts is not { Count: > 0 } counts) return null;
        var top = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(max).Select(kv => $"'{kv.Key}' x{kv.Value}");
        return string.Join(", ", top) + (counts.Count > max ? $" and {counts.Count - max} more" : "");
    }

    static Finding? SkewedLabels(RunContext c, DoctorOptions o)
    {
        if (c.LabelCounts is not { Count: > 0 } counts) return null;
        long total = counts.Values.Sum(v => (long)v);
        if (total <= 0) return null;
        var top = counts.MaxBy(kv => kv.Value);
        double topShare = (double)top.Value / total;
        double rareShare = (double)counts.Count(kv => kv.Value < 3) / counts.Count;
        Severity severity;
        string title;
        // Info, never a warning: on the run library a skewed corpus (the sign world, one gloss at 32%) trained as well as its
        // planted problem allowed; the skew describes the data and does not say the run is failing.
        if (topShare > o.SkewTopShare) { severity = Severity.Info; title = $"gloss '{top.Key}' is {Pct(topShare)} of all training labels"; }
        else if (rareShare > o.RareGlossShare) { severity = Severity.Info; title = $"{Pct(rareShare)} of glosses occur fewer than 3 times in training"; }
        else return null;
        return new Finding
        {
            Rule = RuleIds.DataMismatch,
            Severity = severity,
            Title = title,
            Evidence = [new("top_gloss_share", topShare), new("rare_gloss_share", rareShare), new("glosses", counts.Count), new("label_tokens", total)],
            Explanation =
                "A skewed label distribution lets the model reach a low loss by predicting the few frequent glosses (or blank) and never the rest; rare glosses are hard to learn at all. " +
                "This is the \"frequent glosses only\" stage; a healthy run leaves it within a few epochs.",
            Actions =
            [
                new("Check the gloss cleaning (e.g. markers like __ON__/__OFF__, annotation symbols) and that labels were read from the right column."),
                new("Consider merging or mapping very rare glosses, or more data for them; report WER per frequent/rare gloss group."),
            ],
        };
    }
}
