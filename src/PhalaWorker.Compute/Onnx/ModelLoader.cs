using System.Globalization;
using Google.Protobuf;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Onnx;

/// <summary>
/// Parses and validates an ONNX model before anything runs: protobuf limits, IR and opset versions, operator
/// allow-list, initializer sizes, graph structure (undefined values, duplicate producers, cycles), then orders the nodes
/// topologically, folds initializer-only subgraphs into constants and drops nodes no output depends on.
/// </summary>
internal static class ModelLoader
{
    public const long MinIrVersion = 3;
    public const long MaxIrVersion = 13;
    public const int MaxOpset = 25;

    /// <summary>Nesting limit for the protobuf reader (subgraphs in attributes are refused anyway).</summary>
    private const int RecursionLimit = 32;

    public static LoadedGraph Load(ReadOnlySpan<byte> modelBytes, ComputeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (modelBytes.Length > options.MaxModelBytes)
        {
            throw new ComputeException(ComputeErrorReason.LimitExceeded,
                $"model of {modelBytes.Length} bytes exceeds MaxModelBytes {options.MaxModelBytes}");
        }

        var model = Parse(modelBytes);
        var ir = model.IrVersion;
        if (ir < MinIrVersion || ir > MaxIrVersion)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel,
                $"IR version {ir} is not supported (supported {MinIrVersion}..{MaxIrVersion})");
        }

        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var o in model.OpsetImport)
        {
            var domain = o.Domain == "ai.onnx" ? string.Empty : o.Domain;
            opsets[domain] = o.Version;
        }

        if (!opsets.TryGetValue(string.Empty, out var opset))
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, "model imports no default-domain (ai.onnx) opset");
        }

        if (opset < 1 || opset > MaxOpset)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"opset {opset} is not supported (supported 1..{MaxOpset})");
        }

        var graph = model.Graph ?? throw new ComputeException(ComputeErrorReason.InvalidModel, "model has no graph");
        if (graph.Node.Count > options.MaxNodes)
        {
            throw new ComputeException(ComputeErrorReason.LimitExceeded,
                $"graph has {graph.Node.Count} nodes, over MaxNodes {options.MaxNodes}");
        }

        if (graph.SparseInitializer.Count > 0)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, "sparse initializers are not supported");
        }

        // Operators first: an unknown or disallowed op is the most useful error.
        var allowed = options.AllowedOps.Count == 0 ? null : new HashSet<string>(options.AllowedOps, StringComparer.Ordinal);
        foreach (var n in graph.Node)
        {
            var domain = n.Domain == "ai.onnx" ? string.Empty : n.Domain;
            if (domain.Length > 0)
            {
                throw new ComputeException(ComputeErrorReason.UnsupportedOperator, $"operator '{domain}.{n.OpType}' is not supported (domain '{domain}')");
            }

            if (!CpuKernels.IsSupported(n.OpType))
            {
                throw new ComputeException(ComputeErrorReason.UnsupportedOperator, $"operator '{n.OpType}' is not supported");
            }

            if (allowed is not null && !allowed.Contains(n.OpType))
            {
                throw new ComputeException(ComputeErrorReason.UnsupportedOperator, $"operator '{n.OpType}' is not allowed by AllowedOps");
            }
        }

        // Initializers.
        var constants = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        long constantBytes = 0;
        foreach (var init in graph.Initializer)
        {
            var what = $"initializer '{init.Name}'";
            var t = TensorProtoConverter.ToTensor(init, options.MaxTensorElements, what, ComputeErrorReason.InvalidModel);
            constantBytes += t.ByteLength;
            if (constantBytes > options.MaxPlannedMemoryBytes)
            {
                throw new ComputeException(ComputeErrorReason.LimitExceeded,
                    $"initializers use {constantBytes}+ bytes, over MaxPlannedMemoryBytes {options.MaxPlannedMemoryBytes}");
            }

            if (string.IsNullOrEmpty(init.Name) || !constants.TryAdd(init.Name, t))
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel, $"{what}: empty or duplicate initializer name");
            }
        }

        // Inputs (IR < 4 lists initializers as inputs too; those are constants with defaults, treated as constants).
        var inputs = new List<GraphValueInfo>();
        foreach (var vi in graph.Input)
        {
            if (constants.ContainsKey(vi.Name))
            {
                continue;
            }

            inputs.Add(ToValueInfo(vi, "input"));
        }

        var outputs = graph.Output.Select(vi => ToValueInfo(vi, "output")).ToList();

        var nodes = new List<OperatorNode>(graph.Node.Count);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var n = graph.Node[i];
            nodes.Add(new OperatorNode(i, n.Name, n.OpType, string.Empty, (int)opset,
                n.Input.ToArray(), n.Output.ToArray(), DecodeAttributes(n, options)));
        }

        var ordered = TopologicalSort(nodes, constants.Keys, inputs, outputs);
        SequenceTypeCheck.Check(ordered, inputs, outputs, constants);
        var (folded, foldedCount, bytes) = ConstantFolder.Fold(ordered, constants, outputs, options, constantBytes);
        return new LoadedGraph
        {
            Nodes = folded,
            Constants = constants,
            Inputs = inputs,
            Outputs = outputs,
            ConstantBytes = bytes,
            IrVersion = ir,
            Opset = (int)opset,
            FoldedNodes = foldedCount,
        };
    }

    private static global::Onnx.ModelProto Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var input = CodedInputStream.CreateWithLimits(stream, (int)Math.Min(int.MaxValue, bytes.Length + 1L), RecursionLimit);
            var model = new global::Onnx.ModelProto();
            model.MergeFrom(input);
            return model;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"malformed model protobuf: {ex.Message}", ex);
        }
    }

    private static GraphValueInfo ToValueInfo(global::Onnx.ValueInfoProto vi, string kind)
    {
        if (string.IsNullOrEmpty(vi.Name))
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"graph {kind} without a name");
        }

        var type = vi.Type;
        if (type is null || type.ValueCase == global::Onnx.TypeProto.ValueOneofCase.None)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"graph {kind} '{vi.Name}' has no type");
        }

        var isSequence = false;
        if (type.ValueCase == global::Onnx.TypeProto.ValueOneofCase.SequenceType)
        {
            // A sequence of tensors (sequences of sequences, maps or optionals are not supported).
            var element = type.SequenceType.ElemType;
            if (element is null || element.ValueCase != global::Onnx.TypeProto.ValueOneofCase.TensorType)
            {
                throw new ComputeException(ComputeErrorReason.UnsupportedDataType,
                    $"graph {kind} '{vi.Name}' is a sequence of {(element is null ? "an undeclared type" : element.ValueCase.ToString())}, only sequences of tensors are supported");
            }

            type = element;
            isSequence = true;
        }

        if (type.ValueCase != global::Onnx.TypeProto.ValueOneofCase.TensorType)
        {
            var what = type.ValueCase switch
            {
                global::Onnx.TypeProto.ValueOneofCase.SequenceType => "sequence",
                global::Onnx.TypeProto.ValueOneofCase.OptionalType => "optional",
                global::Onnx.TypeProto.ValueOneofCase.MapType => "map",
                global::Onnx.TypeProto.ValueOneofCase.SparseTensorType => "sparse tensor",
                _ => type.ValueCase.ToString(),
            };
            throw new ComputeException(ComputeErrorReason.UnsupportedDataType, $"graph {kind} '{vi.Name}' has {what} type, only tensors are supported");
        }

        var dataType = (DataType)type.TensorType.ElemType;
        if (!DataTypes.IsSupported(dataType))
        {
            throw new ComputeException(ComputeErrorReason.UnsupportedDataType,
                $"graph {kind} '{vi.Name}' has data type {(Enum.IsDefined(dataType) ? dataType.ToString() : type.TensorType.ElemType.ToString(CultureInfo.InvariantCulture))}, which is not supported");
        }

        List<long>? dims = null;
        if (!isSequence && type.TensorType.Shape is { } shape)
        {
            dims = [];
            foreach (var d in shape.Dim)
            {
                dims.Add(d.ValueCase == global::Onnx.TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue >= 0 ? d.DimValue : -1);
            }
        }

        return new GraphValueInfo(vi.Name, dataType, dims, isSequence);
    }

    private static NodeAttributes DecodeAttributes(global::Onnx.NodeProto node, ComputeOptions options)
    {
        if (node.Attribute.Count == 0)
        {
            return NodeAttributes.Empty;
        }

        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var a in node.Attribute)
        {
            var where = $"{node.OpType} '{node.Name}' attribute '{a.Name}'";
            if (!string.IsNullOrEmpty(a.RefAttrName))
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel, $"{where}: attribute references are only valid inside functions");
            }

            object value = a.Type switch
            {
                global::Onnx.AttributeProto.Types.AttributeType.Float => a.F,
                global::Onnx.AttributeProto.Types.AttributeType.Int => a.I,
                global::Onnx.AttributeProto.Types.AttributeType.String => a.S.ToStringUtf8(),
                global::Onnx.AttributeProto.Types.AttributeType.Floats => a.Floats.ToArray(),
                global::Onnx.AttributeProto.Types.AttributeType.Ints => a.Ints.ToArray(),
                global::Onnx.AttributeProto.Types.AttributeType.Strings => a.Strings.Select(s => s.ToStringUtf8()).ToArray(),
                global::Onnx.AttributeProto.Types.AttributeType.Tensor when a.T is not null =>
                    TensorProtoConverter.ToTensor(a.T, options.MaxTensorElements, where, ComputeErrorReason.InvalidModel),
                _ => throw new ComputeException(ComputeErrorReason.UnsupportedOperator, $"{where}: attribute type {a.Type} is not supported"),
            };
            if (!values.TryAdd(a.Name, value))
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel, $"{where}: duplicate attribute");
            }
        }

        return new NodeAttributes(values);
    }

    /// <summary>Kahn's algorithm, stable in the model's node order; refuses undefined values, duplicate producers and cycles.</summary>
    private static List<OperatorNode> TopologicalSort(List<OperatorNode> nodes, IEnumerable<string> constants,
        List<GraphValueInfo> inputs, List<GraphValueInfo> outputs)
    {
        var available = new HashSet<string>(constants, StringComparer.Ordinal);
        foreach (var i in inputs)
        {
            if (!available.Add(i.Name))
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel, $"graph input '{i.Name}' is declared twice");
            }
        }

        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var o in nodes[i].Outputs)
            {
                if (o.Length == 0)
                {
                    continue;
                }

                if (available.Contains(o) || !producer.TryAdd(o, i))
                {
                    throw new ComputeException(ComputeErrorReason.InvalidModel, $"{nodes[i].Display}: value '{o}' has more than one producer");
                }
            }
        }

        var pending = new int[nodes.Count];
        var consumers = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            consumers[i] = [];
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var input in nodes[i].Inputs.Distinct(StringComparer.Ordinal))
            {
                if (input.Length == 0 || available.Contains(input))
                {
                    continue;
                }

                if (!producer.TryGetValue(input, out var p))
                {
                    throw new ComputeException(ComputeErrorReason.InvalidModel, $"{nodes[i].Display}: input '{input}' is not defined in the graph");
                }

                pending[i]++;
                consumers[p].Add(i);
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < nodes.Count; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<OperatorNode>(nodes.Count);
        while (ready.TryDequeue(out var i, out _))
        {
            var n = nodes[i];
            order.Add(new OperatorNode(order.Count, n.Name, n.OpType, n.Domain, n.OpsetVersion, n.Inputs, n.Outputs, n.Attributes));
            foreach (var c in consumers[i])
            {
                if (--pending[c] == 0)
                {
                    ready.Enqueue(c, c);
                }
            }
        }

        if (order.Count != nodes.Count)
        {
            var stuck = nodes.Where((_, i) => pending[i] > 0).Select(n => n.Display).Take(3);
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"graph has a cycle (involving {string.Join(", ", stuck)})");
        }

        foreach (var o in outputs)
        {
            if (!available.Contains(o.Name) && !producer.ContainsKey(o.Name))
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel, $"graph output '{o.Name}' is not produced by any node");
            }
        }

        return order;
    }
}
