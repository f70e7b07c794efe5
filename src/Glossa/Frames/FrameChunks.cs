using static TorchSharp.torch;

namespace Glossa.Frames;

/// <summary>
/// Evaluation-mode frames of a long clip in fixed-size chunks, with bounded memory: frames are
/// streamed from the source (ffmpeg for videos) and only one chunk is held at a time. For
/// recognising long videos piece by piece (streaming recognition, chunked inference).
/// </summary>
public static class FrameChunks
{
    /// <summary>
    /// Chunks of <paramref name="chunkFrames"/> frames (the last one may be shorter); consecutive
    /// chunks share <paramref name="overlap"/> frames so a recogniser can stitch them. The caller
    /// owns and disposes each chunk. <paramref name="onDecodeErrors"/>: as <see cref="FrameSource.Stream"/>.
    /// </summary>
    public static IEnumerable<FrameChunk> Read(FrameSource source, FrameOptions options, int chunkFrames, int overlap = 0, CancellationToken ct = default,
        Action<string>? onDecodeErrors = null)
    {
        options.Validate();
        if (chunkFrames < 1) throw new ArgumentOutOfRangeException(nameof(chunkFrames), "a chunk needs at least one frame");
        if (overlap < 0 || overlap >= chunkFrames) throw new ArgumentOutOfRangeException(nameof(overlap), "overlap must be in [0, chunkFrames)");
        var (w, h) = options.ResizeShorterSide > 0 ? options.ResizeFor(source.NativeSize().Width, source.NativeSize().Height) : (options.ResizeWidth, options.ResizeHeight);
        int frameBytes = w * h * 3;
        var pending = new byte[(long)chunkFrames * frameBytes];
        int count = 0, start = 0;
        bool newSinceLast = false;
        foreach (var frame in source.Stream(w, h, ct, onDecodeErrors))
        {
            frame.Pixels.AsSpan(0, frameBytes).CopyTo(pending.AsSpan(count * frameBytes, frameBytes));
            count++;
            newSinceLast = true;
            if (count < chunkFrames) continue;
            yield return Make(pending, count, w, h, options, start);
            newSinceLast = false;
            // Keep the last `overlap` frames as the start of the next chunk.
            pending.AsSpan((count - overlap) * frameBytes, overlap * frameBytes).CopyTo(pending);
            start += count - overlap;
            count = overlap;
        }
        if (newSinceLast && count > 0) yield return Make(pending, count, w, h, options, start);
    }

    static FrameChunk Make(byte[] pending, int count, int w, int h, FrameOptions o, int start)
    {
        var clip = new DecodedClip(count, w, h, pending);
        // (1, T, 3, H, W): centre crop, no augmentation, written in place.
        var frames = empty([1, count, 3, o.CropHeight, o.CropWidth], ScalarType.Float32);
        var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(frames.bytes);
        ClipTransform.Apply(clip, Enumerable.Range(0, count).ToArray(), ClipAugmentation.Centre(o, w, h), o, dst);
        return new FrameChunk(frames, start);
    }
}
