using ILGPU;

namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>
/// Tiled shared-memory GEMM. Launch with a (ceil(N/T), ceil(M/T), batch) grid of T×T groups and 2·T² floats of
/// dynamic shared memory; each group stages a T×T tile of A and of B per step of K. Each output is accumulated by
/// one thread in increasing k, so the result does not depend on scheduling (bit-identical across runs).
/// </summary>
internal static class GemmKernel
{
    /// <summary>One output element per thread; <c>offsets</c> holds per batch [aOffset, bOffset, cOffset] (broadcast batches repeat an offset).</summary>
    public static void Tiled(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> y, ArrayView<int> offsets, GemmParams p)
    {
        int t = p.Tile;
        ArrayView<float> shared = SharedMemory.GetDynamic<float>();
        ArrayView<float> tileA = shared.SubView(0, t * t);
        ArrayView<float> tileB = shared.SubView(t * t, t * t);

        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int row = (Grid.IdxY * t) + ty;
        int col = (Grid.IdxX * t) + tx;
        int batch = Grid.IdxZ;
        int aBase = offsets[3 * batch];
        int bBase = offsets[(3 * batch) + 1];

        float acc = 0f;
        for (int k0 = 0; k0 < p.K; k0 += t)
        {
            int ka = k0 + tx;
            tileA[(ty * t) + tx] = row < p.M && ka < p.K ? a[aBase + (row * p.ARowStride) + (ka * p.AColStride)] : 0f;
            int kb = k0 + ty;
            tileB[(ty * t) + tx] = kb < p.K && col < p.N ? b[bBase + (kb * p.BRowStride) + (col * p.BColStride)] : 0f;
            Group.Barrier();

            int kEnd = p.K - k0 < t ? p.K - k0 : t;
            for (int kk = 0; kk < kEnd; kk++)
            {
                acc += tileA[(ty * t) + kk] * tileB[(kk * t) + tx];
            }

            Group.Barrier();
        }

        if (row < p.M && col < p.N)
        {
            float v = p.Alpha * acc;
            if (p.HasC != 0)
            {
                v += p.Beta * c[offsets[(3 * batch) + 2] + (row * p.CRowStride) + (col * p.CColStride)];
            }

            y[(batch * p.M * p.N) + (row * p.N) + col] = v;
        }
    }
}
