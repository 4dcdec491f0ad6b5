using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>Softmax, LogSoftmax and Hardmax (opset &lt; 13: over the flattened trailing dims from axis; ≥ 13: along axis).</summary>
internal static class SoftmaxOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["Softmax"] = c => Run(c, log: false);
        table["LogSoftmax"] = c => Run(c, log: true);
    }

    private static void Run(KernelContext c, bool log)
    {
        var x = c.Input(0);
        var rank = x.Shape.Rank;
        var legacy = c.Node.OpsetVersion < 13;
        var axis = TensorShape.NormalizeAxis(c.Attributes.GetInt("axis", legacy ? 1 : -1), rank, c.Node.Display);
        int outer, len, inner;
        if (legacy)
        {
            outer = (int)x.Shape.SizeFrom(0, axis);
            len = (int)x.Shape.SizeFrom(axis);
            inner = 1;
        }
        else
        {
            outer = (int)x.Shape.SizeFrom(0, axis);
            len = rank == 0 ? 1 : x.Shape[axis];
            inner = (int)x.Shape.SizeFrom(axis + 1);
        }

        var o = c.AllocateOutputUninitialized(0, x.DataType, x.Shape);
        switch (x.DataType)
        {
            case DataType.Float:
                Float(x.AsReadOnlySpan<float>(), o.AsSpan<float>(), outer, len, inner, log, c.MaxDegreeOfParallelism);
                break;
            case DataType.Double:
                Double(x.AsReadOnlySpan<double>(), o.AsSpan<double>(), outer, len, inner, log);
                break;
            case DataType.Float16:
                {
                    var src = new float[x.Length];
                    var dst = new float[x.Length];
                    var h = x.AsReadOnlySpan<Half>();
                    for (var i = 0; i < src.Length; i++)
                    {
                        src[i] = (float)h[i];
                    }

                    Float(src, dst, outer, len, inner, log, 1);
                    var od = o.AsSpan<Half>();
                    for (var i = 0; i < dst.Length; i++)
                    {
                        od[i] = (Half)dst[i];
                    }

                    break;
                }

            default:
                throw TypeDispatch.Unsupported(c.Node.Display, x.DataType);
        }
    }

    private static void Float(ReadOnlySpan<float> x, Span<float> o, int outer, int len, int inner, bool log, int threads)
    {
        if (inner == 1)
        {
            for (var r = 0; r < outer; r++)
            {
                var src = x.Slice(r * len, len);
                var dst = o.Slice(r * len, len);
                var max = len == 0 ? 0 : TensorPrimitives.Max(src);
                TensorPrimitives.Subtract(src, max, dst);
                if (log)
                {
                    var tmp = new float[len];
                    TensorPrimitives.Exp(dst, tmp);
                    var lse = MathF.Log(TensorPrimitives.Sum(tmp));
                    TensorPrimitives.Subtract(dst, lse, dst);
                }
                else
                {
                    TensorPrimitives.Exp(dst, dst);
                    var sum = TensorPrimitives.Sum(dst);
                    TensorPrimitives.Divide(dst, sum, dst);
                }
            }

            return;
        }

        _ = threads;
        for (var r = 0; r < outer; r++)
        {
            for (var j = 0; j < inner; j++)
            {
                var baseIndex = r * len * inner + j;
                var max = float.NegativeInfinity;
                for (var k = 0; k < len; k++)
                {
                    max = MathF.Max(max, x[baseIndex + k * inner]);
                }

                var sum = 0f;
                for (var k = 0; k < len; k++)
                {
                    sum += MathF.Exp(x[baseIndex + k * inner] - max);
                }

                for (var k = 0; k < len; k++)
                {
                    var v = x[baseIndex + k * inner] - max;
                    o[baseIndex + k * inner] = log ? v - MathF.Log(sum) : MathF.Exp(v) / sum;
                }
            }
        }
    }

    private static void Double(ReadOnlySpan<double> x, Span<double> o, int outer, int len, int inner, bool log)
    {
        for (var r = 0; r < outer; r++)
        {
            for (var j = 0; j < inner; j++)
            {
                var baseIndex = r * len * inner + j;
                var max = double.NegativeInfinity;
                for (var k = 0; k < len; k++)
                {
                    max = Math.Max(max, x[baseIndex + k * inner]);
                }

                var sum = 0.0;
                for (var k = 0; k < len; k++)
                {
                    sum += Math.Exp(x[baseIndex + k * inner] - max);
                }

                for (var k = 0; k < len; k++)
                {
                    var v = x[baseIndex + k * inner] - max;
                    o[baseIndex + k * inner] = log ? v - Math.Log(sum) : Math.Exp(v) / sum;
                }
            }
        }
    }
}
