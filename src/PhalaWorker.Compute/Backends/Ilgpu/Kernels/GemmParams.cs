namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>
/// Shape and layout of one batched GEMM: Y[b] = alpha·op(A[b])·op(B[b]) + beta·C[b], with every operand addressed
/// through (row, column) strides so that transposition and broadcasting (stride 0) need no copies.
/// <paramref name="RowBase"/>, <paramref name="ColBase"/> and <paramref name="BatchBase"/> offset the tiled kernel's grid,
/// so a product whose tile grid exceeds the device's grid limits is computed in several launches.
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
    int Tile,
    int RowBase = 0,
    int ColBase = 0,
    int BatchBase = 0);
