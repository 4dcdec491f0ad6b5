using System.Numerics;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Internal;

/// <summary>Element-type conversions between tensors (Cast, CastLike, index and exponent inputs).</summary>
internal static class Conversions
{
    /// <summary>Every element as double (bool → 0/1).</summary>
    public static double[] ToDoubles(Tensor t, string op)
    {
        var result = new double[t.Length];
        if (t.DataType == DataType.BFloat16)
        {
            var bf = t.AsReadOnlySpan<BFloat16>();
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = bf[i].ToSingle();
            }

            return result;
        }

        if (t.DataType == DataType.Bool)
        {
            var b = t.AsReadOnlySpan<bool>();
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = b[i] ? 1 : 0;
            }

            return result;
        }

        var act = new ToDoubleAction { Source = t, Target = result };
        TypeDispatch.Numeric(t.DataType, op, ref act);
        return result;
    }

    /// <summary>Every element as long (integer inputs such as shapes, axes, indices).</summary>
    public static long[] ToLongs(Tensor t, string op)
    {
        switch (t.DataType)
        {
            case DataType.Int64: return t.AsReadOnlySpan<long>().ToArray();
            case DataType.Int32:
                {
                    var s = t.AsReadOnlySpan<int>();
                    var r = new long[s.Length];
                    for (var i = 0; i < s.Length; i++)
                    {
                        r[i] = s[i];
                    }

                    return r;
                }

            default:
                var d = ToDoubles(t, op);
                return d.Select(x => (long)x).ToArray();
        }
    }

    /// <summary>Converts <paramref name="source"/> into <paramref name="target"/> (same element count) with ONNX Cast semantics.</summary>
    public static void Convert(Tensor source, Tensor target, string op)
    {
        if (source.DataType == target.DataType)
        {
            source.AsBytes().CopyTo(target.AsBytes());
            return;
        }

        if (target.DataType == DataType.BFloat16)
        {
            var f = Tensor.Zeros(DataType.Float, source.Shape);
            Convert(source, f, op);
            var fs = f.AsReadOnlySpan<float>();
            var bs = target.AsSpan<BFloat16>();
            for (var i = 0; i < fs.Length; i++)
            {
                bs[i] = BFloat16.FromSingle(fs[i]);
            }

            return;
        }

        if (source.DataType == DataType.BFloat16)
        {
            var bs = source.AsReadOnlySpan<BFloat16>();
            var f = Tensor.Zeros(DataType.Float, source.Shape);
            var fs = f.AsSpan<float>();
            for (var i = 0; i < fs.Length; i++)
            {
                fs[i] = bs[i].ToSingle();
            }

            Convert(f, target, op);
            return;
        }

        if (source.DataType == DataType.Bool)
        {
            var b = source.AsReadOnlySpan<bool>();
            var tmp = new Tensor(DataType.UInt8, source.Shape, b.ToArray().Select(x => x ? (byte)1 : (byte)0).ToArray());
            Convert(tmp, target, op);
            return;
        }

        var outer = new OuterAction { Source = source, Target = target, Op = op };
        TypeDispatch.Numeric(source.DataType, op, ref outer);
    }

    private struct ToDoubleAction : INumericAction
    {
        public Tensor Source;
        public double[] Target;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var s = Source.AsReadOnlySpan<T>();
            for (var i = 0; i < s.Length; i++)
            {
                Target[i] = double.CreateTruncating(s[i]);
            }
        }
    }

    private struct OuterAction : INumericAction
    {
        public Tensor Source;
        public Tensor Target;
        public string Op;

        public readonly void Invoke<TFrom>()
            where TFrom : unmanaged, INumber<TFrom>
        {
            if (Target.DataType == DataType.Bool)
            {
                var s = Source.AsReadOnlySpan<TFrom>();
                var d = Target.AsSpan<bool>();
                for (var i = 0; i < s.Length; i++)
                {
                    d[i] = s[i] != TFrom.Zero;
                }

                return;
            }

            var inner = new InnerAction<TFrom> { Source = Source, Target = Target };
            TypeDispatch.Numeric(Target.DataType, Op, ref inner);
        }
    }

    private struct InnerAction<TFrom> : INumericAction
        where TFrom : unmanaged, INumber<TFrom>
    {
        public Tensor Source;
        public Tensor Target;

        public readonly void Invoke<TTo>()
            where TTo : unmanaged, INumber<TTo>
        {
            var s = Source.AsReadOnlySpan<TFrom>();
            var d = Target.AsSpan<TTo>();
            // Half ↔ float and float → double keep exact values; float → Half rounds to nearest even.
            if (typeof(TFrom) == typeof(double) && typeof(TTo) == typeof(Half))
            {
                var ds = System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, double>(s);
                var hd = System.Runtime.InteropServices.MemoryMarshal.Cast<TTo, Half>(d);
                for (var i = 0; i < ds.Length; i++)
                {
                    hd[i] = (Half)ds[i];
                }

                return;
            }

            for (var i = 0; i < s.Length; i++)
            {
                d[i] = TTo.CreateTruncating(s[i]);
            }
        }
    }
}
