using System.Collections.Immutable;

namespace PhalaWorker.Compute.Graph;

/// <summary>
/// A concrete tensor shape (every dim known and non-negative). Immutable; equality is by value.
/// Element counts are computed with overflow checks, so a hostile shape cannot wrap around.
/// </summary>
public readonly struct TensorShape : IEquatable<TensorShape>
{
    private readonly int[]? _dims;

    public TensorShape(params ReadOnlySpan<int> dims)
    {
        foreach (var d in dims)
        {
            if (d < 0)
            {
                throw new ComputeException(ComputeErrorReason.InvalidModel, $"negative dimension {d} in shape");
            }
        }

        _dims = dims.ToArray();
        ElementCount = CountElements(dims);
    }

    /// <summary>The scalar shape (rank 0, one element).</summary>
    public static TensorShape Scalar => new([]);

    public int Rank => _dims?.Length ?? 0;

    /// <summary>Number of elements (product of dims; 1 for a scalar).</summary>
    public long ElementCount { get; }

    public ReadOnlySpan<int> Dims => _dims;

    public int this[int axis] => _dims![axis];

    /// <summary>Product of dims with overflow detection; throws <see cref="ComputeException"/> (LimitExceeded) past long range.</summary>
    public static long CountElements(ReadOnlySpan<int> dims)
    {
        long n = 1;
        foreach (var d in dims)
        {
            try
            {
                n = checked(n * d);
            }
            catch (OverflowException ex)
            {
                throw new ComputeException(ComputeErrorReason.LimitExceeded, "tensor element count overflows", ex);
            }
        }

        return n;
    }

    /// <summary>Element count as an int, or a LimitExceeded error when the tensor cannot fit one array.</summary>
    public int Length => ElementCount <= Array.MaxLength
        ? (int)ElementCount
        : throw new ComputeException(ComputeErrorReason.LimitExceeded, $"tensor of {ElementCount} elements exceeds one buffer");

    /// <summary>Normalizes a possibly negative axis against <paramref name="rank"/>.</summary>
    public static int NormalizeAxis(long axis, int rank, string op = "")
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1) && !(rank == 0 && a == 0))
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"{op} axis {axis} out of range for rank {rank}");
        }

        return (int)a;
    }

    /// <summary>Row-major strides in elements.</summary>
    public long[] Strides()
    {
        var s = new long[Rank];
        long acc = 1;
        for (var i = Rank - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= _dims![i];
        }

        return s;
    }

    /// <summary>Product of dims in [start, end).</summary>
    public long SizeFrom(int start, int end = int.MaxValue)
    {
        long n = 1;
        for (var i = start; i < Math.Min(end, Rank); i++)
        {
            n *= _dims![i];
        }

        return n;
    }

    public int[] ToArray() => _dims is null ? [] : (int[])_dims.Clone();

    public ImmutableArray<int> ToImmutableArray() => _dims is null ? [] : ImmutableArray.Create(_dims);

    public bool Equals(TensorShape other) => Dims.SequenceEqual(other.Dims);

    public override bool Equals(object? obj) => obj is TensorShape s && Equals(s);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims)
        {
            h.Add(d);
        }

        return h.ToHashCode();
    }

    public static bool operator ==(TensorShape left, TensorShape right) => left.Equals(right);

    public static bool operator !=(TensorShape left, TensorShape right) => !left.Equals(right);

    public override string ToString() => "[" + string.Join("x", _dims ?? []) + "]";
}
