namespace Glossa.Models.Inference;

/// <summary>The activation a <see cref="FusedConv"/> applies in place after its convolution.</summary>
public enum FusedActivation
{
    /// <summary>No activation (a projection conv).</summary>
    None,
    /// <summary>max(x, 0).</summary>
    ReLU,
    /// <summary>x * relu6(x + 3) / 6.</summary>
    HardSwish,
}
