using System.Collections.Frozen;

namespace PhalaWorker.Compute.Conformance;

/// <summary>
/// The tolerance a conformance comparison uses: |got − exp| ≤ <see cref="Absolute"/> + <see cref="Relative"/>·|exp|.
/// Every backend uses ONNX's default (rtol 1e-3, atol 1e-7) except where <see cref="Cuda"/> lists an op: on the GPU,
/// ptxas contracts multiply-adds into FMAs, so K-long dot products (MatMul, Gemm, Conv) round differently from the CPU
/// (not bit-identical) and a sum that cancels to near zero can miss by more than 1e-7 absolute; their absolute tolerance is
/// 1e-5. The relative tolerance is never loosened. A model's tolerance is the loosest over its nodes' ops.
/// </summary>
public readonly record struct ConformanceTolerance(double Relative, double Absolute)
{
    /// <summary>ONNX's backend-test default.</summary>
    public static ConformanceTolerance Onnx { get; } = new(TensorComparer.DefaultRelativeTolerance, TensorComparer.DefaultAbsoluteTolerance);

    /// <summary>Per-op tolerances of the <c>cuda</c> backend where they differ from <see cref="Onnx"/>.</summary>
    public static FrozenDictionary<string, ConformanceTolerance> Cuda { get; } = new Dictionary<string, ConformanceTolerance>(StringComparer.Ordinal)
    {
        ["MatMul"] = new(TensorComparer.DefaultRelativeTolerance, 1e-5),
        ["Gemm"] = new(TensorComparer.DefaultRelativeTolerance, 1e-5),
        ["Conv"] = new(TensorComparer.DefaultRelativeTolerance, 1e-5),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The tolerance for a model with nodes of <paramref name="opTypes"/> run on <paramref name="backend"/>.</summary>
    public static ConformanceTolerance For(string backend, IEnumerable<string> opTypes)
    {
        ArgumentNullException.ThrowIfNull(opTypes);
        var result = Onnx;
        if (backend != "cuda")
        {
            return result;
        }

        foreach (var op in opTypes)
        {
            if (Cuda.TryGetValue(op, out var t))
            {
                result = new ConformanceTolerance(Math.Max(result.Relative, t.Relative), Math.Max(result.Absolute, t.Absolute));
            }
        }

        return result;
    }
}
