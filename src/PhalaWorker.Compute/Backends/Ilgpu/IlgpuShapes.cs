namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>Host-side shape arithmetic for the ILGPU operators (ONNX broadcasting, strides).</summary>
internal static class IlgpuShapes
{
    public static int Size(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            size *= d;
            if (size > int.MaxValue)
            {
                throw new NotSupportedException("The ILGPU backend indexes tensors with 32-bit offsets; this tensor is larger than 2^31 elements.");
            }
        }

        return (int)size;
    }

    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }

        return strides;
    }

    /// <summary>Numpy multidirectional broadcast of two shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                throw new IlgpuUnsupportedException($"Shapes [{string.Join(',', a.ToArray())}] and [{string.Join(',', b.ToArray())}] are not broadcastable.");
            }

            result[i] = da == 1 ? db : da;
        }

        return result;
    }

    /// <summary>Strides that read <paramref name="shape"/> as if broadcast to <paramref name="target"/> (0 on broadcast axes).</summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        var own = Strides(shape);
        var result = new int[target.Length];
        int shift = target.Length - shape.Length;
        for (int i = 0; i < target.Length; i++)
        {
            int src = i - shift;
            result[i] = src < 0 || shape[src] == 1 ? 0 : own[src];
        }

        return result;
    }

    public static int NormalizeAxis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1))
        {
            throw new IlgpuUnsupportedException($"Axis {axis} is out of range for rank {rank}.");
        }

        return (int)a;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(',', shape.ToArray()) + "]";
}
