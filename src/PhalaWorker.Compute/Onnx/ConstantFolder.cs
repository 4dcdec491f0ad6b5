using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Onnx;

/// <summary>
/// Evaluates, once at load time, every node whose inputs are all constants (initializers, Constant nodes,
/// ConstantOfShape of a constant shape, ...), on the CPU kernels, and drops nodes that no graph output depends on.
/// Folded values count against MaxTensorElements and MaxPlannedMemoryBytes like initializers. Sequence-producing nodes
/// (SequenceEmpty, SequenceConstruct, SplitToSequence, ...) are never folded, so a constant is always a tensor.
/// </summary>
internal static class ConstantFolder
{
    public static (List<OperatorNode> Nodes, int Folded, long ConstantBytes) Fold(
        List<OperatorNode> ordered, Dictionary<string, Tensor> constants, List<GraphValueInfo> outputs, ComputeOptions options, long constantBytes)
    {
        var allocator = new TensorAllocator(options.MaxTensorElements, options.MaxPlannedMemoryBytes - constantBytes);
        var remaining = new List<OperatorNode>(ordered.Count);
        var folded = 0;
        foreach (var node in ordered)
        {
            // Sequence values are built per job (never constants), so their producers are not folded.
            if (SequenceTypeCheck.ProducesSequence(node) || !node.Inputs.All(i => i.Length == 0 || constants.ContainsKey(i)))
            {
                remaining.Add(node);
                continue;
            }

            var inputs = node.Inputs.Select(i => i.Length == 0 ? null : constants[i]).ToArray();
            var context = new KernelContext(node, inputs, allocator, options.EffectiveThreads, CancellationToken.None);
            KernelRunner.Execute(CpuKernels.Get(node), context);
            allocator.ReleaseTemporaries();
            for (var o = 0; o < node.Outputs.Count; o++)
            {
                if (node.Outputs[o].Length > 0)
                {
                    constants[node.Outputs[o]] = context.GetOutput(o)
                        ?? throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{node.Display}: output {o} was not produced");
                }
            }

            folded++;
        }

        // Keep only nodes some graph output depends on (walk backwards).
        var needed = new HashSet<string>(outputs.Select(o => o.Name), StringComparer.Ordinal);
        var live = new List<OperatorNode>();
        for (var i = remaining.Count - 1; i >= 0; i--)
        {
            var n = remaining[i];
            if (n.Outputs.Any(needed.Contains))
            {
                live.Add(n);
                foreach (var input in n.Inputs)
                {
                    needed.Add(input);
                }
            }
        }

        live.Reverse();
        foreach (var name in constants.Keys.Where(k => !needed.Contains(k)).ToList())
        {
            constants.Remove(name);
        }

        var result = new List<OperatorNode>(live.Count);
        foreach (var n in live)
        {
            result.Add(new OperatorNode(result.Count, n.Name, n.OpType, n.Domain, n.OpsetVersion, n.Inputs, n.Outputs, n.Attributes));
        }

        var bytes = constants.Values.Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>().Sum(t => t.ByteLength);
        return (result, folded, bytes);
    }
}
