using ILGPU;

namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>ReduceSum/ReduceMean over any set of axes: one thread per output, fixed summation order.</summary>
internal static class ReduceKernels
{
    /// <summary>
    /// <paramref name="meta"/> = inDims[rank] ‖ inStrides[rank] ‖ reduced[rank] (1 = axis reduced).
    /// Output element i enumerates the kept coordinates (row-major over the kept dims).
    /// </summary>
    public static void Reduce(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<int> meta, Int3 shape, GridStride range)
    {
        for (int i = index; i < range.Count; i += range.Stride)
        {
            ReduceAt(i, x, y, meta, shape);
        }
    }

    private static void ReduceAt(int i, ArrayView<float> x, ArrayView<float> y, ArrayView<int> meta, Int3 shape)
    {
        int rank = shape.X;
        int reducedCount = shape.Y;
        int mean = shape.Z;

        int rest = i;
        int baseOffset = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            if (meta[(2 * rank) + d] == 0)
            {
                int dim = meta[d];
                int coord = rest % dim;
                rest /= dim;
                baseOffset += coord * meta[rank + d];
            }
        }

        float sum = 0f;
        for (int r = 0; r < reducedCount; r++)
        {
            int restR = r;
            int offset = baseOffset;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (meta[(2 * rank) + d] != 0)
                {
                    int dim = meta[d];
                    int coord = restR % dim;
                    restR /= dim;
                    offset += coord * meta[rank + d];
                }
            }

            sum += x[offset];
        }

        y[i] = mean != 0 ? sum / reducedCount : sum;
    }
}
