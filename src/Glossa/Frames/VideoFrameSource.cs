namespace Glossa.Frames;

/// <summary>A clip stored as one video file, decoded by ffmpeg.</summary>
public sealed class VideoFrameSource : FrameSource
{
    readonly VideoDecoder decoder;

    /// <summary>A video decoded by <paramref name="decoder"/>.</summary>
    public VideoFrameSource(string path, VideoDecoder decoder)
    {
        Path = path;
        this.decoder = decoder;
    }

    /// <summary>The video file.</summary>
    public string Path { get; }

    public override int KnownLength => -1;

    public override (int Width, int Height) NativeSize() => decoder.Probe(Path);

    public override string Describe() => Path;

    public override DecodedClip Decode(int width, int height, IReadOnlyList<int>? indices = null, CancellationToken ct = default)
    {
        var all = decoder.ReadClip(Path, width, height, ct);
        return indices is null ? all : Pick(all, indices);
    }

    public override IEnumerable<RgbImage> Stream(int width, int height, CancellationToken ct = default, Action<string>? onDecodeErrors = null) =>
        decoder.ReadFrames(Path, width, height, ct, onDecodeErrors);

    static DecodedClip Pick(DecodedClip all, IReadOnlyList<int> indices)
    {
        int frameBytes = all.FrameBytes;
        var pixels = new byte[(long)indices.Count * frameBytes];
        for (int i = 0; i < indices.Count; i++)
            all.Frame(indices[i]).CopyTo(pixels.AsSpan(i * frameBytes, frameBytes));
        return new DecodedClip(indices.Count, all.Width, all.Height, pixels) { DecodeErrors = all.DecodeErrors };
    }
}
