using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Onnx;

namespace PhalaWorker.Compute;

/// <summary>
/// A model loaded and planned for one engine/backend: validated graph, folded constants, per-node kernels and the
/// liveness plan (the last node that reads each value, after which its buffer is reused). Reusable across jobs,
/// one job at a time per instance is not required: runs share no mutable state except the backend's kernels.
/// </summary>
public sealed class ComputeModel
{
    internal ComputeModel(LoadedGraph graph, IOperatorKernel[] kernels, string backend, string modelDigest)
    {
        Graph = graph;
        Kernels = kernels;
        Backend = backend;
        ModelDigest = modelDigest;
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            foreach (var o in node.Outputs)
            {
                if (o.Length > 0)
                {
                    lastUse[o] = node.Index;
                }
            }

            foreach (var i in node.Inputs)
            {
                if (i.Length > 0)
                {
                    lastUse[i] = node.Index;
                }
            }
        }

        foreach (var o in graph.Outputs)
        {
            lastUse[o.Name] = int.MaxValue;
        }

        var dying = new List<string>[graph.Nodes.Count];
        for (var i = 0; i < dying.Length; i++)
        {
            dying[i] = [];
        }

        foreach (var (name, index) in lastUse)
        {
            if (index != int.MaxValue && !graph.Constants.ContainsKey(name))
            {
                dying[index].Add(name);
            }
        }

        DyingAfter = dying;
        var consumed = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs.Select(o => o.Name)), StringComparer.Ordinal);
        UsedOutputs = graph.Nodes.Select(n => n.Outputs.Select(o => o.Length > 0 && consumed.Contains(o)).ToArray()).ToArray();
        ConstantInputs = graph.Nodes.Select(n => n.Inputs.Select(i => i.Length > 0 && graph.Constants.ContainsKey(i)).ToArray()).ToArray();
    }

    internal LoadedGraph Graph { get; }

    /// <summary>Zeroed buffers kept between this model's jobs.</summary>
    internal Internal.BufferCache Buffers { get; } = new();

    internal IOperatorKernel[] Kernels { get; }

    /// <summary>Per node, which outputs some node or the graph output reads (optional outputs nobody reads are skipped).</summary>
    internal bool[][] UsedOutputs { get; }

    /// <summary>Per node, which inputs are model constants.</summary>
    internal bool[][] ConstantInputs { get; }

    /// <summary>Values whose last reader is node i (released after it runs).</summary>
    internal IReadOnlyList<string>[] DyingAfter { get; }

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
