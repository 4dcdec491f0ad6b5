using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>Shape and data-movement ops: Reshape Flatten Squeeze Unsqueeze Transpose Concat Gather Slice Shape Expand Tile Split.</summary>
internal static class ShapeOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["Reshape"] = Reshape;
        table["Flatten"] = Flatten;
        table["Squeeze"] = Squeeze;
        table["Unsqueeze"] = Unsqueeze;
        table["Transpose"] = Transpose;
        table["Concat"] = Concat;
        table["Gather"] = Gather;
        table["Slice"] = Slice;
        table["Shape"] = Shape;
        table["Expand"] = Expand;
        table["Tile"] = Tile;
    }

    private static ComputeException Invalid(KernelContext c, string message) =>
        new(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: {message}");

    private static void Reshape(KernelContext c)
    {
        var x = c.Input(0);
        var requested = c.Node.OpsetVersion < 5
            ? c.Attributes.GetInts("shape") ?? throw Invalid(c, "missing shape")
            : Conversions.ToLongs(c.Input(1), c.Node.Display);
        var allowZero = c.Attributes.GetInt("allowzero", 0) != 0;
        var dims = new int[requested.Length];
        var inferred = -1;
        long known = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            var d = requested[i];
            if (d == -1)
            {
                if (inferred >= 0)
                {
                    throw Invalid(c, "more than one -1 in shape");
                }

                inferred = i;
                continue;
            }

            if (d == 0 && !allowZero)
            {
                if (i >= x.Shape.Rank)
                {
                    throw Invalid(c, $"shape has 0 at {i} beyond input rank {x.Shape.Rank}");
                }

                d = x.Shape[i];
            }

            if (d < 0 || d > int.MaxValue)
            {
                throw Invalid(c, $"invalid dimension {d}");
            }

            dims[i] = (int)d;
            known *= d;
        }

        if (inferred >= 0)
        {
            if (known == 0 || x.Shape.ElementCount % known != 0)
            {
                throw Invalid(c, $"cannot reshape {x.Shape} to [{string.Join(",", requested)}]");
            }

            dims[inferred] = (int)(x.Shape.ElementCount / known);
        }

        var shape = new TensorShape(dims);
        if (shape.ElementCount != x.Shape.ElementCount)
        {
            throw Invalid(c, $"cannot reshape {x.Shape} to {shape}");
        }

        c.SetOutput(0, x.Reshape(shape));
    }

    private static void Flatten(KernelContext c)
    {
        var x = c.Input(0);
        var rank = x.Shape.Rank;
        var axis = c.Attributes.GetInt("axis", 1);
        if (axis < 0)
        {
            axis += rank;
        }

        if (axis < 0 || axis > rank)
        {
            throw Invalid(c, $"axis {axis} out of range for rank {rank}");
        }

        var shape = new TensorShape((int)x.Shape.SizeFrom(0, (int)axis), (int)x.Shape.SizeFrom((int)axis));
        c.SetOutput(0, x.Reshape(shape));
    }

    private static long[]? AxesFrom(KernelContext c, int inputIndex, int opsetWithInput)
    {
        if (c.Node.OpsetVersion < opsetWithInput)
        {
            return c.Attributes.GetInts("axes");
        }

        return c.OptionalInput(inputIndex) is { } t ? Conversions.ToLongs(t, c.Node.Display) : null;
    }

    private static void Squeeze(KernelContext c)
    {
        var x = c.Input(0);
        var rank = x.Shape.Rank;
        var axes = AxesFrom(c, 1, 13);
        var remove = new bool[rank];
        if (axes is null || axes.Length == 0)
        {
            for (var i = 0; i < rank; i++)
            {
                remove[i] = x.Shape[i] == 1;
            }
        }
        else
        {
            foreach (var a in axes)
            {
                var ax = TensorShape.NormalizeAxis(a, rank, c.Node.Display);
                if (x.Shape[ax] != 1)
                {
                    throw Invalid(c, $"cannot squeeze axis {a} of size {x.Shape[ax]}");
                }

                remove[ax] = true;
            }
        }

        var dims = Enumerable.Range(0, rank).Where(i => !remove[i]).Select(i => x.Shape[i]).ToArray();
        c.SetOutput(0, x.Reshape(new TensorShape(dims)));
    }

    private static void Unsqueeze(KernelContext c)
    {
        var x = c.Input(0);
        var axes = AxesFrom(c, 1, 13) ?? throw Invalid(c, "missing axes");
        var outRank = x.Shape.Rank + axes.Length;
        var insert = new bool[outRank];
        foreach (var a in axes)
        {
            var ax = TensorShape.NormalizeAxis(a, outRank, c.Node.Display);
            if (insert[ax])
            {
                throw Invalid(c, $"duplicate axis {a}");
            }

            insert[ax] = true;
        }

        var dims = new int[outRank];
        var src = 0;
        for (var i = 0; i < outRank; i++)
        {
            dims[i] = insert[i] ? 1 : x.Shape[src++];
        }

        c.SetOutput(0, x.Reshape(new TensorShape(dims)));
    }

    private static void Transpose(KernelContext c)
    {
        var x = c.Input(0);
        var rank = x.Shape.Rank;
        var perm = c.Attributes.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
        {
            throw Invalid(c, $"invalid perm [{string.Join(",", perm)}] for rank {rank}");
        }

        var strides = x.Shape.Strides();
        var dims = new int[rank];
        var permStrides = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            dims[i] = x.Shape[(int)perm[i]];
            permStrides[i] = strides[perm[i]];
        }

        var o = c.AllocateOutputUninitialized(0, x.DataType, new TensorShape(dims));
        var act = new CopyAction { Source = x, Target = o, Offset = 0, Dims = dims, Strides = permStrides };
        TypeDispatch.Raw(x.DataType, c.Node.Display, ref act);
    }

    private static void Concat(KernelContext c)
    {
        var inputs = Enumerable.Range(0, c.InputCount).Select(c.OptionalInput).OfType<Tensor>().ToArray();
        if (inputs.Length == 0)
        {
            throw Invalid(c, "no inputs");
        }

        var first = inputs[0];
        var rank = first.Shape.Rank;
        var axis = TensorShape.NormalizeAxis(c.Attributes.GetIntOrNull("axis") ?? throw Invalid(c, "missing axis"), rank, c.Node.Display);
        var dims = first.Shape.ToArray();
        dims[axis] = 0;
        foreach (var t in inputs)
        {
            if (t.DataType != first.DataType || t.Shape.Rank != rank)
            {
                throw Invalid(c, "inputs differ in type or rank");
            }

            for (var d = 0; d < rank; d++)
            {
                if (d != axis && t.Shape[d] != first.Shape[d])
                {
                    throw Invalid(c, $"input shapes {first.Shape} and {t.Shape} differ outside axis {axis}");
                }
            }

            dims[axis] += t.Shape[axis];
        }

        var o = c.AllocateOutputUninitialized(0, first.DataType, new TensorShape(dims));
        var outer = (int)first.Shape.SizeFrom(0, axis);
        var inner = (int)first.Shape.SizeFrom(axis + 1);
        var size = DataTypes.SizeOf(first.DataType);
        var rowOut = dims[axis] * inner * size;
        long totalBytes = (long)outer * rowOut;
        if (c.MaxDegreeOfParallelism <= 1 || totalBytes < ParallelCopyBytes)
        {
            var dst = o.AsBytes();
            var pos = 0;
            foreach (var t in inputs)
            {
                var chunk = t.Shape[axis] * inner * size;
                var src = t.AsBytes();
                for (var r = 0; r < outer; r++)
                {
                    src.Slice(r * chunk, chunk).CopyTo(dst.Slice(r * rowOut + pos, chunk));
                }

                pos += chunk;
            }

            return;
        }

        // Large outputs (e.g. the channel concats of SqueezeNet's fire modules): the same copies cut into pieces of at most
        // ParallelCopyBytes, spread over the threads (a pure copy, so the split cannot change a bit).
        var pieces = new List<(int Input, int Src, int Dst, int Length)>();
        var offset = 0;
        for (var i = 0; i < inputs.Length; i++)
        {
            var chunk = inputs[i].Shape[axis] * inner * size;
            for (var r = 0; r < outer; r++)
            {
                for (var p = 0; p < chunk; p += ParallelCopyBytes)
                {
                    pieces.Add((i, (r * chunk) + p, (r * rowOut) + offset + p, Math.Min(ParallelCopyBytes, chunk - p)));
                }
            }

            offset += chunk;
        }

        ParallelLoop.For(pieces.Count, c.MaxDegreeOfParallelism, k =>
        {
            var (input, src, dst, length) = pieces[k];
            inputs[input].AsBytes().Slice(src, length).CopyTo(o.AsBytes().Slice(dst, length));
        }, c.CancellationToken);
    }

    /// <summary>Bytes below which a copy runs on one thread, and the largest piece a parallel copy hands one task.</summary>
    private const int ParallelCopyBytes = 256 * 1024;

    private static void Gather(KernelContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var rank = data.Shape.Rank;
        var axis = TensorShape.NormalizeAxis(c.Attributes.GetInt("axis", 0), rank, c.Node.Display);
        var idx = Conversions.ToLongs(indices, c.Node.Display);
        var axisDim = data.Shape[axis];
        var dims = new List<int>();
        dims.AddRange(data.Shape.ToArray()[..axis]);
        dims.AddRange(indices.Shape.ToArray());
        dims.AddRange(data.Shape.ToArray()[(axis + 1)..]);
        var o = c.AllocateOutput(0, data.DataType, new TensorShape(dims.ToArray()));
        var outer = (int)data.Shape.SizeFrom(0, axis);
        var inner = (int)data.Shape.SizeFrom(axis + 1) * DataTypes.SizeOf(data.DataType);
        var src = data.AsBytes();
        var dst = o.AsBytes();
        var pos = 0;
        for (var r = 0; r < outer; r++)
        {
            foreach (var raw in idx)
            {
                var i = raw < 0 ? raw + axisDim : raw;
                if (i < 0 || i >= axisDim)
                {
                    throw Invalid(c, $"index {raw} out of range for axis of size {axisDim}");
                }

                src.Slice((int)((r * (long)axisDim + i) * inner), inner).CopyTo(dst.Slice(pos, inner));
                pos += inner;
            }
        }
    }

    private static void Slice(KernelContext c)
    {
        var x = c.Input(0);
        var rank = x.Shape.Rank;
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Node.OpsetVersion < 10)
        {
            starts = c.Attributes.GetInts("starts") ?? throw Invalid(c, "missing starts");
            ends = c.Attributes.GetInts("ends") ?? throw Invalid(c, "missing ends");
            axes = c.Attributes.GetInts("axes");
        }
        else
        {
            starts = Conversions.ToLongs(c.Input(1), c.Node.Display);
            ends = Conversions.ToLongs(c.Input(2), c.Node.Display);
            axes = c.OptionalInput(3) is { } a ? Conversions.ToLongs(a, c.Node.Display) : null;
            steps = c.OptionalInput(4) is { } s ? Conversions.ToLongs(s, c.Node.Display) : null;
        }

        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || (steps is not null && steps.Length != starts.Length))
        {
            throw Invalid(c, "starts, ends, axes and steps differ in length");
        }

        var begin = new long[rank];
        var step = new long[rank];
        var dims = x.Shape.ToArray();
        for (var d = 0; d < rank; d++)
        {
            step[d] = 1;
        }

        for (var i = 0; i < starts.Length; i++)
        {
            var ax = TensorShape.NormalizeAxis(axes[i], rank, c.Node.Display);
            long dim = x.Shape[ax];
            var st = steps?[i] ?? 1;
            if (st == 0)
            {
                throw Invalid(c, "step 0");
            }

            var s = starts[i] < 0 ? starts[i] + dim : starts[i];
            var e = ends[i] < 0 ? ends[i] + dim : ends[i];
            if (st > 0)
            {
                s = Math.Clamp(s, 0, dim);
                e = Math.Clamp(e, 0, dim);
                dims[ax] = (int)Math.Max(0, (e - s + st - 1) / st);
            }
            else
            {
                s = Math.Clamp(s, 0, dim - 1);
                e = Math.Clamp(e, -1, dim - 1);
                dims[ax] = (int)Math.Max(0, (s - e + (-st) - 1) / -st);
            }

            begin[ax] = s;
            step[ax] = st;
        }

        var strides = x.Shape.Strides();
        long offset = 0;
        var viewStrides = new long[rank];
        for (var d = 0; d < rank; d++)
        {
            offset += begin[d] * strides[d];
            viewStrides[d] = strides[d] * step[d];
        }

        var shape = new TensorShape(dims);
        var o = c.AllocateOutput(0, x.DataType, shape);
        if (shape.ElementCount == 0)
        {
            return;
        }

        var act = new CopyAction { Source = x, Target = o, Offset = offset, Dims = dims, Strides = viewStrides };
        TypeDispatch.Raw(x.DataType, c.Node.Display, ref act);
    }

    private static void Shape(KernelContext c)
    {
        var x = c.Input(0);
        var rank = x.Shape.Rank;
        var start = c.Attributes.GetInt("start", 0);
        var end = c.Attributes.GetInt("end", rank);
        start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        var n = (int)Math.Max(0, end - start);
        var o = c.AllocateOutput(0, DataType.Int64, new TensorShape(n));
        var d = o.AsSpan<long>();
        for (var i = 0; i < n; i++)
        {
            d[i] = x.Shape[(int)start + i];
        }
    }

    private static void Expand(KernelContext c)
    {
        var x = c.Input(0);
        var requested = Conversions.ToLongs(c.Input(1), c.Node.Display);
        if (requested.Any(d => d < 0 || d > int.MaxValue))
        {
            throw Invalid(c, "invalid shape");
        }

        var target = new TensorShape(requested.Select(d => (int)d).ToArray());
        var shape = Broadcast.OutputShape(c.Node.Display, x.Shape, target);
        BroadcastTo(c, x, shape, 0);
    }

    /// <summary>Writes <paramref name="x"/> broadcast to <paramref name="shape"/> as output <paramref name="index"/>.</summary>
    internal static Tensor BroadcastTo(KernelContext c, Tensor x, TensorShape shape, int index)
    {
        var o = c.AllocateOutput(index, x.DataType, shape);
        var rank = shape.Rank;
        var strides = new long[rank];
        var xs = x.Shape.Strides();
        for (var d = 0; d < rank; d++)
        {
            var i = d - (rank - x.Shape.Rank);
            strides[d] = i < 0 || x.Shape[i] == 1 ? 0 : xs[i];
        }

        var act = new CopyAction { Source = x, Target = o, Offset = 0, Dims = shape.ToArray(), Strides = strides };
        TypeDispatch.Raw(x.DataType, c.Node.Display, ref act);
        return o;
    }

    private static void Tile(KernelContext c)
    {
        var x = c.Input(0);
        var repeats = Conversions.ToLongs(c.Input(1), c.Node.Display);
        var rank = x.Shape.Rank;
        if (repeats.Length != rank || repeats.Any(r => r < 0))
        {
            throw Invalid(c, "repeats must have one non-negative entry per dim");
        }

        // View as [r0, d0, r1, d1, ...] with zero strides on the repeat axes, then copy.
        var dims = new int[rank * 2];
        var strides = new long[rank * 2];
        var xs = x.Shape.Strides();
        for (var d = 0; d < rank; d++)
        {
            dims[2 * d] = (int)repeats[d];
            dims[(2 * d) + 1] = x.Shape[d];
            strides[(2 * d) + 1] = xs[d];
        }

        var outDims = Enumerable.Range(0, rank).Select(d => checked((int)(repeats[d] * x.Shape[d]))).ToArray();
        var o = c.AllocateOutput(0, x.DataType, new TensorShape(outDims));
        var act = new CopyAction { Source = x, Target = o, Offset = 0, Dims = dims, Strides = strides };
        TypeDispatch.Raw(x.DataType, c.Node.Display, ref act);
    }

    private struct CopyAction : IRawAction
    {
        public Tensor Source;
        public Tensor Target;
        public long Offset;
        public int[] Dims;
        public long[] Strides;

        public readonly void Invoke<T>()
            where T : unmanaged => StridedCopy.Copy<T>(RawSpan.Of<T>(Source), Offset, Dims, Strides, RawSpan.Of<T>(Target));
    }
}
