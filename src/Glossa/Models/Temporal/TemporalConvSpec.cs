using Glossa.Common;

namespace Glossa.Models.Temporal;

/// <summary>
/// A VAC-style temporal conv description such as "K5-P2-K5-P2": Kn is a 1D convolution of kernel
/// n without padding (length L -> L - n + 1), Pn a max-pool of kernel and stride n without ceil
/// (L -> floor(L / n)). "K5-P2-K5-P2" has stride 4 and length ((L - 4) / 2 - 4) / 2, floored.
/// </summary>
public sealed record TemporalConvSpec(IReadOnlyList<TemporalConvSpec.Step> Steps)
{
    /// <summary>One layer: <paramref name="Kind"/> is 'K' (conv) or 'P' (max-pool).</summary>
    public sealed record Step(char Kind, int Size);

    /// <summary>Parses "K5-P2-K5-P2" (case-insensitive); "" or "none" gives no layers.</summary>
    public static TemporalConvSpec Parse(string spec)
    {
        var steps = new List<Step>();
        if (string.IsNullOrWhiteSpace(spec) || spec.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
            return new TemporalConvSpec(steps);
        foreach (string part in spec.Split('-', StringSplitOptions.TrimEntries))
        {
            char kind = part.Length > 0 ? char.ToUpperInvariant(part[0]) : '?';
            if (kind is not ('K' or 'P') || !int.TryParse(part.AsSpan(1), out int size) || size < 1 || size > 31)
                throw new GlossaException($"temporal conv '{spec}': part '{part}' is not Kn (conv kernel n) or Pn (max-pool n) with 1 <= n <= 31; example: K5-P2-K5-P2");
            steps.Add(new Step(kind, size));
        }
        return new TemporalConvSpec(steps);
    }

    /// <summary>Product of the pooling sizes: input frames per output frame.</summary>
    public int Stride => Steps.Where(s => s.Kind == 'P').Aggregate(1, (a, s) => a * s.Size);

    /// <summary>Output frames for <paramref name="frames"/> input frames (may be 0 or negative when the clip is too short).</summary>
    public long OutputLength(long frames)
    {
        foreach (Step s in Steps)
            frames = s.Kind == 'K' ? frames - (s.Size - 1) : (frames < 0 ? -1 : frames / s.Size);
        return frames;
    }

    /// <summary>The shortest input that gives at least <paramref name="outputFrames"/> output frames.</summary>
    public long MinimumInputLength(long outputFrames)
    {
        long frames = outputFrames;
        for (int i = Steps.Count - 1; i >= 0; i--)
            frames = Steps[i].Kind == 'K' ? frames + Steps[i].Size - 1 : frames * Steps[i].Size;
        return frames;
    }

    /// <inheritdoc/>
    public override string ToString() => Steps.Count == 0 ? "none" : string.Join("-", Steps.Select(s => $"{s.Kind}{s.Size}"));
}
