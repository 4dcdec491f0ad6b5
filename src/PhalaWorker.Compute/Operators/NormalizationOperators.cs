using System.Runtime.Intrinsics;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace PhalaWorker.Compute.Operators;

/// <summary>BatchNormalization (inference and training-mode statistics), LayerNormalization and LRN (float, double, float16).</summary>
internal static class NormalizationOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["BatchNormalization"] = BatchNormalization;
        table["LayerNormalization"] = LayerNormalization;
        table["LRN"] = LocalResponseNormalization;
    }

    /// <summary>
    /// ONNX LRN over the channel axis of (N, C, D1..Dk): y = x / (bias + alpha / size · Σ x²)^beta, the sum over channels
    /// [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] clipped to [0, C). float32: one Vector256 pass per row (squares summed as
    /// one FMA chain in channel order, d^−β as rsqrt(d)·√rsqrt(d) for the usual β = 0.75, else exp(−β·log d)), the row's
    /// tail padded into a vector, so every element gets the same bits for any thread count and position. Other types:
    /// squares summed in double in channel order.
    /// </summary>
    private static void LocalResponseNormalization(KernelContext c)
    {
        var x = c.Input(0);
        if (!DataTypes.IsFloatingPoint(x.DataType))
        {
            throw TypeDispatch.Unsupported(c.Node.Display, x.DataType);
        }

        if (x.Shape.Rank < 2)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: input {x.Shape} needs at least (N, C)");
        }

        var size = c.Attributes.GetIntOrNull("size")
            ?? throw new ComputeException(ComputeErrorReason.InvalidModel, $"{c.Node.Display}: attribute 'size' is required");
        if (size < 1 || size > int.MaxValue)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"{c.Node.Display}: size {size} must be positive");
        }

        var alpha = (double)c.Attributes.GetFloat("alpha", 1e-4f);
        var beta = (double)c.Attributes.GetFloat("beta", 0.75f);
        var bias = (double)c.Attributes.GetFloat("bias", 1f);
        var channels = x.Shape[1];
        var plane = (int)x.Shape.SizeFrom(2);
        var before = (int)((size - 1) / 2);
        var after = (int)(size - 1 - before);
        var scale = alpha / size;
        var xv = x.DataType == DataType.Float ? null : D(c, x);
        var result = xv is null ? null : new double[xv.Length];
        var y = c.AllocateOutputUninitialized(0, x.DataType, x.Shape);
        var rows = x.Shape[0] * channels;
        ParallelLoop.For(rows, c.MaxDegreeOfParallelism, row =>
        {
            var ch = row % channels;
            var lo = Math.Max(0, ch - before);
            var hi = Math.Min(channels - 1, ch + after);
            var start = row * plane;
            var first = (row - ch + lo) * plane;
            if (xv is null)
            {
                LrnRowFloat(x.AsReadOnlySpan<float>(), y.AsSpan<float>(), start, first, hi - lo + 1, plane, (float)bias, (float)scale, (float)beta);
            }
            else
            {
                for (var p = 0; p < plane; p++)
                {
                    double sum = 0;
                    for (var k = 0; k <= hi - lo; k++)
                    {
                        var v = xv[first + (k * plane) + p];
                        sum += v * v;
                    }

                    result![start + p] = xv[start + p] / Math.Pow(bias + (scale * sum), beta);
                }
            }
        }, c.CancellationToken);

        if (result is not null)
        {
            Store(c, y, result);
        }
    }

    /// <summary>One (n, c) row of float LRN: <paramref name="window"/> channel planes from <paramref name="first"/>.</summary>
    private static unsafe void LrnRowFloat(ReadOnlySpan<float> xs, Span<float> ys, int start, int first, int window, int plane,
        float bias, float scale, float beta)
    {
        var tailLength = 8 * (window + 1);
        Span<float> tailBuffer = tailLength <= 2048 ? stackalloc float[tailLength] : new float[tailLength];
        var tailOut = stackalloc float[8];
        fixed (float* px = xs, py = ys, tailIn = tailBuffer)
        {
            var p = 0;
            for (; p + 8 <= plane; p += 8)
            {
                Vector256.Store(LrnVector(px + first + p, plane, px + start + p, window, bias, scale, beta), py + start + p);
            }

            if (p < plane)
            {
                // Tail: the live lanes copied into a zero-padded vector per channel, computed by the same vector code.
                var live = plane - p;
                tailBuffer.Clear();
                for (var k = 0; k < window; k++)
                {
                    new ReadOnlySpan<float>(px + first + ((long)k * plane) + p, live).CopyTo(new Span<float>(tailIn + (8 * k), live));
                }

                new ReadOnlySpan<float>(px + start + p, live).CopyTo(new Span<float>(tailIn + (8 * window), live));
                Vector256.Store(LrnVector(tailIn, 8, tailIn + (8 * window), window, bias, scale, beta), tailOut);
                new ReadOnlySpan<float>(tailOut, live).CopyTo(new Span<float>(py + start + p, live));
            }
        }
    }

    private static unsafe Vector256<float> LrnVector(float* window0, int stride, float* center, int window, float bias, float scale, float beta)
    {
        var sum = Vector256<float>.Zero;
        for (var k = 0; k < window; k++)
        {
            var v = Vector256.Load(window0 + ((long)k * stride));
            sum = Vector256.FusedMultiplyAdd(v, v, sum);
        }

        var d = Vector256.FusedMultiplyAdd(sum, Vector256.Create(scale), Vector256.Create(bias));
        Vector256<float> inv;
        if (beta == 0.75f)
        {
            var r = Vector256<float>.One / Vector256.Sqrt(d);
            inv = r * Vector256.Sqrt(r);
        }
        else
        {
            inv = Vector256.Exp(Vector256.Log(d) * Vector256.Create(-beta));
        }

        return Vector256.Load(center) * inv;
    }

    private static double[] D(KernelContext c, Tensor t) => Conversions.ToDoubles(t, c.Node.Display);

    private static void Store(KernelContext c, Tensor target, ReadOnlySpan<double> values)
    {
        switch (target.DataType)
        {
            case DataType.Float:
                {
                    var s = target.AsSpan<float>();
                    for (var i = 0; i < s.Length; i++)
                    {
                        s[i] = (float)values[i];
                    }

                    break;
                }

            case DataType.Double:
                values.CopyTo(target.AsSpan<double>());
                break;
            case DataType.Float16:
                {
                    var s = target.AsSpan<Half>();
                    for (var i = 0; i < s.Length; i++)
                    {
                        s[i] = (Half)values[i];
                    }

                    break;
                }

            default:
                throw TypeDispatch.Unsupported(c.Node.Display, target.DataType);
        }
    }

    private static void BatchNormalization(KernelContext c)
    {
        var x = c.Input(0);
        if (!DataTypes.IsFloatingPoint(x.DataType) || x.Shape.Rank < 2)
        {
            throw TypeDispatch.Unsupported(c.Node.Display, x.DataType);
        }

        var scale = D(c, c.Input(1));
        var bias = D(c, c.Input(2));
        var mean = D(c, c.Input(3));
        var variance = D(c, c.Input(4));
        var epsilon = (double)c.Attributes.GetFloat("epsilon", 1e-5f);
        var momentum = (double)c.Attributes.GetFloat("momentum", 0.9f);
        var training = c.Node.OpsetVersion >= 14 && c.Attributes.GetInt("training_mode", 0) != 0;
        var n = x.Shape[0];
        var channels = x.Shape[1];
        var plane = (int)x.Shape.SizeFrom(2);
        var y = c.AllocateOutput(0, x.DataType, x.Shape);
        if (x.DataType == DataType.Float && !training)
        {
            var xs = x.AsReadOnlySpan<float>();
            var ys = y.AsSpan<float>();
            for (var ch = 0; ch < channels; ch++)
            {
                var a = (float)(scale[ch] / Math.Sqrt(variance[ch] + epsilon));
                var b = (float)(bias[ch] - (mean[ch] * scale[ch] / Math.Sqrt(variance[ch] + epsilon)));
                for (var i = 0; i < n; i++)
                {
                    var off = ((i * channels) + ch) * plane;
                    TensorPrimitives.Multiply(xs.Slice(off, plane), a, ys.Slice(off, plane));
                    TensorPrimitives.Add(ys.Slice(off, plane), b, ys.Slice(off, plane));
                }
            }

            return;
        }

        var xv = D(c, x);
        var useMean = mean;
        var useVar = variance;
        if (training)
        {
            useMean = new double[channels];
            useVar = new double[channels];
            var count = (double)n * plane;
            for (var ch = 0; ch < channels; ch++)
            {
                double sum = 0;
                for (var i = 0; i < n; i++)
                {
                    for (var p = 0; p < plane; p++)
                    {
                        sum += xv[(((i * channels) + ch) * plane) + p];
                    }
                }

                var m = sum / count;
                double sq = 0;
                for (var i = 0; i < n; i++)
                {
                    for (var p = 0; p < plane; p++)
                    {
                        var d = xv[(((i * channels) + ch) * plane) + p] - m;
                        sq += d * d;
                    }
                }

                useMean[ch] = m;
                useVar[ch] = sq / count;
            }
        }

        var result = new double[xv.Length];
        for (var i = 0; i < n; i++)
        {
            for (var ch = 0; ch < channels; ch++)
            {
                var inv = 1 / Math.Sqrt(useVar[ch] + epsilon);
                for (var p = 0; p < plane; p++)
                {
                    var idx = (((i * channels) + ch) * plane) + p;
                    result[idx] = ((xv[idx] - useMean[ch]) * inv * scale[ch]) + bias[ch];
                }
            }
        }

        Store(c, y, result);
        if (training)
        {
            if (c.IsOutputRequested(1))
            {
                var rm = c.AllocateOutput(1, c.Input(3).DataType, c.Input(3).Shape);
                Store(c, rm, mean.Select((v, i) => (v * momentum) + (useMean[i] * (1 - momentum))).ToArray());
            }

            if (c.IsOutputRequested(2))
            {
                var rv = c.AllocateOutput(2, c.Input(4).DataType, c.Input(4).Shape);
                Store(c, rv, variance.Select((v, i) => (v * momentum) + (useVar[i] * (1 - momentum))).ToArray());
            }
        }
    }

    private static void LayerNormalization(KernelContext c)
    {
        var x = c.Input(0);
        if (!DataTypes.IsFloatingPoint(x.DataType))
        {
            throw TypeDispatch.Unsupported(c.Node.Display, x.DataType);
        }

        var rank = x.Shape.Rank;
        var axis = TensorShape.NormalizeAxis(c.Attributes.GetInt("axis", -1), rank, c.Node.Display);
        var epsilon = (double)c.Attributes.GetFloat("epsilon", 1e-5f);
        var outer = (int)x.Shape.SizeFrom(0, axis);
        var inner = (int)x.Shape.SizeFrom(axis);
        var normShape = new TensorShape(x.Shape.Dims[axis..]);
        var y = c.AllocateOutputUninitialized(0, x.DataType, x.Shape);
        var statDims = x.Shape.ToArray();
        for (var d = axis; d < rank; d++)
        {
            statDims[d] = 1;
        }

        var meanOut = c.IsOutputRequested(1) ? new double[outer] : null;
        var invOut = c.IsOutputRequested(2) ? new double[outer] : null;
        if (x.DataType == DataType.Float)
        {
            var xs = x.AsReadOnlySpan<float>();
            var ys = y.AsSpan<float>();
            var sf = FloatParameter(c, c.Input(1), normShape);
            var bf = c.OptionalInput(2) is { } bt ? FloatParameter(c, bt, normShape) : default;
            var hasBias = c.OptionalInput(2) is not null;
            for (var r = 0; r < outer; r++)
            {
                var row = xs.Slice(r * inner, inner);
                double sum = 0;
                foreach (var v in row)
                {
                    sum += v;
                }

                var mean = sum / inner;
                double sq = 0;
                foreach (var v in row)
                {
                    var d = v - mean;
                    sq += d * d;
                }

                var inv = 1 / Math.Sqrt((sq / inner) + epsilon);
                meanOut?[r] = mean;
                invOut?[r] = inv;
                var dst = ys.Slice(r * inner, inner);
                var fm = (float)mean;
                var fi = (float)inv;
                for (var j = 0; j < inner; j++)
                {
                    dst[j] = ((row[j] - fm) * fi * sf[j]) + (hasBias ? bf[j] : 0f);
                }
            }
        }
        else
        {
            var scale = Expand(c, c.Input(1), normShape);
            var bias = c.OptionalInput(2) is { } b ? Expand(c, b, normShape) : null;
            var xv = D(c, x);
            var result = new double[xv.Length];
            for (var r = 0; r < outer; r++)
            {
                double sum = 0;
                for (var j = 0; j < inner; j++)
                {
                    sum += xv[(r * inner) + j];
                }

                var mean = sum / inner;
                double sq = 0;
                for (var j = 0; j < inner; j++)
                {
                    var d = xv[(r * inner) + j] - mean;
                    sq += d * d;
                }

                var inv = 1 / Math.Sqrt((sq / inner) + epsilon);
                meanOut?[r] = mean;
                invOut?[r] = inv;
                for (var j = 0; j < inner; j++)
                {
                    result[(r * inner) + j] = ((xv[(r * inner) + j] - mean) * inv * scale[j]) + (bias?[j] ?? 0);
                }
            }

            Store(c, y, result);
        }

        var statType = x.DataType == DataType.Double ? DataType.Double : DataType.Float;
        if (meanOut is not null)
        {
            Store(c, c.AllocateOutput(1, statType, new TensorShape(statDims)), meanOut);
        }

        if (invOut is not null)
        {
            Store(c, c.AllocateOutput(2, statType, new TensorShape(statDims)), invOut);
        }
    }

    /// <summary>A float scale/bias as floats over the normalized shape: the tensor itself when it already has that many elements.</summary>
    private static ReadOnlySpan<float> FloatParameter(KernelContext c, Tensor t, TensorShape shape) =>
        t.DataType == DataType.Float && t.Length == shape.ElementCount
            ? t.AsReadOnlySpan<float>()
            : Expand(c, t, shape).Select(v => (float)v).ToArray();

    /// <summary>Broadcasts a scale/bias tensor to the normalized shape and returns it as doubles.</summary>
    private static double[] Expand(KernelContext c, Tensor t, TensorShape shape)
    {
        var values = D(c, t);
        if (t.Shape == shape || values.Length == shape.ElementCount)
        {
            return values;
        }

        var result = new double[shape.Length];
        var target = new Tensor(DataType.Double, shape, result);
        var source = new Tensor(DataType.Double, t.Shape, values);
        var strides = new long[shape.Rank];
        var ss = t.Shape.Strides();
        for (var d = 0; d < shape.Rank; d++)
        {
            var i = d - (shape.Rank - t.Shape.Rank);
            strides[d] = i < 0 || t.Shape[i] == 1 ? 0 : ss[i];
        }

        StridedCopy.Copy<double>(source.AsReadOnlySpan<double>(), 0, shape.Dims, strides, target.AsSpan<double>());
        return result;
    }
}
