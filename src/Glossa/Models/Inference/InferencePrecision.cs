namespace Glossa.Models.Inference;

/// <summary>Arithmetic of the visual backbone on the inference path (the temporal layers and classifier stay fp32).</summary>
public enum InferencePrecision
{
    /// <summary>32-bit floats: the same greedy output as the training-mode model in eval.</summary>
    Fp32,
    /// <summary>bfloat16 convolutions (CPUs with avx512_bf16 or AMX, and CUDA): faster, log-probabilities differ slightly.</summary>
    Bf16,
}
