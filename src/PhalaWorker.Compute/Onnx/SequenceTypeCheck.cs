using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Onnx;

/// <summary>
/// Load-time type check of sequence values: every value is a tensor or a sequence of tensors, each operator input gets the
/// kind its operator takes (the sequence operators' own slots, Identity passing either through, tensors everywhere else),
/// and the element type of a sequence is inferred where it is known at load (graph inputs, initializers, SequenceEmpty's
/// <c>dtype</c>) and checked against SequenceInsert's tensor and the declared graph outputs. Kernels can then rely on the
/// kind of what they receive; element types that depend on computed tensors are checked again when the node runs.
/// </summary>
internal static class SequenceTypeCheck
{
    /// <summary>The first opset defining the sequence operators.</summary>
    public const int SequenceOpset = 11;

    private enum Kind
    {
        Tensor,
        Sequence,
        Either,
    }

    /// <summary>Per sequence operator: the kind of each input position (the last repeats for variadic inputs), its arity and output kind.</summary>
    private static readonly Dictionary<string, (Kind[] Inputs, int MinInputs, int MaxInputs, Kind Output)> Signatures = new(StringComparer.Ordinal)
    {
        ["SequenceEmpty"] = ([], 0, 0, Kind.Sequence),
        ["SequenceConstruct"] = ([Kind.Tensor], 1, int.MaxValue, Kind.Sequence),
        ["SequenceInsert"] = ([Kind.Sequence, Kind.Tensor, Kind.Tensor], 2, 3, Kind.Sequence),
        ["SequenceAt"] = ([Kind.Sequence, Kind.Tensor], 2, 2, Kind.Tensor),
        ["SequenceErase"] = ([Kind.Sequence, Kind.Tensor], 1, 2, Kind.Sequence),
        ["SequenceLength"] = ([Kind.Sequence], 1, 1, Kind.Tensor),
        ["SplitToSequence"] = ([Kind.Tensor, Kind.Tensor], 1, 2, Kind.Sequence),
        ["ConcatFromSequence"] = ([Kind.Sequence], 1, 1, Kind.Tensor),
    };

    /// <summary>Whether <paramref name="opType"/> is one of the ONNX sequence operators.</summary>
    public static bool IsSequenceOperator(string opType) => Signatures.ContainsKey(opType);

    /// <summary>Whether the op's output is a sequence (then its node is never constant-folded).</summary>
    public static bool ProducesSequence(OperatorNode node) =>
        Signatures.TryGetValue(node.OpType, out var s) && s.Output == Kind.Sequence;

    /// <summary>Throws <see cref="ComputeException"/> (InvalidModel) naming the node and input whose kind or element type is wrong.</summary>
    public static void Check(IReadOnlyList<OperatorNode> ordered, IReadOnlyList<GraphValueInfo> inputs, IReadOnlyList<GraphValueInfo> outputs,
        IReadOnlyDictionary<string, Tensor> constants)
    {
        var sequences = new Dictionary<string, DataType?>(StringComparer.Ordinal); // sequence values → element type when known
        var tensorTypes = new Dictionary<string, DataType>(StringComparer.Ordinal); // tensors whose type is known at load
        foreach (var i in inputs)
        {
            if (i.IsSequence)
            {
                sequences[i.Name] = i.DataType;
            }
            else
            {
                tensorTypes[i.Name] = i.DataType;
            }
        }

        foreach (var (name, tensor) in constants)
        {
            tensorTypes[name] = tensor.DataType;
        }

        foreach (var node in ordered)
        {
            if (!Signatures.TryGetValue(node.OpType, out var signature))
            {
                var passThrough = node.OpType == "Identity";
                for (var i = 0; i < node.Inputs.Count; i++)
                {
                    var input = node.Inputs[i];
                    if (input.Length > 0 && sequences.TryGetValue(input, out var element))
                    {
                        if (!passThrough)
                        {
                            throw new ComputeException(ComputeErrorReason.InvalidModel,
                                $"{node.Display}: input {i} '{input}' is a sequence, the operator takes tensors");
                        }

                        foreach (var o in node.Outputs.Where(o => o.Length > 0))
                        {
                            sequences[o] = element;
                        }
                    }
                }

                continue;
            }

            if (node.OpsetVersion < SequenceOpset)
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel,
                    $"{node.Display}: {node.OpType} needs opset {SequenceOpset} or later, the model imports opset {node.OpsetVersion}");
            }

            var count = node.Inputs.Count;
            while (count > 0 && node.Inputs[count - 1].Length == 0)
            {
                count--;
            }

            if (count < signature.MinInputs || count > signature.MaxInputs)
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel,
                    $"{node.Display}: {count} inputs, {node.OpType} takes {(signature.MinInputs == signature.MaxInputs ? signature.MinInputs.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{signature.MinInputs} to {(signature.MaxInputs == int.MaxValue ? "any number" : signature.MaxInputs.ToString(System.Globalization.CultureInfo.InvariantCulture))}")}");
            }

            if (node.Outputs.Count != 1 || node.Outputs[0].Length == 0)
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel, $"{node.Display}: {node.OpType} has exactly one output");
            }

            DataType? elementType = null;
            var known = new List<DataType>();
            for (var i = 0; i < count; i++)
            {
                var input = node.Inputs[i];
                var expected = signature.Inputs[Math.Min(i, signature.Inputs.Length - 1)];
                if (input.Length == 0)
                {
                    if (i < signature.MinInputs)
                    {
                        throw new ComputeException(ComputeErrorReason.InvalidModel, $"{node.Display}: required input {i} is missing");
                    }

                    continue;
                }

                var isSequence = sequences.TryGetValue(input, out var seqElement);
                if (isSequence != (expected == Kind.Sequence))
                {
                    throw new ComputeException(ComputeErrorReason.InvalidModel,
                        $"{node.Display}: input {i} '{input}' is a {(isSequence ? "sequence" : "tensor")}, {node.OpType} takes a {(expected == Kind.Sequence ? "sequence" : "tensor")} there");
                }

                if (isSequence)
                {
                    elementType = seqElement;
                }
                else if (i == 0 || node.OpType is "SequenceConstruct" || (node.OpType == "SequenceInsert" && i == 1))
                {
                    // The tensors that become elements: SequenceConstruct's inputs, SequenceInsert's tensor, SplitToSequence's input.
                    if (tensorTypes.TryGetValue(input, out var t))
                    {
                        known.Add(t);
                    }
                }
                else if (tensorTypes.TryGetValue(input, out var positionType) && positionType is not (DataType.Int32 or DataType.Int64))
                {
                    throw new ComputeException(ComputeErrorReason.InvalidModel,
                        $"{node.Display}: input {i} '{input}' is {positionType}, {node.OpType} takes an int32 or int64 {(node.OpType == "SplitToSequence" ? "split" : "position")}");
                }
            }

            if (node.OpType == "SequenceEmpty")
            {
                var dtype = (DataType)node.Attributes.GetInt("dtype", (long)DataType.Float);
                if (!DataTypes.IsSupported(dtype))
                {
                    throw new ComputeException(ComputeErrorReason.UnsupportedDataType, $"{node.Display}: dtype {dtype} is not supported");
                }

                elementType = dtype;
            }

            foreach (var t in known)
            {
                if (elementType is { } e && e != t)
                {
                    throw new ComputeException(ComputeErrorReason.InvalidModel,
                        $"{node.Display}: element types differ ({e} and {t}); a sequence holds tensors of one type");
                }

                elementType = t;
            }

            var output = node.Outputs[0];
            if (signature.Output == Kind.Sequence)
            {
                sequences[output] = elementType;
            }
            else if (node.OpType == "SequenceLength")
            {
                tensorTypes[output] = DataType.Int64;
            }
            else if (elementType is { } e)
            {
                tensorTypes[output] = e; // SequenceAt, ConcatFromSequence
            }
        }

        foreach (var o in outputs)
        {
            var isSequence = sequences.TryGetValue(o.Name, out var element);
            if (isSequence != o.IsSequence)
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel,
                    $"graph output '{o.Name}' is declared a {(o.IsSequence ? "sequence" : "tensor")} but is produced as a {(isSequence ? "sequence" : "tensor")}");
            }

            if (isSequence && element is { } e && e != o.DataType)
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel,
                    $"graph output '{o.Name}' is declared a sequence of {o.DataType} but holds {e}");
            }
        }
    }
}
