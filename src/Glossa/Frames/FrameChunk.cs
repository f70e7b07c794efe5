using static TorchSharp.torch;

namespace Glossa.Frames;

/// <summary>One chunk of a streamed clip (<see cref="FrameChunks"/>); owns its tensor.</summary>
/// <param name="Frames">(1, T, 3, CropHeight, CropWidth) float32, evaluation transforms applied.</param>
/// <param name="Start">Index of the chunk's first frame in the clip.</param>
public sealed record FrameChunk(Tensor Frames, int Start) : IDisposable
{
    /// <summary>Number of frames in the chunk.</summary>
    public int Length => (int)Frames.shape[1];

    public void Dispose() => Frames.Dispose();
}
