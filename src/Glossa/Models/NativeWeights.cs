using TorchSharp;

namespace Glossa.Models;

/// <summary>
/// TorchSharp's native weight format (<c>module.save</c>, a Glossa checkpoint's <c>model.bin</c>)
/// as a <c>--pretrained</c> source: loaded by name into the parts of the model that match.
/// </summary>
public static class NativeWeights
{
    /// <summary>
    /// Loads the tensors of <paramref name="path"/> whose names and shapes match
    /// <paramref name="module"/>; null when the file is not TorchSharp weights of a matching model.
    /// </summary>
    public static LoadReport? TryLoad(torch.nn.Module module, string path)
    {
        var loaded = new Dictionary<string, bool>(StringComparer.Ordinal);
        try
        {
            module.load(path, strict: false, loadedParameters: loaded);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or FormatException or OverflowException or OutOfMemoryException)
        {
            return null;
        }
        var names = module.state_dict().Keys.ToList();
        var got = names.Where(n => loaded.TryGetValue(n, out bool ok) && ok).ToList();
        return got.Count == 0 ? null : new LoadReport(got, names.Except(got).ToList(), [], []);
    }
}
