using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Compute;

/// <summary>
/// A model loaded and planned for one engine/backend: validated graph, folded constants, per-node kernels and the
/// execution plan (value slots; the last node that reads each value, after which its buffer is reused). Reusable
/// across jobs and safe for concurrent runs: each run takes its own pooled run state.
/// </summary>
public sealed class ComputeModel
{
    internal ComputeModel(LoadedGraph graph, IOperatorKernel[] kernels, string backend, string modelDigest)
    {
        Graph = graph;
        Kernels = kernels;
        Backend = backend;
        ModelDigest = modelDigest;
        Plan = new Internal.ExecutionPlan(graph);
    }

    internal LoadedGraph Graph { get; }

    /// <summary>Zeroed buffers kept between this model's jobs.</summary>
    internal Internal.BufferCache Buffers { get; } = new();

    internal IOperatorKernel[] Kernels { get; }

    /// <summary>Value slots, liveness and the pool of per-run states.</summary>
    internal Internal.ExecutionPlan Plan { get; }

    /// <summary>The backend this model was planned for.</summary>
    public string Backend { get; }

    /// <summary>SHA-256 of the model bytes (hex, for logs).</summary>
    public string ModelDigest { get; }

    public IReadOnlyList<GraphValueInfo> Inputs => Graph.Inputs;

    public IReadOnlyList<GraphValueInfo> Outputs => Graph.Outputs;

    /// <summary>Nodes left to execute after constant folding.</summary>
    public int NodeCount => Graph.Nodes.Count;

    /// <summary>Nodes folded into constants at load.</summary>
    public int FoldedNodeCount => Graph.FoldedNodes;

    /// <summary>Bytes held by constants (initializers and folded values).</summary>
    public long ConstantBytes => Graph.ConstantBytes;
}
