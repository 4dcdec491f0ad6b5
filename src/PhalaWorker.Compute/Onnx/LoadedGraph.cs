using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Onnx;

/// <summary>A validated graph: nodes in topological order, constant values (initializers and folded results), inputs and outputs.</summary>
internal sealed class LoadedGraph
{
    public required IReadOnlyList<OperatorNode> Nodes { get; init; }

    public required IReadOnlyDictionary<string, Tensor> Constants { get; init; }

    public required IReadOnlyList<GraphValueInfo> Inputs { get; init; }

    public required IReadOnlyList<GraphValueInfo> Outputs { get; init; }

    public required long ConstantBytes { get; init; }

    public required long IrVersion { get; init; }

    public required int Opset { get; init; }

    /// <summary>Number of nodes removed by constant folding.</summary>
    public int FoldedNodes { get; init; }
}
