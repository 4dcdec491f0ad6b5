using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Operators;

/// <summary>
/// Kernels of nodes the graph optimizer fuses for the CPU backend (domain <c>phala.fused</c>):
/// <list type="bullet">
/// <item><c>Gelu</c>: the Div(√2)/Erf/Add(1)/Mul/Mul(0.5) subgraph of exported transformers, one vectorized pass.</item>
/// <item><c>MatMul</c> with a third input: MatMul followed by the Add of a constant bias along the last axis,
/// added row by row in place; attribute <c>activation = "Relu"</c> also applies Relu.</item>
/// <item><c>Gemm</c> with <c>activation = "Relu"</c>: Relu applied in place after the Gemm.</item>
/// </list>
/// Each gives, element for element, the same float operations as the unfused nodes except Gelu (x·(1/√2) instead of
/// x/√2 and the product regrouped), which stays within a few ulps.
/// </summary>
internal static class FusedOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        var plain = new Dictionary<string, Action<KernelContext>>(StringComparer.Ordinal);
        LinearAlgebraOperators.Register(plain);
        var matMul = plain["MatMul"];
        var gemm = plain["Gemm"];
        table["Gelu"] = ActivationOperators.Gelu;
        table["MatMul"] = c =>
        {
            if (c.Attributes.GetString("activation") == "Relu")
            {
                ElementwiseOperators.WithRelu(c, k => MatMulBias(k, matMul));
            }
            else
            {
                MatMulBias(c, matMul);
            }
        };
        table["Gemm"] = c => ElementwiseOperators.WithRelu(c, gemm);
    }

    private static void MatMulBias(KernelContext c, Action<KernelContext> matMul)
    {
        matMul(c);
        if (c.OptionalInput(2) is { } bias)
        {
            AddRowBias(c, c.GetOutputTensor(0), bias);
        }
    }

    private static void AddRowBias(KernelContext c, Tensor y, Tensor bias)
    {
        var n = y.Shape.Rank == 0 ? 1 : y.Shape[y.Shape.Rank - 1];
        if (y.DataType != DataType.Float || bias.DataType != DataType.Float || bias.Length != n || n == 0)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: bias {bias.DataType}{bias.Shape} does not match the product {y.DataType}{y.Shape}");
        }

        var b = bias.AsReadOnlySpan<float>();
        var rows = y.AsSpan<float>();
        for (var r = 0; r < rows.Length; r += n)
        {
            var row = rows.Slice(r, n);
            TensorPrimitives.Add(row, b, row);
        }
    }
}
