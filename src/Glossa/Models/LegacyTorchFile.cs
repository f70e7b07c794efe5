using System.Text;
using Glossa.Common;
using static TorchSharp.torch;

namespace Glossa.Models;

/// <summary>
/// Reads state dicts written by PyTorch's legacy (pre-1.6, non-zip) <c>torch.save</c>, the format of
/// pytorch-i3d's rgb_imagenet.pt and rgb_charades.pt. The file is: pickled magic number, protocol
/// version and system info; the pickled object, whose tensors refer to storages through persistent
/// ids ('storage', type, key, location, numel, view); the pickled sorted list of storage keys; then
/// each storage as an int64 element count followed by its raw little-endian bytes. A small
/// pickle machine that understands only the opcodes and globals state dicts use reads it; any
/// other global is kept as an opaque value, so arbitrary code is never run.
/// </summary>
internal static class LegacyTorchFile
{
    /// <summary>torch.serialization's MAGIC_NUMBER, 0x1950a86a20f9469cfc6c.</summary>
    static readonly System.Numerics.BigInteger MagicNumber = System.Numerics.BigInteger.Parse("01950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);

    public static Dictionary<string, Tensor> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        try
        {
            var magic = new Machine(reader, path).Run();
            if (magic is not System.Numerics.BigInteger big || big != MagicNumber)
                throw new GlossaException($"{path}: not a PyTorch file (bad magic number)");
            new Machine(reader, path).Run();             // protocol version
            new Machine(reader, path).Run();             // sys_info
            var machine = new Machine(reader, path);
            object? root = machine.Run();
            if (new Machine(reader, path).Run() is not List<object?> keys)
                throw new GlossaException($"{path}: storage key list missing");
            var data = new Dictionary<string, Tensor>();
            foreach (string key in keys.Cast<string>())
            {
                var storage = machine.Storages.TryGetValue(key, out var s) ? s : throw new GlossaException($"{path}: storage '{key}' is not referenced");
                long numel = reader.ReadInt64();
                if (numel < 0 || numel > stream.Length)
                    throw new GlossaException($"{path}: storage '{key}' claims {numel} elements; the file is damaged: save it again or download it again");
                var t = empty(numel, dtype: storage.Dtype);
                data[key] = t;
                // BinaryReader.ReadBytes returns what is left at the end of the file: a file cut inside its tensor data
                // gave fewer bytes than the storage holds (and libtorch an internal error).
                byte[] bytes = reader.ReadBytes(checked((int)(numel * t.ElementSize)));
                if (bytes.Length < numel * t.ElementSize)
                    throw new EndOfStreamException();
                t.bytes = bytes;
            }
            var dict = Unwrap(root, path);
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, value) in dict)
            {
                if (value is TensorRef tr)
                    result[name] = data[tr.Storage.Key].as_strided(tr.Size, tr.Stride, tr.Offset).clone();
            }
            foreach (var t in data.Values)
                t.Dispose();
            return result;
        }
        catch (EndOfStreamException)
        {
            throw new GlossaException($"{path}: the legacy PyTorch file ends early (truncated download?)");
        }
    }

    static OrderedDict Unwrap(object? root, string path)
    {
        if (root is not OrderedDict dict)
            throw new GlossaException($"{path}: expected a state dict (a dictionary of tensors), found {root?.GetType().Name ?? "None"}; save model.state_dict()");
        foreach (string wrapper in new[] { "state_dict", "model" })
        {
            if (dict.TryGet(wrapper, out var inner) && inner is OrderedDict innerDict)
                return innerDict;
        }
        return dict;
    }

    sealed record Global(string Module, string Name);
    sealed record StorageRef(string Key, ScalarType Dtype);
    sealed record TensorRef(StorageRef Storage, long Offset, long[] Size, long[] Stride);
    sealed record Opaque(object? Callable, object? Args);

    /// <summary>An insertion-ordered string-keyed dictionary (Python dict / OrderedDict).</summary>
    sealed class OrderedDict : List<(string Key, object? Value)>
    {
        public void Set(object? key, object? value) => Add((key?.ToString() ?? "None", value));
        public bool TryGet(string key, out object? value)
        {
            foreach (var (k, v) in this)
            {
                if (k == key) { value = v; return true; }
            }
            value = null;
            return false;
        }
    }

    sealed class Mark;

    /// <summary>The subset of the pickle virtual machine (protocols 0-2 binary opcodes) that state dicts need.</summary>
    sealed class Machine(BinaryReader reader, string path)
    {
        readonly List<object?> stack = [];
        readonly Dictionary<long, object?> memo = [];
        public Dictionary<string, StorageRef> Storages { get; } = [];
        static readonly Mark MarkObject = new();

        public object? Run()
        {
            while (true)
            {
                byte op = reader.ReadByte();
                switch (op)
                {
                    case 0x80: reader.ReadByte(); break;                                  // PROTO
                    case (byte)'.': return Pop();                                         // STOP
                    case (byte)'(': stack.Add(MarkObject); break;                         // MARK
                    case (byte)'N': stack.Add(null); break;
                    case 0x88: stack.Add(true); break;
                    case 0x89: stack.Add(false); break;
                    case (byte)'K': stack.Add((long)reader.ReadByte()); break;             // BININT1
                    case (byte)'M': stack.Add((long)reader.ReadUInt16()); break;           // BININT2
                    case (byte)'J': stack.Add((long)reader.ReadInt32()); break;            // BININT
                    case 0x8a: stack.Add(ReadLong(reader.ReadByte())); break;             // LONG1
                    case 0x8b: stack.Add(ReadLong(reader.ReadInt32())); break;            // LONG4
                    case (byte)'G': stack.Add(BitConverter.ToDouble(reader.ReadBytes(8).Reverse().ToArray())); break; // BINFLOAT (big-endian)
                    case (byte)'X': stack.Add(Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()))); break;   // BINUNICODE
                    case 0x8c: stack.Add(Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadByte()))); break;        // SHORT_BINUNICODE
                    case (byte)'T': stack.Add(Encoding.Latin1.GetString(reader.ReadBytes(reader.ReadInt32()))); break; // BINSTRING (py2 str)
                    case (byte)'U': stack.Add(Encoding.Latin1.GetString(reader.ReadBytes(reader.ReadByte()))); break;  // SHORT_BINSTRING
                    case (byte)'B': stack.Add(reader.ReadBytes(reader.ReadInt32())); break;                           // BINBYTES
                    case (byte)'C': stack.Add(reader.ReadBytes(reader.ReadByte())); break;                            // SHORT_BINBYTES
                    case (byte)')': stack.Add(Array.Empty<object?>()); break;             // EMPTY_TUPLE
                    case (byte)'t': stack.Add(PopToMark().ToArray()); break;              // TUPLE
                    case 0x85: stack.Add(new[] { Pop() }); break;                         // TUPLE1
                    case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; }
                    case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; }
                    case (byte)']': stack.Add(new List<object?>()); break;                // EMPTY_LIST
                    case (byte)'l': stack.Add(PopToMark()); break;                        // LIST
                    case (byte)'a': { var v = Pop(); ((List<object?>)Top()!).Add(v); break; }
                    case (byte)'e': { var items = PopToMark(); ((List<object?>)Top()!).AddRange(items); break; }
                    case (byte)'}': stack.Add(new OrderedDict()); break;                  // EMPTY_DICT
                    case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Top()).Set(k, v); break; }
                    case (byte)'u':                                                       // SETITEMS
                    {
                        var items = PopToMark();
                        var d = AsDict(Top());
                        for (int i = 0; i + 1 < items.Count; i += 2)
                            d.Set(items[i], items[i + 1]);
                        break;
                    }
                    case (byte)'q': memo[reader.ReadByte()] = Top(); break;              // BINPUT
                    case (byte)'r': memo[reader.ReadUInt32()] = Top(); break;            // LONG_BINPUT
                    case 0x94: memo[memo.Count] = Top(); break;                           // MEMOIZE
                    case (byte)'h': stack.Add(memo[reader.ReadByte()]); break;           // BINGET
                    case (byte)'j': stack.Add(memo[reader.ReadUInt32()]); break;         // LONG_BINGET
                    case (byte)'c': stack.Add(new Global(ReadLine(), ReadLine())); break; // GLOBAL
                    case 0x93: { var name = (string)Pop()!; var module = (string)Pop()!; stack.Add(new Global(module, name)); break; }
                    case (byte)'R': { var args = (object?[])Pop()!; var f = Pop(); stack.Add(Reduce(f, args)); break; }
                    case 0x81: { var args = Pop(); var cls = Pop(); stack.Add(Reduce(cls, args as object?[] ?? [])); break; } // NEWOBJ
                    case (byte)'b': Pop(); break;                                         // BUILD: state (e.g. _metadata) is not needed
                    case (byte)'Q': stack.Add(PersistentLoad(Pop())); break;              // BINPERSID
                    case 0x95: reader.ReadInt64(); break;                                 // FRAME
                    default:
                        throw new GlossaException($"{path}: unsupported pickle opcode 0x{op:x2} at byte {reader.BaseStream.Position - 1}; re-save the state dict with a current PyTorch (torch.save(torch.load(f), g))");
                }
            }
        }

        object? Reduce(object? callable, object?[] args)
        {
            if (callable is not Global g)
                return new Opaque(callable, args);
            switch ($"{g.Module}.{g.Name}")
            {
                case "collections.OrderedDict":
                    return new OrderedDict();
                case "torch._utils._rebuild_tensor":
                case "torch._utils._rebuild_tensor_v2":
                    return new TensorRef((StorageRef)args[0]!, ToLong(args[1]), ToLongs(args[2]), ToLongs(args[3]));
                case "torch._utils._rebuild_parameter":
                    return args[0];
                default:
                    return new Opaque(g, args);
            }
        }

        object PersistentLoad(object? pid)
        {
            if (pid is not object?[] { Length: >= 5 } tuple || tuple[0] as string != "storage" || tuple[1] is not Global type)
                throw new GlossaException($"{path}: unknown persistent id in a legacy PyTorch file");
            var dtype = type.Name switch
            {
                "FloatStorage" => ScalarType.Float32, "DoubleStorage" => ScalarType.Float64, "HalfStorage" => ScalarType.Float16,
                "LongStorage" => ScalarType.Int64, "IntStorage" => ScalarType.Int32, "ShortStorage" => ScalarType.Int16,
                "CharStorage" => ScalarType.Int8, "ByteStorage" => ScalarType.Byte, "BoolStorage" => ScalarType.Bool,
                "BFloat16Storage" => ScalarType.BFloat16,
                _ => throw new GlossaException($"{path}: storage type {type.Name} is not supported"),
            };
            string key = tuple[2]?.ToString() ?? "";
            if (!Storages.TryGetValue(key, out var storage))
                Storages[key] = storage = new StorageRef(key, dtype);
            return storage;
        }

        static OrderedDict AsDict(object? o) => o as OrderedDict ?? throw new InvalidDataException("SETITEM on a non-dict");

        static long ToLong(object? o) => o switch { long l => l, System.Numerics.BigInteger b => (long)b, bool b => b ? 1 : 0, _ => 0 };
        static long[] ToLongs(object? o) => o is object?[] arr ? arr.Select(ToLong).ToArray() : [];

        static object ReadLongBytes(byte[] bytes)
        {
            var value = new System.Numerics.BigInteger(bytes, isUnsigned: false, isBigEndian: false);
            return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
        }

        object ReadLong(int n) => n == 0 ? 0L : ReadLongBytes(reader.ReadBytes(n));

        string ReadLine()
        {
            var sb = new StringBuilder();
            for (char c = (char)reader.ReadByte(); c != '\n'; c = (char)reader.ReadByte())
                sb.Append(c);
            return sb.ToString();
        }

        object? Pop()
        {
            var v = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return v;
        }

        object? Top() => stack[^1];

        List<object?> PopToMark()
        {
            int i = stack.FindLastIndex(o => ReferenceEquals(o, MarkObject));
            var items = stack.GetRange(i + 1, stack.Count - i - 1);
            stack.RemoveRange(i, stack.Count - i);
            return items;
        }
    }
}
