using System.Collections;
using System.Text;
using System.Text.Json;
using Glossa.Common;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// Weight files in and out: PyTorch state dicts (<c>torch.save</c> zip format, as torchvision
/// downloads them and as PyTorch 1.6+ writes them, and the legacy pre-1.6 format of pytorch-i3d's
/// rgb_imagenet.pt) and .safetensors. Glossa's own checkpoints are <see cref="ModelCheckpoint"/>'s.
/// Imports report missing and unexpected keys instead of failing on the first one; strict loads
/// turn any difference into a <see cref="GlossaException"/> that lists them.
/// </summary>
public static class WeightIO
{
    /// <summary>Key under which single-file models of older Glossa versions store their <see cref="ModelConfig"/> (UTF-8 JSON as a uint8 tensor); never loaded as a weight.</summary>
    public const string ConfigKey = "glossa_config";

    /// <summary>
    /// Reads a state dict from a .pt/.pth (zip) or .safetensors file. Unwraps the usual wrappers
    /// (<c>{"state_dict": ...}</c>, <c>{"model": ...}</c>) and DataParallel's <c>module.</c> prefix.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path))
            throw new GlossaException($"{path}: weight file not found");
        if (new FileInfo(path).Length < 8)
            throw new GlossaException($"{path}: empty or truncated weight file ({new FileInfo(path).Length} bytes); copy it again or give another file");
        byte[] head = new byte[8];
        using (var probe = File.OpenRead(path))
            probe.ReadExactly(head, 0, (int)Math.Min(8, probe.Length));
        if (head[0] == (byte)'P' && head[1] == (byte)'K')
            return Unwrap(ReadTorchZip(path), path);
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return ReadSafetensors(path);
        if (head[0] == 0x80)
            return StripModulePrefix(LegacyTorchFile.Read(path));
        if (head[0] == (byte)'{' || BitConverter.ToUInt64(head) < 100_000_000)
            return ReadSafetensors(path);
        throw new GlossaException($"{path}: not a PyTorch zip (torch.save) or safetensors file");
    }

    static Hashtable ReadTorchZip(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not GlossaException)
        {
            throw new GlossaException($"{path}: cannot read the PyTorch state dict ({e.Message}); save a plain state dict with torch.save(model.state_dict(), path)", e);
        }
    }

    static Dictionary<string, Tensor> Unwrap(Hashtable table, string path)
    {
        foreach (string wrapper in new[] { "state_dict", "model", "model_state_dict" })
        {
            if (table.ContainsKey(wrapper) && table[wrapper] is Hashtable inner)
                return Unwrap(inner, path);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Value is not Tensor t)
                continue; // metadata such as epoch numbers
            result[(string)entry.Key] = t;
        }
        if (result.Count == 0)
            throw new GlossaException($"{path}: no tensors found; expected a state dict (torch.save(model.state_dict(), path))");
        return StripModulePrefix(result);
    }

    /// <summary>DataParallel checkpoints prefix every key with "module."; drop it.</summary>
    static Dictionary<string, Tensor> StripModulePrefix(Dictionary<string, Tensor> state) =>
        state.Count > 0 && state.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal))
            ? state.ToDictionary(kv => kv.Key["module.".Length..], kv => kv.Value, StringComparer.Ordinal)
            : state;

    /// <summary>Reads a .safetensors file (8-byte little-endian header length, JSON header, raw little-endian data).</summary>
    public static Dictionary<string, Tensor> ReadSafetensors(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        ulong headerLength = reader.ReadUInt64();
        if (headerLength > 100_000_000 || (long)headerLength > stream.Length - 8)
            throw new GlossaException($"{path}: not a safetensors file (bad header length {headerLength})");
        using var header = JsonDocument.Parse(reader.ReadBytes((int)headerLength));
        long dataStart = 8 + (long)headerLength;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
                continue;
            string dtypeName = entry.Value.GetProperty("dtype").GetString() ?? "";
            ScalarType dtype = dtypeName switch
            {
                "F32" => ScalarType.Float32, "F64" => ScalarType.Float64, "F16" => ScalarType.Float16, "BF16" => ScalarType.BFloat16,
                "I64" => ScalarType.Int64, "I32" => ScalarType.Int32, "I16" => ScalarType.Int16, "I8" => ScalarType.Int8,
                "U8" => ScalarType.Byte, "BOOL" => ScalarType.Bool,
                _ => throw new GlossaException($"{path}: tensor '{entry.Name}' has dtype {dtypeName}, which Glossa does not read"),
            };
            long[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            long[] offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            stream.Position = dataStart + offsets[0];
            byte[] bytes = reader.ReadBytes((int)(offsets[1] - offsets[0]));
            var t = empty(shape, dtype: dtype);
            if (bytes.Length != t.NumberOfElements * t.ElementSize)
                throw new GlossaException($"{path}: tensor '{entry.Name}' has {bytes.Length} bytes for shape ({string.Join(", ", shape)})");
            t.bytes = bytes;
            result[entry.Name] = t;
        }
        return result;
    }

    /// <summary>Writes a state dict as .safetensors (readable by safetensors.torch.load_file).</summary>
    public static void WriteSafetensors(IReadOnlyDictionary<string, Tensor> state, string path)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (key, t) in state)
        {
            long length = t.NumberOfElements * t.ElementSize;
            string dtype = t.dtype switch
            {
                ScalarType.Float32 => "F32", ScalarType.Float64 => "F64", ScalarType.Float16 => "F16", ScalarType.BFloat16 => "BF16",
                ScalarType.Int64 => "I64", ScalarType.Int32 => "I32", ScalarType.Int16 => "I16", ScalarType.Int8 => "I8",
                ScalarType.Byte => "U8", ScalarType.Bool => "BOOL",
                _ => throw new GlossaException($"{path}: cannot write tensor '{key}' of dtype {t.dtype} as safetensors"),
            };
            header[key] = new { dtype, shape = t.shape, data_offsets = new[] { offset, offset + length } };
            offset += length;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write((ulong)json.Length);
        writer.Write(json);
        foreach (var (_, t) in state)
            writer.Write(t.contiguous().cpu().bytes);
    }

    /// <summary>
    /// Copies matching tensors of <paramref name="state"/> into <paramref name="module"/>. With
    /// <paramref name="prefix"/> (e.g. "backbone."), file key k goes to model key prefix + k, so a
    /// torchvision checkpoint loads into <see cref="CslrModel.Backbone"/> inside a recogniser.
    /// With <paramref name="strict"/>, any missing/unexpected key or shape mismatch throws (listing them) before anything is copied.
    /// </summary>
    public static LoadReport LoadStateDict(nn.Module module, IReadOnlyDictionary<string, Tensor> state, bool strict, string prefix = "", string source = "weights")
    {
        var target = module.state_dict();
        // num_batches_tracked is a counter PyTorch keeps and TorchSharp may not; never worth failing over.
        static bool Optional(string key) => key.EndsWith("num_batches_tracked", StringComparison.Ordinal);
        var loaded = new List<string>();
        var mismatches = new List<string>();
        var unexpected = new List<string>();
        var pairs = new List<(Tensor To, Tensor From)>();
        foreach (var (fileKey, value) in state)
        {
            string key = prefix + fileKey;
            if (!target.TryGetValue(key, out var dest))
            {
                if (!Optional(fileKey) && fileKey != ConfigKey)
                    unexpected.Add(fileKey);
                continue;
            }
            if (!dest.shape.SequenceEqual(value.shape))
            {
                mismatches.Add($"{key}: file ({string.Join(", ", value.shape)}) vs model ({string.Join(", ", dest.shape)})");
                continue;
            }
            pairs.Add((dest, value));
            loaded.Add(key);
        }
        var loadedSet = loaded.ToHashSet();
        var missing = target.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !loadedSet.Contains(k) && !Optional(k)
                                                && !mismatches.Any(m => m.StartsWith(k + ":", StringComparison.Ordinal))).ToList();
        var report = new LoadReport(loaded, missing, unexpected, mismatches);
        if (strict && !report.IsExact)
            throw new GlossaException($"{source}: state dict does not match the model: {report.Describe()}");
        using (no_grad())
        {
            foreach (var (to, from) in pairs)
                to.copy_(from.to(to.dtype));
        }
        return report;
    }

    /// <summary>Reads <paramref name="path"/> and loads it into <paramref name="module"/> (see <see cref="LoadStateDict"/>).</summary>
    public static LoadReport Load(nn.Module module, string path, bool strict, string prefix = "")
    {
        var state = ReadStateDict(path);
        try
        {
            return LoadStateDict(module, state, strict, prefix, path);
        }
        finally
        {
            foreach (var t in state.Values)
                t.Dispose();
        }
    }

    /// <summary>Exports <paramref name="module"/>'s state dict in PyTorch's format: <c>model.load_state_dict(torch.load(path))</c> works on the same architecture.</summary>
    public static void SavePyTorch(nn.Module module, string path)
    {
        // Detached, as PyTorch's own state_dict() gives them: tensors that require grad would make
        // torch.load(...)[key].numpy() fail on the Python side.
        var state = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (key, value) in module.state_dict())
                state[key] = value.detach();
            PyTorchPickler.PickleStateDict(path, state);
        }
        finally
        {
            foreach (var t in state.Values)
                t.Dispose();
        }
    }
}
