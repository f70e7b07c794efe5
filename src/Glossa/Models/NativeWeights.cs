using System.Text;
using Glossa.Common;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// TorchSharp's native weight format (<c>module.save</c>, a Glossa checkpoint's <c>model.bin</c>) read
/// into a state dict, every length checked against the file before anything is allocated: TorchSharp's
/// own <c>module.load</c> hands whatever bytes it finds to libtorch, so a zip or a truncated file became
/// an "internal error" with a native stack trace. Format: entry count, then per entry a key (7-bit length
/// prefixed UTF-8), dtype, rank, dims (LEB128 each) and the raw little-endian data.
/// </summary>
public static class NativeWeights
{
    static readonly HashSet<ScalarType> Readable =
    [
        ScalarType.Byte, ScalarType.Int8, ScalarType.Int16, ScalarType.Int32, ScalarType.Int64,
        ScalarType.Float16, ScalarType.Float32, ScalarType.Float64, ScalarType.Bool, ScalarType.BFloat16,
    ];

    /// <summary>
    /// Reads <paramref name="path"/> as TorchSharp weights; a file that is not one, or is cut short,
    /// throws a one-line <see cref="GlossaException"/> naming it (and the entry where it broke).
    /// </summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true));
        string? key = null;
        try
        {
            long count = Decode(reader);
            if (count is <= 0 or > 1_000_000)
                throw NotNative(path, $"an entry count of {count}");
            for (long i = 0; i < count; i++)
            {
                key = null;
                key = ReadKey(reader, path);
                result[key] = ReadTensor(reader, path, key);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or DecoderFallbackException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw result.Count == 0 && key is null
                ? NotNative(path, "no readable first entry")
                : new GlossaException($"{path}: TorchSharp weights cut short at entry {result.Count + 1} ('{key ?? "?"}'); the file is truncated or damaged: copy it again (or use the run's other checkpoint)", e);
        }
        catch (InvalidDataException e)
        {
            foreach (var t in result.Values) t.Dispose();
            throw NotNative(path, e.Message);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        if (stream.Position != stream.Length)
        {
            foreach (var t in result.Values) t.Dispose();
            throw NotNative(path, $"{stream.Length - stream.Position} bytes after the last of its {result.Count} entries");
        }
        return result;
    }

    static GlossaException NotNative(string path, string what) =>
        new($"{path}: not a PyTorch (.pt/.pth), safetensors or TorchSharp weight file ({what}); save a state dict with torch.save(model.state_dict(), path)");

    static string ReadKey(BinaryReader reader, string path)
    {
        long length = Decode(reader);
        if (length is <= 0 or > 4096)
            throw NotNative(path, $"a key of {length} bytes");
        byte[] bytes = reader.ReadBytes((int)length);
        if (bytes.Length < length) throw new EndOfStreamException();
        string key = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        if (key.Any(char.IsControl))
            throw NotNative(path, "a key with control characters");
        return key;
    }

    static Tensor ReadTensor(BinaryReader reader, string path, string key)
    {
        long type = Decode(reader);
        if (type > byte.MaxValue || !Readable.Contains((ScalarType)type))
            throw NotNative(path, $"entry '{key}' has dtype code {type}");
        long rank = Decode(reader);
        if (rank > 8)
            throw NotNative(path, $"entry '{key}' has {rank} dimensions");
        var shape = new long[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = Decode(reader);
            elements = shape[d] == 0 || elements <= long.MaxValue / Math.Max(1, shape[d]) ? elements * shape[d] : long.MaxValue;
        }
        long remaining = reader.BaseStream.Length - reader.BaseStream.Position;
        int elementSize = ElementSize((ScalarType)type);
        if (elements > remaining / elementSize)
            throw new EndOfStreamException();
        var tensor = empty(shape, dtype: (ScalarType)type);
        tensor.bytes = reader.ReadBytes((int)(elements * elementSize));
        return tensor;
    }

    static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        _ => 8,
    };

    /// <summary>LEB128, as TorchSharp writes counts, dtypes and dims; more than 9 bytes is not a count.</summary>
    static long Decode(BinaryReader reader)
    {
        long result = 0;
        for (int i = 0; ; i++)
        {
            if (i > 8) throw new InvalidDataException("a number of more than 9 bytes");
            long b = reader.ReadByte();
            result += (b & 0x7f) << (i * 7);
            if ((b & 0x80) == 0) return result;
        }
    }
}
