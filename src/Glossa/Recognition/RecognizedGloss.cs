namespace Glossa.Recognition;

/// <summary>One recognised gloss with its time in the input.</summary>
/// <param name="Gloss">The gloss.</param>
/// <param name="Start">Start in seconds: first output frame x temporal stride / fps.</param>
/// <param name="Duration">Duration in seconds (output frames it spans x stride / fps).</param>
public sealed record RecognizedGloss(string Gloss, double Start, double Duration)
{
    /// <summary>E.g. <c>SONNE at 1.20s for 0.40s</c>.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Gloss} at {Start:0.00}s for {Duration:0.00}s");
}
