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
    /// Reads a state dict from a .pt/.pth (zip or legacy) file, a .safetensors file or TorchSharp's
    /// native format (a checkpoint's model.bin), in key order. Unwraps the usual wrappers
    /// (<c>{"state_dict": ...}</c>, <c>{"model": ...}</c>) and DataParallel's <c>module.</c> prefix.
    /// Every failure is one <see cref="GlossaException"/> naming the file: a folder, a dangling link,
    /// a damaged or truncated file, a single tensor, and weights that are not finite (the first such tensor named).
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path) => ReadStateDict(path, out _);

    /// <summary><see cref="ReadStateDict(string)"/>, saying which <paramref name="format"/> the file was: pytorch, safetensors or torchsharp.</summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path, out string format)
    {
        var state = ReadAnyFormat(path, out format);
        try
        {
            RequireFinite(state, path);
        }
        catch
        {
            foreach (var t in state.Values) t.Dispose();
            throw;
        }
        return state;
    }

    static Dictionary<string, Tensor> ReadAnyFormat(string path, out string format)
    {
        RequireFile(path);
        format = "pytorch";
        long length = new FileInfo(path).Length;
        if (length < 8)
            throw new GlossaException($"{path}: empty or truncated weight file ({length} bytes); copy it again or give another file");
        byte[] head = new byte[8];
        using (var probe = File.OpenRead(path))
            probe.ReadExactly(head, 0, 8);
        if (head[0] == (byte)'P' && head[1] == (byte)'K')
            return Sorted(Unwrap(ReadTorchZip(path), path));
        format = "safetensors";
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return ReadSafetensors(path);
        format = "pytorch";
        if (head[0] == 0x80 && head[1] <= 5)
        {
            try { return Sorted(StripModulePrefix(LegacyTorchFile.Read(path))); }
            catch (GlossaException) when (TryNative(path) is { } native) { format = "torchsharp"; return native; } // 128..255 entries of TorchSharp weights start with 0x80 too
        }
        if (head[0] == (byte)'{' || BitConverter.ToUInt64(head) < 100_000_000)
        {
            format = "safetensors";
            try { return ReadSafetensors(path); }
            catch (GlossaException) when (TryNative(path) is { } native) { format = "torchsharp"; return native; }
        }
        format = "torchsharp";
        return NativeWeights.Read(path);
    }

    static Dictionary<string, Tensor>? TryNative(string path)
    {
        try { return NativeWeights.Read(path); }
        catch (GlossaException) { return null; }
    }

    /// <summary>A weight path that is no file gets one line saying what it is instead (a folder, a checkpoint folder, a dangling link) and what to give.</summary>
    static void RequireFile(string path)
    {
        if (DanglingLink(path) is string target)
            throw new GlossaException($"{path}: a symbolic link to {target}, which does not exist; copy the file itself");
        if (File.Exists(path)) return;
        if (Directory.Exists(path))
            throw new GlossaException(ModelCheckpoint.Exists(path)
                ? $"{path}: a Glossa checkpoint folder, not a weight file; give its weights as a file with 'glossa model export {path} --out weights.pt', or train from the folder with --pretrained {path}"
                : $"{path}: a folder, not a weight file; give a .pt/.pth or .safetensors file");
        throw new GlossaException($"{path}: weight file not found");
    }

    /// <summary>The target of <paramref name="path"/> when it is a symbolic link to nothing (File.Exists is true for one); else null.</summary>
    public static string? DanglingLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not string target) return null;
        try
        {
            // FileInfo of a folder says Exists false: ask both.
            return File.ResolveLinkTarget(path, returnFinalTarget: true) is { } final && !File.Exists(final.FullName) && !Directory.Exists(final.FullName) ? target : null;
        }
        catch (IOException) { return target; } // a loop of links
    }

    /// <summary>
    /// Throws naming <paramref name="path"/> and the first tensor (in key order) holding NaN or infinity:
    /// such weights make every output NaN (features of all-NaN, a recogniser that never learns).
    /// </summary>
    public static void RequireFinite(IReadOnlyDictionary<string, Tensor> state, string path)
    {
        foreach (var (key, t) in state.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!t.is_floating_point()) continue;
            using var finite = isfinite(t).all();
            if (finite.item<bool>()) continue;
            using var nan = isnan(t).sum();
            using var bad = logical_not(isfinite(t)).sum();
            throw new GlossaException($"{path}: tensor '{key}' holds {Words.Count((int)bad.item<long>(), "non-finite value")} ({nan.item<long>()} NaN); the weights are damaged: export or download them again");
        }
    }

    static Dictionary<string, Tensor> Sorted(Dictionary<string, Tensor> state) =>
        state.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    static Hashtable ReadTorchZip(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (InvalidCastException e) when (e.Message.Contains("'Tensor'", StringComparison.Ordinal))
        {
            throw new GlossaException($"{path}: holds a single tensor, not a state dict; save the model's weights with torch.save(model.state_dict(), path)", e);
        }
        catch (InvalidDataException e)
        {
            throw new GlossaException($"{path}: a damaged or truncated PyTorch zip ({e.Message}); download or copy it again", e);
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
        RequireFile(path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        ulong headerLength = stream.Length < 8 ? 0 : reader.ReadUInt64();
        if (headerLength is 0 or > 100_000_000)
            throw new GlossaException($"{path}: not a safetensors file (bad header length {headerLength})");
        if ((long)headerLength > stream.Length - 8)
            throw new GlossaException($"{path}: truncated safetensors file (its header alone needs {headerLength + 8:N0} bytes, the file has {stream.Length:N0}); download or copy it again");
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var header = JsonDocument.Parse(reader.ReadBytes((int)headerLength));
            ReadSafetensorEntries(path, header, stream, reader, 8 + (long)headerLength, result);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new GlossaException($"{path}: not a safetensors file (its header is not the JSON safetensors writes: {e.Message.Split('\n')[0]})", e);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    static void ReadSafetensorEntries(string path, JsonDocument header, Stream stream, BinaryReader reader, long dataStart, Dictionary<string, Tensor> result)
    {
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
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw new GlossaException($"{path}: tensor '{entry.Name}' has bad data offsets; the file is damaged: download or copy it again");
            if (dataStart + offsets[1] > stream.Length)
                throw new GlossaException($"{path}: truncated: tensor '{entry.Name}' ends at byte {dataStart + offsets[1]:N0} but the file has {stream.Length:N0}; download or copy it again");
            stream.Position = dataStart + offsets[0];
            byte[] bytes = reader.ReadBytes((int)(offsets[1] - offsets[0]));
            var t = empty(shape, dtype: dtype);
            if (bytes.Length != t.NumberOfElements * t.ElementSize)
                throw new GlossaException($"{path}: tensor '{entry.Name}' has {bytes.Length} bytes for shape ({string.Join(", ", shape)}); the file is damaged: download or copy it again");
            t.bytes = bytes;
            result[entry.Name] = t;
        }
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
        // Through a temporary file: a full disk or a read-only folder gives one line and no partial file.
        SafeWrite.Stream(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write((ulong)json.Length);
            writer.Write(json);
            foreach (var (_, t) in state)
                writer.Write(t.contiguous().cpu().bytes);
        }, 8 + json.Length + offset);
    }

    /// <summary>
    /// Copies matching tensors of <paramref name="state"/> into <paramref name="module"/>. With
    /// <paramref name="prefix"/> (e.g. "backbone."), file key k goes to model key prefix + k, so a
    /// torchvision checkpoint loads into <see cref="CslrModel.Backbone"/> inside a recogniser.
    /// With <paramref name="strict"/>, any missing/unexpected key or shape mismatch throws (listing them) before anything is copied.
    /// </summary>
    public static LoadReport LoadStateDict(nn.Module module, IReadOnlyDictionary<string, Tensor> state, bool strict, string prefix = "", string source = "weights")
    {
        var (report, pairs) = Plan(module, state, prefix);
        if (strict && !report.IsExact)
            throw new GlossaException($"{source}: state dict does not match the model: {report.Describe()}");
        using (no_grad())
        {
            foreach (var (to, from) in pairs)
                to.copy_(from.to(to.dtype));
        }
        return report;
    }

    /// <summary>The report <see cref="LoadStateDict"/> would give, without copying anything.</summary>
    public static LoadReport Compare(nn.Module module, IReadOnlyDictionary<string, Tensor> state, string prefix = "") => Plan(module, state, prefix).Report;

    static (LoadReport Report, List<(Tensor To, Tensor From)> Pairs) Plan(nn.Module module, IReadOnlyDictionary<string, Tensor> state, string prefix)
    {
        var target = module.state_dict();
        var loaded = new List<string>();
        var mismatches = new List<string>();
        var mismatched = new HashSet<string>(StringComparer.Ordinal);
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
                mismatched.Add(key);
                continue;
            }
            pairs.Add((dest, value));
            loaded.Add(key);
        }
        var loadedSet = loaded.ToHashSet();
        var missing = target.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !loadedSet.Contains(k) && !Optional(k) && !mismatched.Contains(k)).ToList();
        // Sorted, so a message names the same examples on every run (a Hashtable's order is not stable).
        unexpected.Sort(StringComparer.Ordinal);
        mismatches.Sort(StringComparer.Ordinal);
        return (new LoadReport(loaded, missing, unexpected, mismatches), pairs);
    }

    /// <summary>num_batches_tracked is a counter PyTorch keeps and TorchSharp may not; never worth failing over.</summary>
    static bool Optional(string key) => key.EndsWith("num_batches_tracked", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="state"/> with the key prefix removed under which most of its keys are <paramref name="module"/>'s
    /// (<c>backbone.</c> of a whole Glossa model or its export, <c>encoder.</c>, <c>model.</c>, nested ones too), and that
    /// prefix ("" when the keys fit best as they are). Keys without the prefix keep their names. The tensors are shared, not copied.
    /// </summary>
    public static (Dictionary<string, Tensor> State, string Prefix) FitPrefix(IReadOnlyDictionary<string, Tensor> state, nn.Module module)
    {
        var targetKeys = module.state_dict().Keys.ToHashSet(StringComparer.Ordinal);
        var current = state.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        string stripped = "";
        for (int depth = 0; depth < 3; depth++)
        {
            int best = current.Keys.Count(targetKeys.Contains);
            string? bestSegment = null;
            foreach (string segment in current.Keys.Where(k => k.Contains('.')).Select(k => k[..(k.IndexOf('.') + 1)]).Distinct().Order(StringComparer.Ordinal))
            {
                int score = current.Keys.Count(k => k.StartsWith(segment, StringComparison.Ordinal) && targetKeys.Contains(k[segment.Length..]));
                if (score > best) (best, bestSegment) = (score, segment);
            }
            if (bestSegment is null) break;
            var next = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, value) in current.Where(kv => kv.Key.StartsWith(bestSegment, StringComparison.Ordinal)))
                next[key[bestSegment.Length..]] = value;
            foreach (var (key, value) in current.Where(kv => !kv.Key.StartsWith(bestSegment, StringComparison.Ordinal)))
                next.TryAdd(key, value);
            current = next;
            stripped += bestSegment;
        }
        return (current, stripped);
    }

    /// <summary>"N tensors, keys like a, b, c": what a state dict holds, for messages about a file that fits nothing.</summary>
    public static string Holds(IReadOnlyDictionary<string, Tensor> state)
    {
        var keys = state.Keys.Where(k => k != ConfigKey).Order(StringComparer.Ordinal).ToList();
        return $"{keys.Count} tensors, keys like {string.Join(", ", keys.Take(3).Select(k => $"'{k}'"))}";
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

    /// <summary>
    /// SHA-256 (hex) of a state dict: every key, dtype, shape and byte, in key order. Two models share it only
    /// when their weights are the same, so a file made from one (an ONNX export, a feature store) can be bound to them.
    /// </summary>
    public static string Fingerprint(IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (key, t) in state.Where(kv => kv.Key != ConfigKey).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{key}\0{t.dtype}\0{string.Join(",", t.shape)}\0"));
            using var cpu = t.detach().cpu().contiguous();
            hash.AppendData(cpu.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
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
            // Pickled in memory (the pickler closes its stream), then written through a temporary file:
            // a full disk or a read-only folder gives one line, the bytes needed and no partial file.
            var pickled = new MemoryStream();
            PyTorchPickler.PickleStateDict(pickled, state);
            SafeWrite.Bytes(path, pickled.ToArray());
        }
        finally
        {
            foreach (var t in state.Values)
                t.Dispose();
        }
    }
}
