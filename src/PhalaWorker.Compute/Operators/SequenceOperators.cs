using System.Globalization;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>
/// The ONNX sequence operators: SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceAt, SequenceErase, SequenceLength,
/// SplitToSequence, ConcatFromSequence. A sequence references its element tensors (values are immutable once produced), so
/// only SplitToSequence and ConcatFromSequence copy data. The kinds of inputs are checked at load (<c>Onnx/SequenceTypeCheck</c>);
/// positions, element types and shapes that depend on the job are checked here and fail naming the node.
/// </summary>
internal static class SequenceOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["SequenceEmpty"] = SequenceEmpty;
        table["SequenceConstruct"] = SequenceConstruct;
        table["SequenceInsert"] = SequenceInsert;
        table["SequenceAt"] = SequenceAt;
        table["SequenceErase"] = SequenceErase;
        table["SequenceLength"] = SequenceLength;
        table["SplitToSequence"] = SplitToSequence;
        table["ConcatFromSequence"] = ConcatFromSequence;
    }

    private static void SequenceEmpty(KernelContext c) =>
        c.SetOutput(0, Tensor.Sequence((DataType)c.Attributes.GetInt("dtype", (long)DataType.Float), []));

    private static void SequenceConstruct(KernelContext c)
    {
        var elements = new Tensor[c.InputCount];
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = c.Input(i);
            if (elements[i].DataType != elements[0].DataType)
            {
                throw Fail(c, $"input {i} is {elements[i].DataType}, input 0 is {elements[0].DataType}; a sequence holds tensors of one type");
            }
        }

        c.SetOutput(0, Tensor.Sequence(elements[0].DataType, elements));
    }

    private static void SequenceInsert(KernelContext c)
    {
        var sequence = Sequence(c, 0);
        var tensor = c.Input(1);
        if (tensor.DataType != sequence.DataType)
        {
            throw Fail(c, $"tensor is {tensor.DataType}, the sequence holds {sequence.DataType}");
        }

        var elements = sequence.SequenceElements;
        var at = c.OptionalInput(2) is { } p ? Position(c, p, elements.Count, inclusiveEnd: true) : elements.Count;
        var result = new List<Tensor>(elements.Count + 1);
        result.AddRange(elements);
        result.Insert(at, tensor);
        c.SetOutput(0, Tensor.Sequence(sequence.DataType, result));
    }

    private static void SequenceAt(KernelContext c)
    {
        var sequence = Sequence(c, 0);
        var elements = sequence.SequenceElements;
        c.SetOutput(0, elements[Position(c, c.Input(1), elements.Count, inclusiveEnd: false)]);
    }

    private static void SequenceErase(KernelContext c)
    {
        var sequence = Sequence(c, 0);
        var elements = sequence.SequenceElements;
        if (elements.Count == 0)
        {
            throw Fail(c, "cannot erase from an empty sequence");
        }

        var at = c.OptionalInput(1) is { } p ? Position(c, p, elements.Count, inclusiveEnd: false) : elements.Count - 1;
        var result = new List<Tensor>(elements);
        result.RemoveAt(at);
        c.SetOutput(0, Tensor.Sequence(sequence.DataType, result));
    }

    private static void SequenceLength(KernelContext c)
    {
        var sequence = Sequence(c, 0);
        c.AllocateOutput(0, DataType.Int64, TensorShape.Scalar).AsSpan<long>()[0] = sequence.SequenceElements.Count;
    }

    private static void SplitToSequence(KernelContext c)
    {
        var input = c.Input(0);
        var rank = input.Shape.Rank;
        if (rank == 0)
        {
            throw Fail(c, "cannot split a scalar");
        }

        var axis = TensorShape.NormalizeAxis(c.Attributes.GetInt("axis", 0), rank, c.Node.Display);
        var keepDims = c.Attributes.GetInt("keepdims", 1) != 0;
        var length = input.Shape[axis];
        int[] sizes;
        if (c.OptionalInput(1) is { } split)
        {
            keepDims = true; // keepdims is ignored when 'split' is given
            var values = Conversions.ToLongs(split, c.Node.Display);
            if (split.Shape.Rank == 0)
            {
                var chunk = values[0];
                if (chunk <= 0)
                {
                    throw Fail(c, $"split {chunk} must be positive");
                }

                var count = (int)((length + chunk - 1) / chunk);
                sizes = new int[count];
                for (var i = 0; i < count; i++)
                {
                    sizes[i] = (int)Math.Min(chunk, length - (i * chunk));
                }
            }
            else if (split.Shape.Rank == 1)
            {
                if (values.Any(v => v < 0) || values.Sum() != length)
                {
                    throw Fail(c, $"split [{string.Join(",", values)}] must be non-negative and sum to the axis length {length}");
                }

                sizes = values.Select(v => (int)v).ToArray();
            }
            else
            {
                throw Fail(c, $"split must be a scalar or 1-D, got {split.Shape}");
            }
        }
        else
        {
            sizes = new int[length];
            Array.Fill(sizes, 1);
        }

        var dims = input.Shape.ToArray();
        var elementSize = DataTypes.SizeOf(input.DataType);
        var outer = checked((int)input.Shape.SizeFrom(0, axis));
        var inner = checked((int)input.Shape.SizeFrom(axis + 1) * elementSize);
        var source = input.AsBytes();
        var elements = new Tensor[sizes.Length];
        var start = 0;
        for (var e = 0; e < sizes.Length; e++)
        {
            c.CancellationToken.ThrowIfCancellationRequested();
            dims[axis] = sizes[e];
            var shape = keepDims ? new TensorShape(dims) : new TensorShape([.. dims[..axis], .. dims[(axis + 1)..]]);
            var element = c.AllocateSequenceElement(input.DataType, shape);
            var target = element.AsBytes();
            var block = sizes[e] * inner;
            for (var o = 0; o < outer; o++)
            {
                source.Slice(((o * length) + start) * inner, block).CopyTo(target.Slice(o * block, block));
            }

            start += sizes[e];
            elements[e] = element;
        }

        c.SetOutput(0, Tensor.Sequence(input.DataType, elements));
    }

    private static void ConcatFromSequence(KernelContext c)
    {
        var sequence = Sequence(c, 0);
        var elements = sequence.SequenceElements;
        if (elements.Count == 0)
        {
            throw Fail(c, "cannot concatenate an empty sequence");
        }

        var newAxis = c.Attributes.GetInt("new_axis", 0) != 0;
        var axisAttribute = c.Attributes.GetIntOrNull("axis") ?? throw new ComputeException(ComputeErrorReason.InvalidModel, $"{c.Node.Display}: attribute 'axis' is required");
        var first = elements[0].Shape;
        var rank = first.Rank;
        if (rank == 0 && !newAxis)
        {
            throw Fail(c, "cannot concatenate scalars without new_axis");
        }

        var axis = TensorShape.NormalizeAxis(axisAttribute, newAxis ? rank + 1 : rank, c.Node.Display);
        long total = 0;
        for (var e = 0; e < elements.Count; e++)
        {
            var shape = elements[e].Shape;
            var ok = shape.Rank == rank;
            for (var d = 0; ok && d < rank; d++)
            {
                ok = shape[d] == first[d] || (!newAxis && d == axis);
            }

            if (!ok)
            {
                throw Fail(c, $"element {e} has shape {shape}, element 0 has {first} ({(newAxis ? "stacking needs equal shapes" : $"only axis {axis} may differ")})");
            }

            total += newAxis ? 1 : shape[axis];
        }

        if (total > int.MaxValue)
        {
            throw new ComputeException(ComputeErrorReason.LimitExceeded, $"{c.Node.Display}: concatenated axis of {total} exceeds one buffer");
        }

        var outDims = first.ToArray().ToList();
        if (newAxis)
        {
            outDims.Insert(axis, (int)total);
        }
        else
        {
            outDims[axis] = (int)total;
        }

        var output = c.AllocateOutputUninitialized(0, sequence.DataType, new TensorShape([.. outDims]));
        var elementSize = DataTypes.SizeOf(sequence.DataType);
        var outer = checked((int)first.SizeFrom(0, axis));
        var target = output.AsBytes();
        var offset = 0;
        for (var o = 0; o < outer; o++)
        {
            foreach (var element in elements)
            {
                // Per outer index each element contributes its dims from the axis on (with new_axis: the whole inner block).
                var block = checked((int)(element.Shape.SizeFrom(axis) * elementSize));
                element.AsBytes().Slice(o * block, block).CopyTo(target.Slice(offset, block));
                offset += block;
            }
        }
    }

    private static Tensor Sequence(KernelContext c, int index)
    {
        var t = c.Input(index);
        return t.IsSequence ? t : throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: input {index} is a tensor, not a sequence");
    }

    /// <summary>A position input (int32/int64, one element) normalized against <paramref name="count"/>: [-count, count-1], or up to count inclusive for SequenceInsert.</summary>
    private static int Position(KernelContext c, Tensor position, int count, bool inclusiveEnd)
    {
        if (position.IsSequence || position.DataType is not (DataType.Int32 or DataType.Int64) || position.Length != 1)
        {
            throw Fail(c, $"position must be one int32 or int64 value, got {position}");
        }

        var p = Conversions.ToLongs(position, c.Node.Display)[0];
        var max = inclusiveEnd ? count : count - 1;
        if (p < -count || p > max)
        {
            throw Fail(c, $"position {p.ToString(CultureInfo.InvariantCulture)} is out of range [{-count}, {max}] for a sequence of {count}");
        }

        return (int)(p < 0 ? p + count : p);
    }

    private static ComputeException Fail(KernelContext c, string message) =>
        new(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: {message}");
}
