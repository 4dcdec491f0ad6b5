namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>
/// Shape and layout of one batched GEMM: Y[b] = alpha·op(A[b])·op(B[b]) + beta·C[b], with every operand addressed
/// through (row, column) strides so that transposition and broadcasting (stride 0) need no copies.
/// </summary>
public readonly record struct GemmParams(
    int M,
    int N,
    int K,
    int ARowStride,
    int AColStride,
    int BRowStride,
    int BColStride,
    int CRowStride,
    int CColStride,
    float Alpha,
    float Beta,
    int HasC,
    int Tile);
