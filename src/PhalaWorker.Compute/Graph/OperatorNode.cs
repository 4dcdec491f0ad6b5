namespace PhalaWorker.Compute.Graph;

/// <summary>
/// One node of a loaded graph, in execution (topological) order. Input and output names refer to graph values;
/// an empty string marks an absent optional input/output. <see cref="OpsetVersion"/> is the model's opset for the
/// node's domain, which selects the operator's semantics (e.g. Softmax before/after 13, Slice attributes before 10).
/// </summary>
public sealed class OperatorNode
{
    public OperatorNode(int index, string name, string opType, string domain, int opsetVersion,
        IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, NodeAttributes attributes)
    {
        Index = index;
        Name = name;
        OpType = opType;
        Domain = domain;
        OpsetVersion = opsetVersion;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
        Display = string.IsNullOrEmpty(name) ? opType : $"{opType} '{name}'";
    }

    /// <summary>Position in the execution order.</summary>
    public int Index { get; }

    public string Name { get; }

    public string OpType { get; }

    /// <summary>Operator domain ("" for the default ONNX domain).</summary>
    public string Domain { get; }

    public int OpsetVersion { get; }

    public IReadOnlyList<string> Inputs { get; }

    public IReadOnlyList<string> Outputs { get; }

    public NodeAttributes Attributes { get; }

    /// <summary>"OpType 'name'" for error messages.</summary>
    public string Display { get; }

    public override string ToString() => Display;
}
