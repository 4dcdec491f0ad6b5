using PhalaWorker.Compute.Backends;

namespace PhalaWorker.Compute.Operators;

/// <summary>Collects the CPU kernels of every operator family (one file per family in this folder).</summary>
internal static class OperatorRegistration
{
    public static void RegisterAll(Dictionary<string, Action<KernelContext>> table)
    {
        ElementwiseOperators.Register(table);
        UnaryOperators.Register(table);
        ActivationOperators.Register(table);
        SoftmaxOperators.Register(table);
        LinearAlgebraOperators.Register(table);
        ConvOperators.Register(table);
        PoolingOperators.Register(table);
        NormalizationOperators.Register(table);
        ShapeOperators.Register(table);
        ReductionOperators.Register(table);
        CastOperators.Register(table);
        ConstantOperators.Register(table);
        SequenceOperators.Register(table);
    }

    /// <summary>Kernels of the fused nodes the graph optimizer creates (domain <c>phala.fused</c>; never accepted from a model).</summary>
    public static void RegisterFused(Dictionary<string, Action<KernelContext>> table)
    {
        ConvOperators.RegisterFused(table);
        ElementwiseOperators.RegisterFused(table);
        FusedOperators.Register(table);
    }
}
