namespace Glossa.Training;

/// <summary>Shape of the learning rate after the warm-up.</summary>
public enum LrScheduleKind
{
    /// <summary>Half-cosine from the peak down to the floor at the last epoch.</summary>
    Cosine,
    /// <summary>Piecewise constant: multiplied by a factor at each milestone epoch.</summary>
    Step,
    /// <summary>The peak rate throughout (reduce-on-plateau may still lower it).</summary>
    Constant,
}
