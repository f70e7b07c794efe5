namespace Glossa.Frames;

/// <summary>A clip stored as one image file (PNG or JPEG) per frame, in temporal order.</summary>
public sealed class FrameFileSource : FrameSource
{
    readonly IReadOnlyList<string> paths;

    /// <summary>Frames in temporal order.</summary>
    public FrameFileSource(IReadOnlyList<string> paths) => this.paths = paths;

    /// <summary>The frame files.</summary>
    public IReadOnlyList<string> Paths => paths;

    public override int KnownLength => paths.Count;

    public override (int Width, int Height) NativeSize() => ImageDecoder.Size(paths[0]);

    public override string Describe() =>
        paths.Count == 0 ? "(no frames)" : $"{paths[0]} (+{paths.Count - 1} frames)";

    public override DecodedClip Decode(int width, int height, IReadOnlyList<int>? indices = null, CancellationToken ct = default) =>
        Decode(width, height, indices, null, ct);

    /// <summary>
    /// Like <see cref="Decode(int, int, IReadOnlyList{int}?, CancellationToken)"/>, into
    /// <paramref name="buffer"/> when it is large enough (the loader passes pooled buffers so
    /// clips do not churn the large-object heap).
    /// </summary>
    public DecodedClip Decode(int width, int height, IReadOnlyList<int>? indices, byte[]? buffer, CancellationToken ct = default)
    {
        int n = indices?.Count ?? paths.Count;
        int frameBytes = width * height * 3;
        long needed = (long)n * frameBytes;
        var pixels = buffer is not null && buffer.LongLength >= needed ? buffer : new byte[needed];
        for (int i = 0; i < n; i++)
        {
            ct.ThrowIfCancellationRequested();
            int src = indices?[i] ?? i;
            // Repeated indices (temporal stretching) copy the frame just decoded instead of decoding again.
            if (i > 0 && indices is not null && indices[i - 1] == src)
                pixels.AsSpan((i - 1) * frameBytes, frameBytes).CopyTo(pixels.AsSpan(i * frameBytes, frameBytes));
            else
                ImageDecoder.DecodeResized(paths[src], width, height, pixels.AsSpan(i * frameBytes, frameBytes));
        }
        return new DecodedClip(n, width, height, pixels);
    }

    public override IEnumerable<RgbImage> Stream(int width, int height, CancellationToken ct = default, Action<string>? onDecodeErrors = null)
    {
        foreach (var path in paths)
        {
            ct.ThrowIfCancellationRequested();
            var pixels = new byte[width * height * 3];
            ImageDecoder.DecodeResized(path, width, height, pixels);
            yield return new RgbImage(width, height, pixels);
        }
    }
}
