using Glossa.Common;

namespace Glossa.Decoding;

/// <summary>Shape checks shared by the decoders, with messages that say what is inconsistent.</summary>
internal static class DecoderChecks
{
    public static void Shape(int length, int frames, int classes, int blank)
    {
        if (classes < 1) throw new GlossaException($"decoding: {classes} classes; the model must output at least the blank");
        if (frames < 0) throw new GlossaException($"decoding: negative frame count {frames}");
        if ((long)frames * classes != length)
            throw new GlossaException($"decoding: {length} log-probabilities do not form {frames} frames x {classes} classes");
        if ((uint)blank >= (uint)classes) throw new GlossaException($"decoding: blank index {blank} is outside 0..{classes - 1}");
    }

    public static void Batch(int length, int[] lengths, int maxFrames, int classes)
    {
        if ((long)lengths.Length * maxFrames * classes != length)
            throw new GlossaException($"decoding: {length} log-probabilities do not form {lengths.Length} x {maxFrames} frames x {classes} classes");
        for (int b = 0; b < lengths.Length; b++)
            if (lengths[b] < 0 || lengths[b] > maxFrames)
                throw new GlossaException($"decoding: utterance {b} has length {lengths[b]}, outside 0..{maxFrames}");
    }
}
