namespace Glossa.Recognition;

/// <summary>
/// Streaming progress: glosses that became stable since the previous update (no later frame can
/// change them), and how far behind the decoded frames the stable part is.
/// </summary>
/// <param name="Input">The input being recognised.</param>
/// <param name="NewGlosses">Glosses that became stable with this chunk, with their start times.</param>
/// <param name="DecodedFrames">Input frames decoded so far.</param>
/// <param name="StableFrames">Input frames whose outputs are final.</param>
/// <param name="Fps">Frame rate used for times.</param>
public sealed record StableUpdate(string Input, IReadOnlyList<RecognizedGloss> NewGlosses, int DecodedFrames, int StableFrames, double Fps)
{
    /// <summary>Frames decoded but not yet final.</summary>
    public int LagFrames => Math.Max(0, DecodedFrames - StableFrames);

    /// <summary><see cref="LagFrames"/> in seconds.</summary>
    public double LagSeconds => LagFrames / Fps;
}
