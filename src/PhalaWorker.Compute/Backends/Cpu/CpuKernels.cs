using System.Collections.Frozen;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Operators;

namespace PhalaWorker.Compute.Backends.Cpu;

/// <summary>
/// The CPU kernel of every supported operator (default ONNX domain). This set defines what the engine accepts;
/// other backends fall back to these kernels for ops they do not implement.
/// </summary>
public static class CpuKernels
{
    /// <summary>Domain of nodes the graph optimizer fuses for the CPU backend (e.g. Conv with a Relu epilogue).
    /// Models cannot use it: the loader refuses every non-default domain.</summary>
    public const string FusedDomain = "phala.fused";

    private static readonly FrozenDictionary<string, IOperatorKernel> Kernels = Build(OperatorRegistration.RegisterAll);
    private static readonly FrozenDictionary<string, IOperatorKernel> FusedKernels = Build(OperatorRegistration.RegisterFused);

    /// <summary>Every supported op type.</summary>
    public static IEnumerable<string> OpTypes => Kernels.Keys.Order(StringComparer.Ordinal);

    public static bool IsSupported(string opType) => Kernels.ContainsKey(opType);

    /// <summary>The CPU kernel for <paramref name="node"/>; UnsupportedOperator when there is none.</summary>
    public static IOperatorKernel Get(OperatorNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var table = node.Domain == FusedDomain ? FusedKernels : Kernels;
        return table.TryGetValue(node.OpType, out var k)
            ? k
            : throw new ComputeException(ComputeErrorReason.UnsupportedOperator, $"operator '{node.OpType}' is not supported");
    }

    private static FrozenDictionary<string, IOperatorKernel> Build(Action<Dictionary<string, Action<KernelContext>>> register)
    {
        var table = new Dictionary<string, Action<KernelContext>>(StringComparer.Ordinal);
        register(table);
        return table.ToFrozenDictionary(p => p.Key, p => (IOperatorKernel)new DelegateKernel(p.Value), StringComparer.Ordinal);
    }

    private sealed class DelegateKernel(Action<KernelContext> run) : IOperatorKernel
    {
        public void Execute(KernelContext context) => run(context);
    }
}
