using Glossa.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glossa.Tests.Training;

/// <summary>
/// Test double of a recogniser with the real forward contract (frames (B,T,3,H,W), lengths (B))
/// -> CslrOutput((B,T',C), (B)): per-frame conv + pooling, a stride-2 temporal conv, a classifier.
/// Small enough to train in seconds on 16x16 frames.
/// </summary>
internal sealed class TinyCslrModel : nn.Module<Tensor, Tensor, CslrOutput>
{
    readonly Conv2d frame;
    readonly Conv1d temporal;
    readonly Dropout dropout;
    readonly Linear classifier;

    public TinyCslrModel(int classes, int width = 32, double dropoutP = 0.1) : base("tiny")
    {
        frame = nn.Conv2d(3, 16, kernel_size: 3, stride: 2, padding: 1);
        temporal = nn.Conv1d(16, width, kernel_size: 3, stride: 2, padding: 1);
        dropout = nn.Dropout(dropoutP);
        classifier = nn.Linear(width, classes);
        RegisterComponents();
    }

    /// <summary>Output frames for n input frames (the stride-2 conv's formula).</summary>
    public static int OutputLength(int n) => (n + 2 - 3) / 2 + 1;

    public override CslrOutput forward(Tensor frames, Tensor lengths)
    {
        long b = frames.shape[0], t = frames.shape[1];
        var x = frames.reshape(b * t, frames.shape[2], frames.shape[3], frames.shape[4]); // (B,T,3,H,W) -> (B*T,3,H,W)
        x = nn.functional.relu(frame.call(x)).mean([2, 3]);                                   // (B*T,16)
        x = x.reshape(b, t, -1).transpose(1, 2);                                            // (B*T,16) -> (B,16,T)
        x = nn.functional.relu(temporal.call(x)).transpose(1, 2);                              // (B,W,T') -> (B,T',W)
        var logits = classifier.call(dropout.call(x));                                      // (B,T',C)
        var outLengths = torch.div(lengths - 1, 2, rounding_mode: RoundingMode.floor) + 1;
        return new CslrOutput(logits, outLengths.to_type(ScalarType.Int64));
    }
}
