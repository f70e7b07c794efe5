namespace Glossa.Frames;

/// <summary>Whether random augmentation runs (training) or only the deterministic transforms (evaluation).</summary>
public enum FrameMode
{
    /// <summary>Random crop, flip, temporal rescale and colour jitter, drawn per clip from a seeded generator.</summary>
    Train,

    /// <summary>Resize, centre crop, frame cap and normalisation only; the same input always gives the same tensor.</summary>
    Eval,
}
