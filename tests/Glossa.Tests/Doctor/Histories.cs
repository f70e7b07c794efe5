using Glossa.Training;

namespace Glossa.Tests.Doctor;

/// <summary>Histories used by the doctor tests: the reference run (the published failing run) and shapes from training-dynamics.md.</summary>
internal static class Histories
{
    /// <summary>
    /// The reference run's table (epochs 1, 25, 50, 60 train/val loss), val WER 90.83% and train WER 82.7% at
    /// epoch 60, over 90% blank frames and mostly empty predictions at epoch 60. Nothing else is known.
    /// </summary>
    public static List<EpochMetrics> Seed() =>
    [
        new() { Epoch = 1, TrainLoss = 44.59, ValLoss = 7.19 },
        new() { Epoch = 25, TrainLoss = 4.19, ValLoss = 4.90 },
        new() { Epoch = 50, TrainLoss = 2.87, ValLoss = 4.96 },
        new() { Epoch = 60, TrainLoss = 2.36, ValLoss = 5.29, TrainWer = 82.7, ValWer = 90.83, BlankRatio = 0.93, EmptyRate = 0.6 },
    ];

    /// <summary>
    /// A healthy run shaped like the measured one: stage 1 (pure blank) in epoch 1, stage 2
    /// ("frequent glosses only": WER ~74%, blank 0.75-0.88, hypotheses ~0.26 of the reference)
    /// for <paramref name="stage2Epochs"/> epochs, then a fast fall of the WER to ~0, blank ~0.5.
    /// </summary>
    public static List<EpochMetrics> Healthy(int stage2Epochs = 3, int stepsPerEpoch = 40, int epochs = 14)
    {
        var list = new List<EpochMetrics>
        {
            new() { Epoch = 1, TrainLoss = 6.0, ValLoss = 3.2, ValWer = 100, BlankRatio = 0.97, EmptyRate = 0.6, LengthRatio = 0.1, LearningRate = 3e-4, Steps = stepsPerEpoch, GradNormMean = 4, GradNormMax = 9, TrainLossMax = 12 },
        };
        double train = 2.7, val = 2.6;
        for (int i = 0; i < stage2Epochs; i++)
        {
            list.Add(Epoch(list.Count + 1, train, val, 74 - i * 0.3, 0.86 - i * 0.01, 0, 0.26, stepsPerEpoch));
            train *= 0.96; val *= 0.97;
        }
        double wer = 60;
        while (list.Count < epochs)
        {
            train *= 0.7; val *= 0.75;
            list.Add(Epoch(list.Count + 1, train, Math.Max(val, 0.2), wer, Math.Max(0.5, 0.75 - (60 - wer) / 120), 0, Math.Min(1, 0.5 + (60 - wer) / 100), stepsPerEpoch));
            wer = Math.Max(0.5, wer * 0.5);
        }
        return list;
    }

    static EpochMetrics Epoch(int e, double train, double val, double wer, double blank, double empty, double len, int steps) => new()
    {
        Epoch = e, TrainLoss = train, ValLoss = val, ValWer = wer, BlankRatio = blank, EmptyRate = empty, LengthRatio = len,
        LearningRate = 3e-4, Steps = (long)e * steps, GradNormMean = 2, GradNormMax = 5, TrainLossMax = train * 1.8,
    };

    /// <summary>A run thrown into the all-blank minimum (the shape of the real collapsed tiny run: lr 1, dead ReLUs).</summary>
    public static List<EpochMetrics> Collapsed(int epochs = 8, int stepsPerEpoch = 12) =>
        Enumerable.Range(1, epochs).Select(e => new EpochMetrics
        {
            Epoch = e, TrainLoss = e == 1 ? 326 : 2.2 + 0.01 * (e % 3), ValLoss = 2.18 + 0.01 * (e % 2), ValWer = 100, BlankRatio = 1.0, EmptyRate = 1.0, LengthRatio = 0,
            LearningRate = 1.0, Steps = (long)e * stepsPerEpoch, GradNormMean = e == 1 ? 70 : 0.2, GradNormMax = e == 1 ? 747 : 0.3, TrainLossMax = e == 1 ? 3803 : 2.35,
        }).ToList();
}
