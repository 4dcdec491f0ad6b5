namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>Which GEMM implementation the cuda backend uses for MatMul/Gemm (<c>Compute:CudaUseCuBlas</c>).</summary>
public enum CuBlasMode
{
    /// <summary>cuBLAS for products of at least <see cref="CuBlasPolicy.AutoMinFlops"/> multiply-adds, own kernels below.</summary>
    Auto,

    /// <summary>cuBLAS whenever libcublas loaded and the operands are dense.</summary>
    Always,

    /// <summary>Always this project's own GEMM kernels.</summary>
    Never,
}

/// <summary>
/// The cuBLAS-vs-own-GEMM choice. <c>auto</c> picks cuBLAS for a product of at least <see cref="AutoMinFlops"/>
/// multiply-adds (M·N·K·batches) and the project's tiled kernel below it, where one small launch of our kernel avoids the
/// cuBLAS call overhead. PROVISIONAL: the threshold (64³) is an estimate, not yet measured on a GPU; the figures that set
/// it are the per-size GFLOP/s of both implementations that <c>deploy/gpu-check.sh</c> prints.
/// </summary>
public static class CuBlasPolicy
{
    /// <summary>Smallest M·N·K·batches for which <c>auto</c> uses cuBLAS (provisional: 64³ = 262,144).</summary>
    public const long AutoMinFlops = 64L * 64 * 64;

    /// <summary>Parses the configuration value (<c>auto</c>, <c>always</c>, <c>never</c>; case-insensitive).</summary>
    public static CuBlasMode Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToLowerInvariant() switch
        {
            "auto" => CuBlasMode.Auto,
            "always" => CuBlasMode.Always,
            "never" => CuBlasMode.Never,
            _ => throw new ArgumentException($"Compute:CudaUseCuBlas must be 'auto', 'always' or 'never', not '{value}'.", nameof(value)),
        };
    }

    /// <summary>Whether a product of <paramref name="m"/>×<paramref name="k"/> by <paramref name="k"/>×<paramref name="n"/>, <paramref name="batches"/> times, runs on cuBLAS.</summary>
    public static bool UseCuBlas(CuBlasMode mode, long m, long n, long k, long batches) => mode switch
    {
        CuBlasMode.Never => false,
        CuBlasMode.Always => true,
        _ => m * n * k * Math.Max(1, batches) >= AutoMinFlops,
    };
}
