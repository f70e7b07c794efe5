namespace Glossa.Bench;

/// <summary>One target beside its measured figure.</summary>
/// <param name="Goal">The target, in words.</param>
/// <param name="Measured">The figure measured, in words.</param>
/// <param name="Met">Whether the target is met; null when it cannot be judged here.</param>
/// <param name="Benchmark">The benchmark that measured it.</param>
public sealed record BenchTarget(string Goal, string Measured, bool? Met, string Benchmark);
