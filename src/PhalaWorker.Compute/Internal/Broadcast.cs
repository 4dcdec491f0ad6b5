using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Internal;

/// <summary>
/// ONNX multidirectional (numpy) broadcasting. <see cref="Plan"/> collapses the output into rows: an outer index
/// space enumerated in order, and an inner run of <see cref="BroadcastPlan.InnerLength"/> elements along which each
/// input advances by stride 0 (broadcast) or 1 (contiguous).
/// </summary>
internal static class Broadcast
{
    public static TensorShape OutputShape(string op, params ReadOnlySpan<TensorShape> shapes)
    {
        var rank = 0;
        foreach (var s in shapes)
        {
            rank = Math.Max(rank, s.Rank);
        }

        var dims = new int[rank];
        for (var d = 0; d < rank; d++)
        {
            var dim = 1;
            foreach (var s in shapes)
            {
                var i = d - (rank - s.Rank);
                if (i < 0)
                {
                    continue;
                }

                var v = s[i];
                if (v == dim || v == 1)
                {
                    continue;
                }

                if (dim != 1)
                {
                    throw new ComputeException(ComputeErrorReason.ExecutionFailed,
                        $"{op}: shapes {string.Join(", ", shapes.ToArray())} cannot be broadcast");
                }

                dim = v;
            }

            dims[d] = dim;
        }

        // A zero-sized dim broadcast against 1 gives 0.
        for (var d = 0; d < rank; d++)
        {
            foreach (var s in shapes)
            {
                var i = d - (rank - s.Rank);
                if (i >= 0 && s[i] == 0)
                {
                    dims[d] = 0;
                }
            }
        }

        return new TensorShape(dims);
    }

    public static BroadcastPlan Plan(TensorShape output, params ReadOnlySpan<TensorShape> inputs)
    {
        var rank = output.Rank;
        var n = inputs.Length;
        // Strides per input aligned to the output (0 where broadcast).
        var strides = new long[n][];
        for (var k = 0; k < n; k++)
        {
            strides[k] = new long[rank];
            var s = inputs[k];
            long acc = 1;
            for (var d = rank - 1; d >= 0; d--)
            {
                var i = d - (rank - s.Rank);
                if (i < 0)
                {
                    continue;
                }

                strides[k][d] = s[i] == 1 && output[d] != 1 ? 0 : acc;
                acc *= s[i];
            }
        }

        // Collapse: drop size-1 dims, merge mergeable neighbours.
        var dims = new List<long>();
        var st = new List<long[]>();
        for (var d = 0; d < rank; d++)
        {
            if (output[d] == 1)
            {
                continue;
            }

            var cur = new long[n];
            for (var k = 0; k < n; k++)
            {
                cur[k] = strides[k][d];
            }

            if (dims.Count > 0)
            {
                var last = st[^1];
                var canMerge = true;
                for (var k = 0; k < n && canMerge; k++)
                {
                    canMerge = last[k] == cur[k] * output[d];
                }

                if (canMerge)
                {
                    dims[^1] *= output[d];
                    st[^1] = cur;
                    continue;
                }
            }

            dims.Add(output[d]);
            st.Add(cur);
        }

        if (dims.Count == 0)
        {
            dims.Add(1);
            st.Add(new long[n]);
        }

        return new BroadcastPlan(dims.ToArray(), st.ToArray(), n);
    }
}

/// <summary>A collapsed broadcast iteration space (see <see cref="Broadcast.Plan"/>).</summary>
internal sealed class BroadcastPlan
{
    private readonly long[] _dims;
    private readonly long[][] _strides; // [dim][input]

    public BroadcastPlan(long[] dims, long[][] strides, int inputs)
    {
        _dims = dims;
        _strides = strides;
        Inputs = inputs;
        InnerLength = (int)dims[^1];
        InnerStrides = strides[^1].Select(s => (int)s).ToArray();
        long rows = 1;
        for (var d = 0; d < dims.Length - 1; d++)
        {
            rows *= dims[d];
        }

        Rows = rows;
    }

    public int Inputs { get; }

    /// <summary>Elements per row (the innermost collapsed dim).</summary>
    public int InnerLength { get; }

    /// <summary>Per input: 0 (broadcast) or its element stride along the inner dim (1 when contiguous).</summary>
    public int[] InnerStrides { get; }

    public long Rows { get; }

    /// <summary>Fills <paramref name="offsets"/> with each input's start offset for output row <paramref name="row"/>.</summary>
    public void RowOffsets(long row, Span<long> offsets)
    {
        offsets.Clear();
        for (var d = _dims.Length - 2; d >= 0; d--)
        {
            var idx = row % _dims[d];
            row /= _dims[d];
            for (var k = 0; k < Inputs; k++)
            {
                offsets[k] += idx * _strides[d][k];
            }
        }
    }
}
