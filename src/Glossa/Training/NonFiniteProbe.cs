using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Training;

/// <summary>
/// Finds the first module whose output is NaN or infinite (icefall's <c>--inf-check</c>): registers a
/// forward hook on every submodule, so that rerunning the failing batch through the model names
/// the module where the non-finite value first appears, in call order. Hooks run only when modules
/// are invoked with <c>.call()</c> (as the house style requires). Hooked: single-tensor modules
/// (<c>Module&lt;Tensor,Tensor&gt;</c>: convolutions, norms, linear, activations, sequentials, custom
/// blocks) and the recurrent LSTM/GRU modules. Dispose to remove the hooks.
/// </summary>
public sealed class NonFiniteProbe : IDisposable
{
    readonly List<Action> removers = [];

    /// <summary>Hooks every submodule of <paramref name="model"/> (and the model itself).</summary>
    public NonFiniteProbe(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Hook("(model)", model);
        foreach (var (name, module) in model.named_modules())
            if (!ReferenceEquals(module, model))
                Hook(name, module);
    }

    /// <summary>Name of the first module (call order) whose output had a NaN or infinity, or null.</summary>
    public string? FirstModule { get; private set; }

    /// <summary>Number of modules hooked.</summary>
    public int HookedModules => removers.Count;

    /// <summary>Forgets the recorded module so that the probe can watch another forward pass.</summary>
    public void Reset() => FirstModule = null;

    /// <summary>Runs <paramref name="forward"/> with the probe attached and returns the first module with a non-finite
    /// output, or, if no output was caught, the first parameter or buffer that is not finite; null if all is finite.</summary>
    public static string? Locate(nn.Module model, Action forward)
    {
        using var probe = new NonFiniteProbe(model);
        using (no_grad())
            forward();
        return probe.FirstModule ?? NonFiniteParameters(model).FirstOrDefault();
    }

    /// <summary>Names of parameters and buffers that contain a NaN or infinity.</summary>
    public static IReadOnlyList<string> NonFiniteParameters(nn.Module model)
    {
        var bad = new List<string>();
        using var scope = NewDisposeScope();
        foreach (var (name, p) in model.named_parameters())
            if (!Finite(p)) bad.Add(name);
        foreach (var (name, b) in model.named_buffers())
            if (b.is_floating_point() && !Finite(b)) bad.Add(name);
        return bad;
    }

    void Hook(string name, nn.Module module)
    {
        switch (module)
        {
            case nn.Module<Tensor, Tensor> m:
            {
                var remover = m.register_forward_hook((_, _, output) =>
                {
                    Check(name, output);
                    return output;
                });
                removers.Add(remover.remove);
                break;
            }
            case LSTM lstm:
                HookFirstOutput(name, lstm, output => output.Item1);
                break;
            case GRU gru:
                HookFirstOutput(name, gru, output => output.Item1);
                break;
        }
    }

    /// <summary>Recurrent modules return (output, state...): the output sequence is what the next module reads.</summary>
    void HookFirstOutput<T1, T2, TResult>(string name, nn.Module<T1, T2, TResult> module, Func<TResult, Tensor> first)
    {
        var remover = module.register_forward_hook((_, _, _, output) =>
        {
            Check(name, first(output));
            return output;
        });
        removers.Add(remover.remove);
    }

    void Check(string name, Tensor output)
    {
        if (FirstModule is null && output.is_floating_point() && !Finite(output))
            FirstModule = name;
    }

    static bool Finite(Tensor t)
    {
        using var scope = NewDisposeScope();
        return isfinite(t).all().item<bool>();
    }

    /// <summary>Removes every hook.</summary>
    public void Dispose()
    {
        foreach (var r in removers) r();
        removers.Clear();
    }
}
