using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PhalaWorker.Compute.Backends.Ilgpu.NativeLibraries;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// <c>cublasSgemmStridedBatched</c>, called directly: ILGPU.Algorithms 1.5.3's <c>CuBlas</c> binds only the single
/// <c>cublasSgemm</c>, so a batched MatMul would otherwise make one cuBLAS call per batch. The function is looked up in
/// the same libcublas the native-library resolver gives ILGPU (same candidate names and directories, so the same loaded
/// image and the same <c>CuBlas.Handle</c>), and runs on the handle's stream (the job's, set by <see cref="IlgpuDevice"/>).
/// </summary>
internal static class CuBlasStridedBatched
{
    private static readonly Lazy<(SgemmStridedBatched? Function, string? Reason)> Entry = new(Resolve);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SgemmStridedBatched(
        nint handle,
        int transa,
        int transb,
        int m,
        int n,
        int k,
        ref float alpha,
        nint a,
        int lda,
        long strideA,
        nint b,
        int ldb,
        long strideB,
        ref float beta,
        nint c,
        int ldc,
        long strideC,
        int batchCount);

    /// <summary>Why the strided-batched call is not available (null when it is).</summary>
    public static string? UnavailableReason => Entry.Value.Reason;

    /// <summary>
    /// Whether per-batch offsets (as <see cref="IlgpuOperators"/> lays them out: A, B, unused per batch) step by a constant
    /// stride each (0 for a broadcast operand), so one strided-batched call covers every batch.
    /// </summary>
    public static bool TryGetStrides(ReadOnlySpan<int> offsets, int batchCount, out long strideA, out long strideB)
    {
        strideA = 0;
        strideB = 0;
        if (batchCount < 2 || offsets.Length < 3 * batchCount)
        {
            return false;
        }

        strideA = offsets[3] - offsets[0];
        strideB = offsets[4] - offsets[1];
        if (strideA < 0 || strideB < 0)
        {
            return false;
        }

        for (int i = 1; i < batchCount; i++)
        {
            if (offsets[3 * i] - offsets[0] != i * strideA || offsets[(3 * i) + 1] - offsets[1] != i * strideB)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Column-major <c>C_i = alpha·op(A_i)·op(B_i) + beta·C_i</c> for each batch; false when the function is not in the
    /// loaded libcublas (the caller then loops <c>cublasSgemm</c>). A failing status throws <see cref="CuBlasException"/>.
    /// </summary>
    public static bool TryRun(
        CuBlas blas,
        CuBlasOperation transa,
        CuBlasOperation transb,
        int m,
        int n,
        int k,
        float alpha,
        ArrayView<float> a,
        int lda,
        long strideA,
        ArrayView<float> b,
        int ldb,
        long strideB,
        float beta,
        ArrayView<float> c,
        int ldc,
        long strideC,
        int batchCount)
    {
        if (Entry.Value.Function is not { } function)
        {
            return false;
        }

        int status = function(
            blas.Handle,
            (int)transa,
            (int)transb,
            m,
            n,
            k,
            ref alpha,
            a.LoadEffectiveAddressAsPtr(),
            lda,
            strideA,
            b.LoadEffectiveAddressAsPtr(),
            ldb,
            strideB,
            ref beta,
            c.LoadEffectiveAddressAsPtr(),
            ldc,
            strideC,
            batchCount);
        if (status != 0)
        {
            throw new CuBlasException((CuBlasStatus)status);
        }

        return true;
    }

    private static (SgemmStridedBatched?, string?) Resolve()
    {
        var tried = new List<string>();
        if (!GpuNativeLibraryResolver.TryLoad("libcublas", GpuNativeLibraryResolver.SearchDirectories, systemSearch: true, out var library, out _, tried))
        {
            return (null, $"libcublas not found (tried {string.Join(", ", tried)})");
        }

        return NativeLibrary.TryGetExport(library, "cublasSgemmStridedBatched", out var address)
            ? (Marshal.GetDelegateForFunctionPointer<SgemmStridedBatched>(address), null)
            : (null, "the loaded libcublas has no cublasSgemmStridedBatched");
    }
}
