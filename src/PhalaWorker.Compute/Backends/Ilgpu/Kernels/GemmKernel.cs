using ILGPU;

namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>
/// Tiled shared-memory GEMM. Launch with a (ceil(N/T), ceil(M/T), batch) grid of T×T groups and 2·T² floats of
/// dynamic shared memory (or several launches over sub-grids, offset by the params' RowBase/ColBase/BatchBase); each group stages a T×T tile of A and of B per step of K. Each output is accumulated by
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
        int row = p.RowBase + (Grid.IdxY * t) + ty;
        int col = p.ColBase + (Grid.IdxX * t) + tx;
        int batch = p.BatchBase + Grid.IdxZ;
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

    /// <summary>
    /// The same product without shared memory or barriers: grid-stride over the (batch, M, N) outputs.
    /// Used on ILGPU's CPU accelerator, where every group barrier is a real cross-thread rendezvous and the tiled
    /// kernel's two barriers per K step dominate; the k order (and so the result) is the same as <see cref="Tiled"/>.
    /// </summary>
    public static void Direct(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> y, ArrayView<int> offsets, GemmParams p, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            int col = i % p.N;
            int rest = i / p.N;
            int row = rest % p.M;
            int batch = rest / p.M;
            int aIndex = offsets[3 * batch] + (row * p.ARowStride);
            int bIndex = offsets[(3 * batch) + 1] + (col * p.BColStride);
            float acc = 0f;
            for (int k = 0; k < p.K; k++)
            {
                acc += a[aIndex] * b[bIndex];
                aIndex += p.AColStride;
                bIndex += p.BRowStride;
            }

            float v = p.Alpha * acc;
            if (p.HasC != 0)
            {
                v += p.Beta * c[offsets[(3 * batch) + 2] + (row * p.CRowStride) + (col * p.CColStride)];
            }

            y[i] = v;
        }
    }

    /// <summary>Columns of Y one <see cref="RowPanel"/> work item covers.</summary>
    public const int PanelWidth = 32;

    /// <summary>
    /// CPU-accelerator GEMM: one work item per (batch, row, panel of <see cref="PanelWidth"/> columns), accumulating
    /// into Y in increasing k while streaming B row by row (cache-friendly on a CPU). Each output still sums its
    /// products from k = 0 upwards starting at 0, exactly as <see cref="Tiled"/> and <see cref="Direct"/> do.
    /// </summary>
    public static void RowPanel(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> y, ArrayView<int> offsets, GemmParams p, GridStride range)
    {
        int panels = (p.N + PanelWidth - 1) / PanelWidth;
        for (int item = index; item < range.Count; item += range.Stride)
        {
            int panel = item % panels;
            int rest = item / panels;
            int row = rest % p.M;
            int batch = rest / p.M;
            int col0 = panel * PanelWidth;
            int width = p.N - col0 < PanelWidth ? p.N - col0 : PanelWidth;
            int yBase = (batch * p.M * p.N) + (row * p.N) + col0;
            for (int j = 0; j < width; j++)
            {
                y[yBase + j] = 0f;
            }

            int aIndex = offsets[3 * batch] + (row * p.ARowStride);
            int bRow = offsets[(3 * batch) + 1] + (col0 * p.BColStride);
            for (int k = 0; k < p.K; k++)
            {
                float av = a[aIndex];
                int bIndex = bRow;
                for (int j = 0; j < width; j++)
                {
                    y[yBase + j] += av * b[bIndex];
                    bIndex += p.BColStride;
                }

                aIndex += p.AColStride;
                bRow += p.BRowStride;
            }

            if (p.Alpha != 1f || p.HasC != 0)
            {
                int cBase = offsets[(3 * batch) + 2] + (row * p.CRowStride);
                for (int j = 0; j < width; j++)
                {
                    float v = p.Alpha * y[yBase + j];
                    if (p.HasC != 0)
                    {
                        v += p.Beta * c[cBase + ((col0 + j) * p.CColStride)];
                    }

                    y[yBase + j] = v;
                }
            }
        }
    }
}
