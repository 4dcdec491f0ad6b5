using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>Broadcasting binary/variadic ops: Add Sub Mul Div Pow Max Min Sum Mean, comparisons, logic, Where.</summary>
internal static class ElementwiseOperators
{
    private enum Arith
    {
        Add,
        Sub,
        Mul,
        Div,
        Max,
        Min,
    }

    private enum Compare
    {
        Equal,
        Less,
        Greater,
        LessOrEqual,
        GreaterOrEqual,
    }

    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["Add"] = c =>
        {
            if (!TryLargeFloatSum(c, relu: false))
            {
                Binary(c, Arith.Add);
            }
        };
        table["Sub"] = c => Binary(c, Arith.Sub);
        table["Mul"] = c => Binary(c, Arith.Mul);
        table["Div"] = c => Binary(c, Arith.Div);
        table["Max"] = c => Variadic(c, Arith.Max, mean: false);
        table["Min"] = c => Variadic(c, Arith.Min, mean: false);
        table["Sum"] = c =>
        {
            if (!TryLargeFloatSum(c, relu: false))
            {
                Variadic(c, Arith.Add, mean: false);
            }
        };
        table["Mean"] = c => Variadic(c, Arith.Add, mean: true);
        table["Equal"] = c => Comparison(c, Compare.Equal);
        table["Less"] = c => Comparison(c, Compare.Less);
        table["Greater"] = c => Comparison(c, Compare.Greater);
        table["LessOrEqual"] = c => Comparison(c, Compare.LessOrEqual);
        table["GreaterOrEqual"] = c => Comparison(c, Compare.GreaterOrEqual);
        table["And"] = c => Logical(c, static (a, b) => a & b);
        table["Or"] = c => Logical(c, static (a, b) => a | b);
        table["Xor"] = c => Logical(c, static (a, b) => a ^ b);
        table["Where"] = Where;
        table["Pow"] = Pow;
    }

    /// <summary>Add/Sum followed by Relu (fused by the graph optimizer for the CPU backend).</summary>
    public static void RegisterFused(Dictionary<string, Action<KernelContext>> table)
    {
        table["Add"] = c =>
        {
            if (!TryLargeFloatSum(c, relu: true))
            {
                WithRelu(c, static k => Binary(k, Arith.Add));
            }
        };
        table["Sum"] = c =>
        {
            if (!TryLargeFloatSum(c, relu: true))
            {
                WithRelu(c, static k => Variadic(k, Arith.Add, mean: false));
            }
        };
    }

    /// <summary>Elements below which a same-shape float sum runs on one thread.</summary>
    private const int ParallelSumElements = 1 << 16;

    /// <summary>
    /// Add/Sum of large float tensors of one shape (ResNet's residual connections): the left fold and the optional Relu
    /// done together, chunk by chunk across the job's threads. Each element gets the same operations in the same order
    /// as the general path, so the bits do not change. False when the inputs do not qualify.
    /// </summary>
    private static bool TryLargeFloatSum(KernelContext c, bool relu)
    {
        if (c.MaxDegreeOfParallelism <= 1 || c.InputCount < 2)
        {
            return false;
        }

        var inputs = new Tensor[c.InputCount];
        for (var i = 0; i < inputs.Length; i++)
        {
            if (c.OptionalInput(i) is not { DataType: DataType.Float } t || (i > 0 && t.Shape != inputs[0].Shape))
            {
                return false;
            }

            inputs[i] = t;
        }

        var total = inputs[0].Length;
        if (total < ParallelSumElements)
        {
            return false;
        }

        var y = c.AllocateOutputUninitialized(0, DataType.Float, inputs[0].Shape);
        ParallelLoop.ForRange(total, c.MaxDegreeOfParallelism, ParallelSumElements / 4, (start, end) =>
        {
            var length = (int)(end - start);
            var dst = y.AsSpan<float>().Slice((int)start, length);
            TensorPrimitives.Add(inputs[0].AsReadOnlySpan<float>().Slice((int)start, length), inputs[1].AsReadOnlySpan<float>().Slice((int)start, length), dst);
            for (var i = 2; i < inputs.Length; i++)
            {
                TensorPrimitives.Add(dst, inputs[i].AsReadOnlySpan<float>().Slice((int)start, length), dst);
            }

            if (relu)
            {
                TensorPrimitives.Max(dst, 0f, dst);
            }
        });
        return true;
    }

    /// <summary>Runs <paramref name="op"/>, then Relu in place on its output 0.</summary>
    internal static void WithRelu(KernelContext c, Action<KernelContext> op)
    {
        op(c);
        var y = c.GetOutputTensor(0);
        if (y.DataType == DataType.Float)
        {
            TensorPrimitives.Max(y.AsReadOnlySpan<float>(), 0f, y.AsSpan<float>());
            return;
        }

        var relu = new UnaryOperators.NumericAction { X = y, O = y, Op = UnaryOperators.NumericUnary.Relu };
        TypeDispatch.Numeric(y.DataType, c.Node.Display, ref relu);
    }

    private static void Binary(KernelContext c, Arith op)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        RequireSameType(c, a, b);
        var shape = Broadcast.OutputShape(c.Node.OpType, a.Shape, b.Shape);
        var o = c.AllocateOutputUninitialized(0, a.DataType, shape);
        var act = new ArithAction { A = a, B = b, O = o, Op = op };
        TypeDispatch.Numeric(a.DataType, c.Node.Display, ref act);
    }

    private static void Variadic(KernelContext c, Arith op, bool mean)
    {
        var inputs = Enumerable.Range(0, c.InputCount).Select(c.Input).ToArray();
        foreach (var t in inputs)
        {
            RequireSameType(c, inputs[0], t);
        }

        var shape = Broadcast.OutputShape(c.Node.OpType, inputs.Select(t => t.Shape).ToArray());
        if (inputs.Length == 1)
        {
            var only = c.AllocateOutput(0, inputs[0].DataType, shape);
            inputs[0].AsBytes().CopyTo(only.AsBytes());
            return;
        }

        // Left fold in input order (fixed order keeps results deterministic).
        var acc = inputs[0];
        for (var i = 1; i < inputs.Length; i++)
        {
            var s = Broadcast.OutputShape(c.Node.OpType, acc.Shape, inputs[i].Shape);
            var o = i == inputs.Length - 1 ? c.AllocateOutputUninitialized(0, acc.DataType, shape) : c.AllocateTemporary(acc.DataType, s);
            var act = new ArithAction { A = acc, B = inputs[i], O = o, Op = op };
            TypeDispatch.Numeric(acc.DataType, c.Node.Display, ref act);
            acc = o;
        }

        if (mean)
        {
            var div = new ScaleAction { T = acc, Divisor = inputs.Length };
            TypeDispatch.Numeric(acc.DataType, c.Node.Display, ref div);
        }
    }

    private static void Comparison(KernelContext c, Compare op)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        RequireSameType(c, a, b);
        var shape = Broadcast.OutputShape(c.Node.OpType, a.Shape, b.Shape);
        var o = c.AllocateOutput(0, DataType.Bool, shape);
        if (a.DataType == DataType.Bool)
        {
            if (op != Compare.Equal)
            {
                throw TypeDispatch.Unsupported(c.Node.Display, a.DataType);
            }

            var ab = new Tensor(DataType.UInt8, a.Shape, RawBytes(a));
            var bb = new Tensor(DataType.UInt8, b.Shape, RawBytes(b));
            var cmpBytes = new CompareAction { A = ab, B = bb, O = o, Op = op };
            cmpBytes.Invoke<byte>();
            return;
        }

        var act = new CompareAction { A = a, B = b, O = o, Op = op };
        TypeDispatch.Numeric(a.DataType, c.Node.Display, ref act);
    }

    private static byte[] RawBytes(Tensor t) => t.AsBytes().ToArray();

    private static void Logical(KernelContext c, Func<bool, bool, bool> f)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        if (a.DataType != DataType.Bool || b.DataType != DataType.Bool)
        {
            throw TypeDispatch.Unsupported(c.Node.Display, a.DataType);
        }

        var shape = Broadcast.OutputShape(c.Node.OpType, a.Shape, b.Shape);
        var o = c.AllocateOutput(0, DataType.Bool, shape);
        var plan = Broadcast.Plan(shape, a.Shape, b.Shape);
        var av = a.AsReadOnlySpan<bool>();
        var bv = b.AsReadOnlySpan<bool>();
        var ov = o.AsSpan<bool>();
        Span<long> off = stackalloc long[2];
        var n = plan.InnerLength;
        for (long r = 0; r < plan.Rows; r++)
        {
            plan.RowOffsets(r, off);
            for (var i = 0; i < n; i++)
            {
                ov[(int)(r * n) + i] = f(av[(int)off[0] + i * plan.InnerStrides[0]], bv[(int)off[1] + i * plan.InnerStrides[1]]);
            }
        }
    }

    private static void Where(KernelContext c)
    {
        var cond = c.Input(0);
        var x = c.Input(1);
        var y = c.Input(2);
        RequireSameType(c, x, y);
        if (cond.DataType != DataType.Bool)
        {
            throw TypeDispatch.Unsupported(c.Node.Display, cond.DataType);
        }

        var shape = Broadcast.OutputShape("Where", cond.Shape, x.Shape, y.Shape);
        var o = c.AllocateOutput(0, x.DataType, shape);
        var act = new WhereAction { C = cond, X = x, Y = y, O = o };
        TypeDispatch.Raw(x.DataType, c.Node.Display, ref act);
    }

    private static void Pow(KernelContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var shape = Broadcast.OutputShape("Pow", a.Shape, b.Shape);
        var o = c.AllocateOutput(0, a.DataType, shape);
        var exponent = Conversions.ToDoubles(b, c.Node.Display);
        var act = new PowAction { A = a, B = b, Exponent = exponent, O = o };
        TypeDispatch.Numeric(a.DataType, c.Node.Display, ref act);
    }

    private static void RequireSameType(KernelContext c, Tensor a, Tensor b)
    {
        if (a.DataType != b.DataType)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"{c.Node.Display}: input types {a.DataType} and {b.DataType} differ");
        }
    }

    private struct ArithAction : INumericAction
    {
        public Tensor A;
        public Tensor B;
        public Tensor O;
        public Arith Op;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            switch (Op)
            {
                case Arith.Add: Run<T, AddOp<T>>(); break;
                case Arith.Sub: Run<T, SubOp<T>>(); break;
                case Arith.Mul: Run<T, MulOp<T>>(); break;
                case Arith.Div: Run<T, DivOp<T>>(); break;
                case Arith.Max: Run<T, MaxOp<T>>(); break;
                default: Run<T, MinOp<T>>(); break;
            }
        }

        private readonly void Run<T, TOp>()
            where T : unmanaged, INumber<T>
            where TOp : IBinaryOp<T>
        {
            var plan = Broadcast.Plan(O.Shape, A.Shape, B.Shape);
            var a = A.AsReadOnlySpan<T>();
            var b = B.AsReadOnlySpan<T>();
            var o = O.AsSpan<T>();
            var n = plan.InnerLength;
            var sa = plan.InnerStrides[0];
            var sb = plan.InnerStrides[1];
            Span<long> off = stackalloc long[2];
            for (long r = 0; r < plan.Rows; r++)
            {
                plan.RowOffsets(r, off);
                var dst = o.Slice((int)(r * n), n);
                var x = a.Slice((int)off[0]);
                var y = b.Slice((int)off[1]);
                if (typeof(T) == typeof(float) && VectorFloat(Op, sa, sb, x, y, dst))
                {
                    continue;
                }

                if (sa == 1 && sb == 1)
                {
                    for (var i = 0; i < n; i++)
                    {
                        dst[i] = TOp.Apply(x[i], y[i]);
                    }
                }
                else if (sa == 1)
                {
                    var yv = y[0];
                    for (var i = 0; i < n; i++)
                    {
                        dst[i] = TOp.Apply(x[i], yv);
                    }
                }
                else if (sb == 1)
                {
                    var xv = x[0];
                    for (var i = 0; i < n; i++)
                    {
                        dst[i] = TOp.Apply(xv, y[i]);
                    }
                }
                else
                {
                    for (var i = 0; i < n; i++)
                    {
                        dst[i] = TOp.Apply(x[i * sa], y[i * sb]);
                    }
                }
            }
        }

        private static bool VectorFloat<T>(Arith op, int sa, int sb, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dst)
            where T : unmanaged
        {
            var n = dst.Length;
            var xs = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(x);
            var ys = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(y);
            var d = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(dst);
            if (sa == 1 && sb == 1)
            {
                switch (op)
                {
                    case Arith.Add: TensorPrimitives.Add(xs[..n], ys[..n], d); return true;
                    case Arith.Sub: TensorPrimitives.Subtract(xs[..n], ys[..n], d); return true;
                    case Arith.Mul: TensorPrimitives.Multiply(xs[..n], ys[..n], d); return true;
                    case Arith.Div: TensorPrimitives.Divide(xs[..n], ys[..n], d); return true;
                    default: return false;
                }
            }

            if (sa == 1 && sb == 0)
            {
                switch (op)
                {
                    case Arith.Add: TensorPrimitives.Add(xs[..n], ys[0], d); return true;
                    case Arith.Sub: TensorPrimitives.Subtract(xs[..n], ys[0], d); return true;
                    case Arith.Mul: TensorPrimitives.Multiply(xs[..n], ys[0], d); return true;
                    case Arith.Div: TensorPrimitives.Divide(xs[..n], ys[0], d); return true;
                    default: return false;
                }
            }

            if (sa == 0 && sb == 1)
            {
                switch (op)
                {
                    case Arith.Add: TensorPrimitives.Add(ys[..n], xs[0], d); return true;
                    case Arith.Sub: TensorPrimitives.Subtract(xs[0], ys[..n], d); return true;
                    case Arith.Mul: TensorPrimitives.Multiply(ys[..n], xs[0], d); return true;
                    case Arith.Div: TensorPrimitives.Divide(xs[0], ys[..n], d); return true;
                    default: return false;
                }
            }

            return false;
        }
    }

    private struct ScaleAction : INumericAction
    {
        public Tensor T;
        public int Divisor;

        public readonly void Invoke<TElement>()
            where TElement : unmanaged, INumber<TElement>
        {
            var s = T.AsSpan<TElement>();
            var d = TElement.CreateTruncating(Divisor);
            for (var i = 0; i < s.Length; i++)
            {
                s[i] /= d;
            }
        }
    }

    private struct CompareAction : INumericAction
    {
        public Tensor A;
        public Tensor B;
        public Tensor O;
        public Compare Op;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var plan = Broadcast.Plan(O.Shape, A.Shape, B.Shape);
            var a = A.AsReadOnlySpan<T>();
            var b = B.AsReadOnlySpan<T>();
            var o = O.AsSpan<bool>();
            var n = plan.InnerLength;
            var sa = plan.InnerStrides[0];
            var sb = plan.InnerStrides[1];
            Span<long> off = stackalloc long[2];
            for (long r = 0; r < plan.Rows; r++)
            {
                plan.RowOffsets(r, off);
                for (var i = 0; i < n; i++)
                {
                    var x = a[(int)off[0] + i * sa];
                    var y = b[(int)off[1] + i * sb];
                    o[(int)(r * n) + i] = Op switch
                    {
                        Compare.Equal => x == y,
                        Compare.Less => x < y,
                        Compare.Greater => x > y,
                        Compare.LessOrEqual => x <= y,
                        _ => x >= y,
                    };
                }
            }
        }
    }

    private struct WhereAction : IRawAction
    {
        public Tensor C;
        public Tensor X;
        public Tensor Y;
        public Tensor O;

        public readonly void Invoke<T>()
            where T : unmanaged
        {
            var plan = Broadcast.Plan(O.Shape, C.Shape, X.Shape, Y.Shape);
            var c = C.AsReadOnlySpan<bool>();
            var x = RawSpan.Of<T>(X);
            var y = RawSpan.Of<T>(Y);
            var o = RawSpan.Of<T>(O);
            var n = plan.InnerLength;
            var s = plan.InnerStrides;
            Span<long> off = stackalloc long[3];
            for (long r = 0; r < plan.Rows; r++)
            {
                plan.RowOffsets(r, off);
                for (var i = 0; i < n; i++)
                {
                    o[(int)(r * n) + i] = c[(int)off[0] + i * s[0]] ? x[(int)off[1] + i * s[1]] : y[(int)off[2] + i * s[2]];
                }
            }
        }
    }

    private struct PowAction : INumericAction
    {
        public Tensor A;
        public Tensor B;
        public double[] Exponent;
        public Tensor O;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var plan = Broadcast.Plan(O.Shape, A.Shape, B.Shape);
            var a = A.AsReadOnlySpan<T>();
            var o = O.AsSpan<T>();
            var n = plan.InnerLength;
            var sa = plan.InnerStrides[0];
            var sb = plan.InnerStrides[1];
            var isFloat = typeof(T) == typeof(float);
            Span<long> off = stackalloc long[2];
            for (long r = 0; r < plan.Rows; r++)
            {
                plan.RowOffsets(r, off);
                for (var i = 0; i < n; i++)
                {
                    var x = double.CreateTruncating(a[(int)off[0] + i * sa]);
                    var e = Exponent[(int)off[1] + i * sb];
                    var v = isFloat ? MathF.Pow((float)x, (float)e) : Math.Pow(x, e);
                    o[(int)(r * n) + i] = T.CreateSaturating(v);
                }
            }
        }
    }
}
