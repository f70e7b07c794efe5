using Glossa.Training;

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
                "Usual causes: a learning rate too high, log of zero / division by zero in a custom layer, a broken clip (empty or constant frames), or infinite CTC losses of infeasible clips without zero_infinity.",
            Actions = Actions(r, epoch, step),
        };
    }

    static List<FindingAction> Actions(RuleInput r, int epoch, long? step)
    {
        var list = new List<FindingAction>();
        // Non-finite in the first steps of a run that starts from loaded weights: the weights are the first suspect
        // (no learning rate has had time to blow anything up).
        if (r.Run.Training?.Pretrained is { } weights && epoch <= 1 && step is null or <= 2)
            list.Add(Advice.Command(r, $"The first steps already fail: the loaded weights ({weights}) may hold NaN/inf values. Train without them (and check the file)", ("pretrained", null)));
        list.Add(Advice.Command(r, "Restart from the last good checkpoint with a lower learning rate and gradient clipping", ("learning-rate", Advice.LowerLearningRate(r)), ("clip-grad-norm", 1.0)));
        list.Add(new("Inspect the dumped batch (clip ids and labels) for empty or constant frames and labels longer than the clip."));
        return list;
    }
}
