using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Onnx;

/// <summary>
/// Load-time rewrites that keep results within float rounding of the original graph:
/// <list type="bullet">
/// <item>BatchNormalization (inference, constant parameters) after a Conv with constant weights is folded into the
/// Conv's weights and bias (every backend sees a plain Conv).</item>
/// <item>For the CPU backend only, nodes in <see cref="CpuKernels.FusedDomain"/> (see <c>Operators/FusedOperators</c>):
/// the exact-erf GELU subgraph becomes one Gelu; MatMul by a constant matrix + a constant bias vector becomes one MatMul
/// with the bias added in place; Conv/Add/Sum/Gemm/MatMul followed by Relu become one node (Relu applied in the GEMM
/// epilogue / in place), saving passes over memory, buffers and per-node overhead.</item>
/// </list>
/// A rewrite applies only when the intermediate value has exactly one consumer and is not a graph output.
/// </summary>
internal static class GraphOptimizer
{
    public static LoadedGraph Optimize(LoadedGraph graph, bool fuseActivations)
    {
        var constants = new Dictionary<string, Tensor>(graph.Constants, StringComparer.Ordinal);
        var nodes = graph.Nodes.ToList();
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        FoldBatchNorm(nodes, constants, outputs);
        if (fuseActivations)
        {
            FuseGelu(nodes, constants, outputs);
            FuseMatMulBias(nodes, constants, outputs);
            FuseRelu(nodes, outputs);
        }

        var used = new HashSet<string>(nodes.SelectMany(n => n.Inputs).Concat(outputs), StringComparer.Ordinal);
        foreach (var name in constants.Keys.Where(k => !used.Contains(k)).ToList())
        {
            constants.Remove(name);
        }

        var renumbered = nodes.Select((n, i) => new OperatorNode(i, n.Name, n.OpType, n.Domain, n.OpsetVersion, n.Inputs, n.Outputs, n.Attributes)).ToList();
        return new LoadedGraph
        {
            Nodes = renumbered,
            Constants = constants,
            Inputs = graph.Inputs,
            Outputs = graph.Outputs,
            ConstantBytes = constants.Values.Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>().Sum(t => t.ByteLength),
            IrVersion = graph.IrVersion,
            Opset = graph.Opset,
            FoldedNodes = graph.FoldedNodes,
        };
    }

    private static Dictionary<string, int> Consumers(List<OperatorNode> nodes)
    {
        var count = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            foreach (var i in n.Inputs)
            {
                if (i.Length > 0)
                {
                    count[i] = count.GetValueOrDefault(i) + 1;
                }
            }
        }

        return count;
    }

    private static void FoldBatchNorm(List<OperatorNode> nodes, Dictionary<string, Tensor> constants, HashSet<string> outputs)
    {
        var consumers = Consumers(nodes);
        for (var i = 0; i < nodes.Count; i++)
        {
            var conv = nodes[i];
            if (conv.OpType != "Conv" || conv.Domain.Length != 0 || conv.Inputs.Count < 2 || conv.Outputs.Count != 1
                || !constants.TryGetValue(conv.Inputs[1], out var w) || w.DataType != DataType.Float || w.Shape.Rank < 3)
            {
                continue;
            }

            Tensor? b = null;
            if (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0 && !constants.TryGetValue(conv.Inputs[2], out b))
            {
                continue;
            }

            var j = SoleConsumer(nodes, consumers, outputs, conv.Outputs[0], "BatchNormalization", out var position);
            if (j < 0 || position != 0)
            {
                continue;
            }

            var bn = nodes[j];
            var training = bn.OpsetVersion >= 14 && bn.Attributes.GetInt("training_mode", 0) != 0;
            if (training || bn.Outputs.Skip(1).Any(o => o.Length > 0) || bn.Inputs.Count < 5
                || !bn.Inputs.Skip(1).Take(4).All(constants.ContainsKey))
            {
                continue;
            }

            var scale = constants[bn.Inputs[1]];
            var shift = constants[bn.Inputs[2]];
            var mean = constants[bn.Inputs[3]];
            var variance = constants[bn.Inputs[4]];
            var maps = w.Shape[0];
            if (new[] { scale, shift, mean, variance }.Any(t => t.DataType != DataType.Float || t.Length != maps) || (b is not null && (b.DataType != DataType.Float || b.Length != maps)))
            {
                continue;
            }

            var epsilon = (double)bn.Attributes.GetFloat("epsilon", 1e-5f);
            var perMap = w.Length / maps;
            var newW = new float[w.Length];
            var newB = new float[maps];
            var ws = w.AsReadOnlySpan<float>();
            for (var m = 0; m < maps; m++)
            {
                var factor = scale.AsReadOnlySpan<float>()[m] / Math.Sqrt(variance.AsReadOnlySpan<float>()[m] + epsilon);
                for (var k = 0; k < perMap; k++)
                {
                    newW[(m * perMap) + k] = (float)(ws[(m * perMap) + k] * factor);
                }

                var bias = b is null ? 0.0 : b.AsReadOnlySpan<float>()[m];
                newB[m] = (float)(((bias - mean.AsReadOnlySpan<float>()[m]) * factor) + shift.AsReadOnlySpan<float>()[m]);
            }

            var wName = $"{conv.Inputs[1]}::bn{i}";
            var bName = $"{bn.Outputs[0]}::bias{i}";
            constants[wName] = new Tensor(DataType.Float, w.Shape, newW);
            constants[bName] = new Tensor(DataType.Float, new TensorShape(maps), newB);
            nodes[i] = new OperatorNode(i, conv.Name, conv.OpType, conv.Domain, conv.OpsetVersion,
                [conv.Inputs[0], wName, bName], [bn.Outputs[0]], conv.Attributes);
            nodes.RemoveAt(j);
            consumers = Consumers(nodes);
        }
    }

    private static void FuseRelu(List<OperatorNode> nodes, HashSet<string> outputs)
    {
        var consumers = Consumers(nodes);
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var fusable = n.Outputs.Count == 1 && !n.Attributes.Has("activation")
                && ((n.Domain.Length == 0 && (n.OpType is "Conv" or "Add" or "Gemm" || (n.OpType == "Sum" && n.Inputs.Count >= 2)))
                    || (n.Domain == CpuKernels.FusedDomain && n.OpType == "MatMul"));
            if (!fusable)
            {
                continue;
            }

            var j = SoleConsumer(nodes, consumers, outputs, n.Outputs[0], "Relu", out var position);
            if (j < 0 || position != 0)
            {
                continue;
            }

            var attributes = n.Attributes.Names.ToDictionary(a => a, a => Get(n.Attributes, a), StringComparer.Ordinal);
            attributes["activation"] = "Relu";
            nodes[i] = new OperatorNode(i, n.Name, n.OpType, CpuKernels.FusedDomain, n.OpsetVersion, n.Inputs, [nodes[j].Outputs[0]], new NodeAttributes(attributes));
            nodes.RemoveAt(j);
            consumers = Consumers(nodes);
        }
    }

    /// <summary>
    /// MatMul(A, B) + bias with B a constant matrix and bias a constant vector of B's width becomes one fused MatMul
    /// that adds the bias row by row in place (no second pass through a new buffer, one node less).
    /// </summary>
    private static void FuseMatMulBias(List<OperatorNode> nodes, Dictionary<string, Tensor> constants, HashSet<string> outputs)
    {
        var consumers = Consumers(nodes);
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            if (n.OpType != "MatMul" || n.Domain.Length != 0 || n.Inputs.Count != 2 || n.Outputs.Count != 1
                || !constants.TryGetValue(n.Inputs[1], out var b) || b.DataType != DataType.Float || b.Shape.Rank != 2)
            {
                continue;
            }

            var j = SoleConsumer(nodes, consumers, outputs, n.Outputs[0], "Add", out var position);
            if (j < 0 || !IsBinary(nodes[j]))
            {
                continue;
            }

            var add = nodes[j];
            var biasName = add.Inputs[1 - position];
            if (!constants.TryGetValue(biasName, out var bias) || bias.DataType != DataType.Float || bias.Shape.Rank != 1 || bias.Length != b.Shape[1])
            {
                continue;
            }

            nodes[i] = new OperatorNode(i, n.Name, "MatMul", CpuKernels.FusedDomain, n.OpsetVersion, [n.Inputs[0], n.Inputs[1], biasName], [add.Outputs[0]], n.Attributes);
            nodes.RemoveAt(j);
            consumers = Consumers(nodes);
        }
    }

    /// <summary>
    /// The exact-erf GELU subgraph exporters write, y = (x · (erf(x / √2) + 1)) · 0.5 (Div by √2 or Mul by 1/√2; operands
    /// of Add and Mul in either order), becomes one fused Gelu node placed where the last Mul was.
    /// </summary>
    private static void FuseGelu(List<OperatorNode> nodes, Dictionary<string, Tensor> constants, HashSet<string> outputs)
    {
        var consumers = Consumers(nodes);
        for (var i = 0; i < nodes.Count; i++)
        {
            var scale = nodes[i];
            if (scale.Domain.Length != 0 || !IsBinary(scale)
                || !((scale.OpType == "Div" && IsScalar(constants, scale.Inputs[1], Math.Sqrt(2)))
                    || (scale.OpType == "Mul" && IsScalar(constants, scale.Inputs[1], Math.Sqrt(0.5)))))
            {
                continue;
            }

            var x = scale.Inputs[0];
            var erf = SoleConsumer(nodes, consumers, outputs, scale.Outputs[0], "Erf", out _);
            if (erf < 0 || nodes[erf].Inputs.Count != 1 || nodes[erf].Outputs.Count != 1)
            {
                continue;
            }

            var plusOne = SoleConsumer(nodes, consumers, outputs, nodes[erf].Outputs[0], "Add", out var p1);
            if (plusOne < 0 || !IsBinary(nodes[plusOne]) || !IsScalar(constants, nodes[plusOne].Inputs[1 - p1], 1))
            {
                continue;
            }

            var timesX = SoleConsumer(nodes, consumers, outputs, nodes[plusOne].Outputs[0], "Mul", out var p2);
            if (timesX < 0 || !IsBinary(nodes[timesX]) || nodes[timesX].Inputs[1 - p2] != x)
            {
                continue;
            }

            var half = SoleConsumer(nodes, consumers, outputs, nodes[timesX].Outputs[0], "Mul", out var p3);
            if (half < 0 || !IsBinary(nodes[half]) || !IsScalar(constants, nodes[half].Inputs[1 - p3], 0.5))
            {
                continue;
            }

            nodes[half] = new OperatorNode(half, scale.Name, "Gelu", CpuKernels.FusedDomain, scale.OpsetVersion, [x], [nodes[half].Outputs[0]], NodeAttributes.Empty);
            foreach (var dead in new[] { timesX, plusOne, erf, i }.OrderDescending())
            {
                nodes.RemoveAt(dead);
            }

            consumers = Consumers(nodes);
            i--;
        }
    }

    /// <summary>
    /// The index of the default-domain <paramref name="opType"/> node that is the only reader of <paramref name="value"/>
    /// (a value that is not a graph output), with the input <paramref name="position"/> it reads it at; −1 otherwise.
    /// </summary>
    private static int SoleConsumer(List<OperatorNode> nodes, Dictionary<string, int> consumers, HashSet<string> outputs, string value, string opType,
        out int position)
    {
        position = -1;
        if (outputs.Contains(value) || consumers.GetValueOrDefault(value) != 1)
        {
            return -1;
        }

        var index = nodes.FindIndex(n => n.Inputs.Contains(value));
        if (index < 0 || nodes[index].OpType != opType || nodes[index].Domain.Length != 0)
        {
            return -1;
        }

        var inputs = nodes[index].Inputs;
        for (position = 0; inputs[position] != value; position++)
        {
        }

        return index;
    }

    /// <summary>A node with exactly two inputs and one output (the Add/Mul/Div shapes the fusions rewrite).</summary>
    private static bool IsBinary(OperatorNode node) => node.Inputs.Count == 2 && node.Outputs.Count == 1;

    private static bool IsScalar(Dictionary<string, Tensor> constants, string name, double value) =>
        constants.TryGetValue(name, out var t) && t.DataType == DataType.Float && t.Length == 1
        && Math.Abs(t.AsReadOnlySpan<float>()[0] - value) <= 1e-6 * Math.Abs(value);

    private static object Get(NodeAttributes attributes, string name) => attributes.Raw(name);
}
