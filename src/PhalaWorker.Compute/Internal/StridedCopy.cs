namespace PhalaWorker.Compute.Internal;

/// <summary>
/// Copies an N-d strided view of a source into a dense destination: dst[i0..in] = src[offset + Σ ik·stride_k].
/// Covers Transpose (permuted strides), Slice (scaled strides, negative steps) and Expand (zero strides).
/// </summary>
internal static class StridedCopy
{
    public static void Copy<T>(ReadOnlySpan<T> src, long offset, ReadOnlySpan<int> dims, ReadOnlySpan<long> strides, Span<T> dst)
        where T : unmanaged
    {
        var rank = dims.Length;
        long total = 1;
        foreach (var d in dims)
        {
            total *= d;
        }

        if (total == 0)
        {
            return;
        }

        if (rank == 0)
        {
            dst[0] = src[(int)offset];
            return;
        }

        var inner = dims[rank - 1];
        var innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        var srcPos = offset;
        var outPos = 0;
        var rows = total / inner;
        for (long r = 0; r < rows; r++)
        {
            if (innerStride == 1)
            {
                src.Slice((int)srcPos, inner).CopyTo(dst.Slice(outPos, inner));
            }
            else
            {
                var p = srcPos;
                for (var i = 0; i < inner; i++)
                {
                    dst[outPos + i] = src[(int)p];
                    p += innerStride;
                }
            }

            outPos += inner;
            // Advance the outer counter.
            for (var d = rank - 2; d >= 0; d--)
            {
                idx[d]++;
                srcPos += strides[d];
                if (idx[d] < dims[d])
                {
                    break;
                }

                srcPos -= strides[d] * dims[d];
                idx[d] = 0;
            }
        }
    }
}
