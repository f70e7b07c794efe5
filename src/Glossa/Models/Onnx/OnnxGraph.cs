namespace Glossa.Models.Onnx;

/// <summary>
/// Collects the nodes, weights, inputs and outputs of an ONNX graph and serialises the model
/// (IR version 8, default-domain opset 17) with the field numbers of onnx.proto.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>ONNX TensorProto.DataType values used here.</summary>
    public const int Float32 = 1, Int64Type = 7;

    const int AttrFloat = 1, AttrInt = 2, AttrString = 3, AttrInts = 7;

    readonly List<ProtoMessage> nodes = [];
    readonly List<ProtoMessage> initializers = [];
    readonly List<ProtoMessage> inputs = [];
    readonly List<ProtoMessage> outputs = [];
    readonly HashSet<string> names = [];
    int counter;

    /// <summary>A name not used before, built from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        while (!names.Add(name)) name = $"{hint}_{++counter}";
        return name;
    }

    /// <summary>A float32 weight tensor (raw little-endian data).</summary>
    public string Weight(string hint, float[] data, params long[] dims)
    {
        if (data.Length != dims.Aggregate(1L, (a, d) => a * d))
            throw new InvalidOperationException($"onnx weight {hint}: {data.Length} values do not fill ({string.Join(", ", dims)})");
        string name = Fresh(hint);
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
        initializers.Add(Tensor(name, Float32, dims).Bytes(9, bytes)); // raw_data
        return name;
    }

    /// <summary>An int64 constant tensor (shapes, axes).</summary>
    public string Int64s(string hint, params long[] values)
    {
        string name = Fresh(hint);
        var t = Tensor(name, Int64Type, values.Length);
        foreach (long v in values) t.Int64(7, v); // int64_data
        initializers.Add(t);
        return name;
    }

    static ProtoMessage Tensor(string name, int dataType, params long[] dims)
    {
        var t = new ProtoMessage();
        foreach (long d in dims) t.Int64(1, d);  // dims
        t.Int64(2, dataType);                     // data_type
        return t.String(8, name);                 // name
    }

    /// <summary>Adds a node; returns its first output's name (a fresh name from <paramref name="op"/>).</summary>
    public string Node(string op, IReadOnlyList<string> nodeInputs, params (string Name, object Value)[] attributes)
    {
        string output = Fresh(op.ToLowerInvariant());
        Node(op, nodeInputs, [output], attributes);
        return output;
    }

    /// <summary>Adds a node with the given output names.</summary>
    public void Node(string op, IReadOnlyList<string> nodeInputs, IReadOnlyList<string> nodeOutputs, params (string Name, object Value)[] attributes)
    {
        var node = new ProtoMessage();
        foreach (string i in nodeInputs) node.String(1, i);
        foreach (string o in nodeOutputs) node.String(2, o);
        node.String(3, Fresh($"{op}_node")).String(4, op);
        foreach (var (name, value) in attributes) node.Message(5, Attribute(name, value));
        nodes.Add(node);
    }

    static ProtoMessage Attribute(string name, object value)
    {
        var a = new ProtoMessage().String(1, name);
        switch (value)
        {
            case float f: a.Float(2, f).Int64(20, AttrFloat); break;
            case long i: a.Int64(3, i).Int64(20, AttrInt); break;
            case int i: a.Int64(3, i).Int64(20, AttrInt); break;
            case string s: a.Bytes(4, System.Text.Encoding.UTF8.GetBytes(s)).Int64(20, AttrString); break;
            case long[] ints:
                foreach (long i in ints) a.Int64(8, i);
                a.Int64(20, AttrInts);
                break;
            default: throw new ArgumentException($"onnx attribute {name}: unsupported type {value.GetType().Name}");
        }
        return a;
    }

    /// <summary>A graph input or output: float32 with fixed sizes (long) or named dynamic axes (string).</summary>
    public void Input(string name, params object[] dims) => inputs.Add(ValueInfo(name, dims));

    /// <inheritdoc cref="Input"/>
    public void Output(string name, params object[] dims) => outputs.Add(ValueInfo(name, dims));

    static ProtoMessage ValueInfo(string name, object[] dims)
    {
        var shape = new ProtoMessage();
        foreach (object d in dims)
            shape.Message(1, d is string param ? new ProtoMessage().String(2, param) : new ProtoMessage().Int64(1, Convert.ToInt64(d)));
        var tensorType = new ProtoMessage().Int64(1, Float32).Message(2, shape);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensorType));
    }

    /// <summary>The serialised ModelProto.</summary>
    public byte[] ToModel(string graphName, IReadOnlyDictionary<string, string> metadata)
    {
        var graph = new ProtoMessage();
        foreach (var n in nodes) graph.Message(1, n);
        graph.String(2, graphName);
        foreach (var t in initializers) graph.Message(5, t);
        foreach (var i in inputs) graph.Message(11, i);
        foreach (var o in outputs) graph.Message(12, o);
        var model = new ProtoMessage()
            .Int64(1, 8)                                             // ir_version
            .String(2, "glossa")                                     // producer_name
            .String(3, typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(7, graph)
            .Message(8, new ProtoMessage().String(1, "").Int64(2, 17)); // opset_import: default domain, opset 17
        foreach (var (k, v) in metadata)
            model.Message(14, new ProtoMessage().String(1, k).String(2, v)); // metadata_props
        return model.ToArray();
    }
}
