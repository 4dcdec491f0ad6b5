using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>Elementwise math: Neg Abs Reciprocal Sqrt Exp Log Erf Floor Ceil Round Sign Sin Cos Not, and Size.</summary>
internal static class UnaryOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["Sqrt"] = c => Float(c, static (x, d) => TensorPrimitives.Sqrt(x, d), Math.Sqrt);
        table["Exp"] = c => Float(c, static (x, d) => TensorPrimitives.Exp(x, d), Math.Exp);
        table["Log"] = c => Float(c, static (x, d) => TensorPrimitives.Log(x, d), Math.Log);
        table["Reciprocal"] = c => Float(c, static (x, d) => TensorPrimitives.Reciprocal(x, d), static v => 1 / v);
        table["Erf"] = c => Float(c, static (x, d) => VectorMath.Erf(x, d), MathFunctions.Erf);
        table["Floor"] = c => Float(c, static (x, d) => TensorPrimitives.Floor(x, d), Math.Floor);
        table["Ceil"] = c => Float(c, static (x, d) => TensorPrimitives.Ceiling(x, d), Math.Ceiling);
        table["Round"] = c => Float(c, static (x, d) => Scalar(x, d, v => Math.Round(v, MidpointRounding.ToEven)), v => Math.Round(v, MidpointRounding.ToEven));
        table["Sin"] = c => Float(c, static (x, d) => TensorPrimitives.Sin(x, d), Math.Sin);
        table["Cos"] = c => Float(c, static (x, d) => TensorPrimitives.Cos(x, d), Math.Cos);
        table["Neg"] = c => Numeric(c, NumericUnary.Neg);
        table["Abs"] = c => Numeric(c, NumericUnary.Abs);
        table["Sign"] = c => Numeric(c, NumericUnary.Sign);
        table["Not"] = Not;
        table["Size"] = Size;
    }

    internal enum NumericUnary
    {
        Neg,
        Abs,
        Sign,
        Relu,
    }

    /// <summary>Applies a float function: float32 through the vectorized <paramref name="f32"/>, float64 and float16 through <paramref name="f64"/>.</summary>
    internal static void Float(KernelContext c, Action<ReadOnlySpan<float>, Span<float>> f32, Func<double, double> f64)
    {
        var x = c.Input(0);
        var o = c.AllocateOutputUninitialized(0, x.DataType, x.Shape);
        switch (x.DataType)
        {
            case DataType.Float:
                f32(x.AsReadOnlySpan<float>(), o.AsSpan<float>());
                break;
            case DataType.Double:
                {
                    var s = x.AsReadOnlySpan<double>();
                    var d = o.AsSpan<double>();
                    for (var i = 0; i < s.Length; i++)
                    {
                        d[i] = f64(s[i]);
                    }

                    break;
                }

            case DataType.Float16:
                {
                    var s = x.AsReadOnlySpan<Half>();
                    var d = o.AsSpan<Half>();
                    for (var i = 0; i < s.Length; i++)
                    {
                        d[i] = (Half)(float)f64((float)s[i]);
                    }

                    break;
                }

            default:
                throw TypeDispatch.Unsupported(c.Node.Display, x.DataType);
        }
    }

    internal static void Scalar(ReadOnlySpan<float> x, Span<float> d, Func<double, double> f)
    {
        for (var i = 0; i < x.Length; i++)
        {
            d[i] = (float)f(x[i]);
        }
    }

    internal static void Numeric(KernelContext c, NumericUnary op)
    {
        var x = c.Input(0);
        var o = c.AllocateOutputUninitialized(0, x.DataType, x.Shape);
        if (op == NumericUnary.Relu && x.DataType == DataType.Float)
        {
            TensorPrimitives.Max(x.AsReadOnlySpan<float>(), 0f, o.AsSpan<float>());
            return;
        }

        var act = new NumericAction { X = x, O = o, Op = op };
        TypeDispatch.Numeric(x.DataType, c.Node.Display, ref act);
    }

    private static void Not(KernelContext c)
    {
        var x = c.Input(0);
        if (x.DataType != DataType.Bool)
        {
            throw TypeDispatch.Unsupported(c.Node.Display, x.DataType);
        }

        var o = c.AllocateOutput(0, DataType.Bool, x.Shape);
        var s = x.AsReadOnlySpan<bool>();
        var d = o.AsSpan<bool>();
        for (var i = 0; i < s.Length; i++)
        {
            d[i] = !s[i];
        }
    }

    private static void Size(KernelContext c)
    {
        var o = c.AllocateOutput(0, DataType.Int64, TensorShape.Scalar);
        o.AsSpan<long>()[0] = c.Input(0).Shape.ElementCount;
    }

    internal struct NumericAction : INumericAction
    {
        public Tensor X;
        public Tensor O;
        public NumericUnary Op;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var s = X.AsReadOnlySpan<T>();
            var d = O.AsSpan<T>();
            for (var i = 0; i < s.Length; i++)
            {
                var v = s[i];
                d[i] = Op switch
                {
                    NumericUnary.Neg => T.Zero - v,
                    NumericUnary.Abs => T.IsNegative(v) ? T.Zero - v : v,
                    NumericUnary.Sign => T.IsNaN(v) ? v : T.CreateTruncating(T.Sign(v)),
                    _ => T.IsNaN(v) || v > T.Zero ? v : T.Zero,
                };
            }
        }
    }
}
