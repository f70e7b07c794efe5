namespace Glossa.Recognition;

/// <summary>One recognised gloss with its time in the input.</summary>
/// <param name="Gloss">The gloss.</param>
/// <param name="Start">Start in seconds: first output frame x temporal stride / fps.</param>
/// <param name="Duration">Duration in seconds (output frames it spans x stride / fps).</param>
public sealed record RecognizedGloss(string Gloss, double Start, double Duration);
