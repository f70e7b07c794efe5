using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// An exponential moving average of a model's weights (<c>--weight-average EPOCHS</c>): after every
/// optimizer step each floating-point parameter and buffer (BatchNorm's running statistics too) of
/// the shadow moves towards the model's by 1 - d, where d = 1 - 1/(epochs x steps per epoch), so
/// the average spans about that many epochs on any corpus size. Early in a run d is capped at
/// (1 + t)/(10 + t) after t steps, so the shadow does not remember the random initialisation.
/// Integer buffers (BatchNorm's batch counter) are copied. Validation and checkpoints use the
/// shadow (<see cref="Swap"/>); training goes on with the model's own weights.
/// </summary>
public sealed class WeightAverage : IDisposable
{
    readonly (Tensor Live, Tensor Shadow)[] averaged;
    readonly (Tensor Live, Tensor Shadow)[] copied;
    readonly double decay;

    /// <summary>Updates applied so far (restored on resume from the optimizer step count).</summary>
    public long Updates { get; set; }

    /// <param name="model">The model being trained; the shadow starts as a copy of its weights.</param>
    /// <param name="epochs">The span of the average in epochs (&gt; 0).</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch.</param>
    public WeightAverage(nn.Module model, double epochs, int stepsPerEpoch)
    {
        if (!(epochs > 0)) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "the average must span more than 0 epochs");
        decay = 1 - 1 / Math.Max(1, epochs * Math.Max(1, stepsPerEpoch));
        var all = model.parameters().Concat(model.buffers()).ToArray();
        using (no_grad())
        {
            averaged = all.Where(t => t.is_floating_point()).Select(t => (t, t.detach().clone())).ToArray();
            copied = all.Where(t => !t.is_floating_point()).Select(t => (t, t.detach().clone())).ToArray();
        }
    }

    /// <summary>The weight of the past in update number <paramref name="t"/> (0-based).</summary>
    public double DecayAt(long t) => Math.Min(decay, (1.0 + t) / (10.0 + t));

    /// <summary>Moves the shadow towards the model's current weights (call after each optimizer step).</summary>
    public void Update()
    {
        double weight = 1 - DecayAt(Updates);
        using (no_grad())
        {
            foreach (var (live, shadow) in averaged) shadow.lerp_(live, weight);
            foreach (var (live, shadow) in copied) shadow.copy_(live);
        }
        Updates++;
    }

    /// <summary>
    /// Exchanges the model's weights with the shadow's in place; a second call undoes it. Used as
    /// <c>using (average.Swap()) ...</c> to validate or save the averaged weights.
    /// </summary>
    public IDisposable Swap()
    {
        Exchange();
        return new Restore(this);
    }

    /// <summary>Makes the shadow a copy of the model's current weights (resuming a checkpoint, whose model weights are the average).</summary>
    public void CopyFromModel()
    {
        using (no_grad())
            foreach (var (live, shadow) in averaged.Concat(copied)) shadow.copy_(live);
    }

    void Exchange()
    {
        using (no_grad())
            foreach (var (live, shadow) in averaged.Concat(copied))
            {
                using var held = live.detach().clone();
                live.copy_(shadow);
                shadow.copy_(held);
            }
    }

    sealed class Restore(WeightAverage owner) : IDisposable
    {
        bool done;
        public void Dispose()
        {
            if (done) return;
            done = true;
            owner.Exchange();
        }
    }

    public void Dispose()
    {
        foreach (var (_, shadow) in averaged.Concat(copied)) shadow.Dispose();
    }
}
