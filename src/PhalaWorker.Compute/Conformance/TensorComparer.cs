using System.Globalization;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Conformance;

/// <summary>ONNX backend-test comparison: |got − exp| ≤ atol + rtol·|exp| for floats (NaN equals NaN, infinities by sign), exact otherwise.</summary>
public static class TensorComparer
{
    public const double DefaultRelativeTolerance = 1e-3;
    public const double DefaultAbsoluteTolerance = 1e-7;

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else a description of the first difference.</summary>
    public static string? Compare(Tensor expected, Tensor actual, double rtol = DefaultRelativeTolerance, double atol = DefaultAbsoluteTolerance)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (expected.DataType != actual.DataType)
        {
            return $"data type {actual.DataType}, expected {expected.DataType}";
        }

        if (expected.Shape != actual.Shape)
        {
            return $"shape {actual.Shape}, expected {expected.Shape}";
        }

        if (DataTypes.IsFloatingPoint(expected.DataType) || expected.DataType == DataType.BFloat16)
        {
            var e = Conversions.ToDoubles(expected, "compare");
            var a = Conversions.ToDoubles(actual, "compare");
            for (var i = 0; i < e.Length; i++)
            {
                var x = e[i];
                var y = a[i];
                if (double.IsNaN(x) && double.IsNaN(y))
                {
                    continue;
                }

                if (double.IsInfinity(x) || double.IsInfinity(y))
                {
                    if (x == y)
                    {
                        continue;
                    }

                    return Mismatch(i, y, x);
                }

                if (!(Math.Abs(y - x) <= atol + rtol * Math.Abs(x)))
                {
                    return Mismatch(i, y, x);
                }
            }

            return null;
        }

        var eb = expected.AsBytes();
        var ab = actual.AsBytes();
        if (eb.SequenceEqual(ab))
        {
            return null;
        }

        var size = DataTypes.SizeOf(expected.DataType);
        for (var i = 0; i < eb.Length; i++)
        {
            if (eb[i] != ab[i])
            {
                return $"element {i / size} differs (bytes {Convert.ToHexString(ab.Slice(i / size * size, size))}, expected {Convert.ToHexString(eb.Slice(i / size * size, size))})";
            }
        }

        return null;
    }

    private static string Mismatch(int index, double got, double expected) =>
        string.Create(CultureInfo.InvariantCulture, $"element {index}: got {got:R}, expected {expected:R}");
}
