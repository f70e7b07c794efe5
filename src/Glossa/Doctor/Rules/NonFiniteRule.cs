using Glossa.Training;
using static Glossa.Doctor.Rules.HistoryMath;

namespace Glossa.Doctor.Rules;

/// <summary>non_finite: a NaN or infinite loss in the history, or reported by the trainer with the module that produced it.</summary>
internal static class NonFiniteRule
{
    public static Finding? Evaluate(RuleInput r)
    {
        foreach (var m in r.History)
        {
            if (!double.IsFinite(m.TrainLoss))
                return Build(r, m.Epoch, null, null, "train_loss", m.TrainLoss);
            if (m.ValLoss is { } v && !double.IsFinite(v))
                return Build(r, m.Epoch, null, null, "val_loss", v);
        }
        return null;
    }

    public static Finding Build(RuleInput r, int epoch, long? step, string? module, string quantity, double value)
    {
        var ev = new List<Evidence> { new(quantity, value, epoch) };
        if (step is { } s) ev.Add(new("step", s, epoch));
        string where = module is null ? "" : $"; first non-finite output in module '{module}'";
        return new Finding
        {
            Rule = RuleIds.NonFinite,
            Severity = Severity.Critical,
            Epoch = epoch,
            Title = $"{quantity} is {Evidence.Format(value)} at epoch {epoch}" + (step is { } st ? $", step {st}" : "") + where,
            Evidence = ev,
            Explanation =
                "A NaN or infinite value poisons every weight it touches; training cannot continue from here. " +
                (module is null
                    ? "Rerun with the non-finite probe (forward hooks on every module) to find the first module whose output is not finite. "
                    : $"'{module}' is the first module (in call order) whose output was not finite, so the problem starts there or in its input. ") +
                (ModestRate(r) is { } lr
                    ? $"The learning rate {F(lr)} is modest, so it is unlikely to be the cause alone: look first at " +
                      (TinyModel(r) is { } tiny ? $"the model's size ({tiny}: so few units can saturate or divide by a vanishing norm), " : "") +
                      "a broken clip (empty or constant frames), loaded weights, log of zero / division by zero in a custom layer, or infinite CTC losses of infeasible clips without zero_infinity."
                    : "Usual causes: a learning rate too high, log of zero / division by zero in a custom layer, a broken clip (empty or constant frames), or infinite CTC losses of infeasible clips without zero_infinity."),
            Actions = Actions(r, epoch, step),
        };
    }

    /// <summary>The configured peak rate when it is known and not above <see cref="DoctorOptions.HighLearningRate"/>, else null.</summary>
    static double? ModestRate(RuleInput r) => r.PeakLearningRate is { } lr && lr <= r.Options.HighLearningRate ? lr : null;

    /// <summary>The options that make the model very small (hidden size at most 8, temporal channels at most 4).</summary>
    static List<string> TinyOptions(RuleInput r)
    {
        var list = new List<string>();
        if (r.Run.Training?.HiddenDim is <= 8) list.Add("hidden-dim");
        if (r.Run.Training?.TemporalChannels is <= 4) list.Add("temporal-channels");
        if (r.Run.Training is null && r.Option("hidden-dim") is <= 8) list.Add("hidden-dim");
        if (r.Run.Training is null && r.Option("temporal-channels") is <= 4) list.Add("temporal-channels");
        return list;
    }

    /// <summary>"hidden size 8, temporal channels 4": the options that make the model very small, or null.</summary>
    static string? TinyModel(RuleInput r) => TinyOptions(r) is { Count: > 0 } t
        ? string.Join(", ", t.Select(o => o == "hidden-dim" ? $"hidden size {r.Option("hidden-dim") ?? r.Run.Training?.HiddenDim}" : $"temporal channels {r.Run.Training?.TemporalChannels ?? r.Option("temporal-channels")}"))
        : null;

    static List<FindingAction> Actions(RuleInput r, int epoch, long? step)
    {
        var list = new List<FindingAction>();
        // Non-finite in the first steps of a run that starts from loaded weights: the weights are the first suspect
        // (no learning rate has had time to blow anything up).
        if (r.Run.Training?.Pretrained is { } weights && epoch <= 1 && step is null or <= 2)
            list.Add(Advice.Command(r, $"The first steps already fail: the loaded weights ({weights}) may hold NaN/inf values. Train without them (and check the file)", ("pretrained", null)));
        var lower = Advice.Command(r, "Restart from the last good checkpoint with a lower learning rate and gradient clipping", ("learning-rate", Advice.LowerLearningRate(r)), ("clip-grad-norm", 1.0));
        var inspect = new FindingAction("Inspect the dumped batch (clip ids and labels) for empty or constant frames and labels longer than the clip.");
        // At a modest rate the rate is not blamed first (a new user's trial: NaN in epoch 1-2 with --hidden-dim 8 at any rate was
        // told to lower it): the model's size and the data come first, a lower rate only if it happens again.
        if (ModestRate(r) is not null)
        {
            if (TinyModel(r) is { } tiny)
                list.Add(Advice.Command(r, $"The model is very small ({tiny}): train it at the model's default size", [.. TinyOptions(r).Select(o => (o, (object?)null))]));
            list.Add(inspect);
            list.Add(lower with { Description = "If it happens again at this rate: a lower learning rate and gradient clipping, from the last good checkpoint" });
            return list;
        }
        list.Add(lower);
        list.Add(inspect);
        return list;
    }
}
