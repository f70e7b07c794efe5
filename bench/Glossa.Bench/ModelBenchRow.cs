namespace Glossa.Bench;

/// <summary>
/// One line of <c>glossa model bench</c> (<see cref="ModelStepBenchmark"/>): Glossa's median beside PyTorch's in every allocator
/// configuration; <see cref="Ratio"/> is taken against the fastest of them (<see cref="PytorchBest"/>).
/// </summary>
public sealed record ModelBenchRow(string Model, string Mode, string Variant, int Size, int Batch, int Frames, double GlossaMs,
    double? PytorchMs, string? PytorchBest, IReadOnlyDictionary<string, double>? PytorchConfigs, double? Ratio,
    double? GlossaFramesPerSecond, double? PytorchFramesPerSecond, double? PytorchFoldChannelsLastMs = null)
{
    /// <summary>A row from Glossa's median and the reference run (null when PyTorch was skipped); frames/s for inference rows.</summary>
    public static ModelBenchRow Of(string model, string mode, string variant, int size, int batch, int frames, double glossaMs, ReferenceRunner.Result? torch, double? foldMs = null)
    {
        bool infer = mode == "infer";
        return new ModelBenchRow(model, mode, variant, size, batch, frames, glossaMs, torch?.BestMs, torch?.Best, torch?.Configs,
            torch is null ? null : glossaMs / torch.BestMs,
            infer ? batch * frames * 1000.0 / glossaMs : null,
            infer && torch is not null ? batch * frames * 1000.0 / torch.BestMs : null, foldMs);
    }
}
