using System.Numerics;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>ReduceSum/Mean/Max/Min/Prod/SumSquare/L1/L2/LogSum/LogSumExp (axes as attribute or, from opset 13/18, input).</summary>
internal static class ReductionOperators
{
    private enum Kind
    {
        Sum,
        Mean,
        Max,
        Min,
        Prod,
        SumSquare,
        L1,
        L2,
        LogSum,
        LogSumExp,
    }

    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["ReduceSum"] = c => Reduce(c, Kind.Sum, 13);
        table["ReduceMean"] = c => Reduce(c, Kind.Mean, 18);
        table["ReduceMax"] = c => Reduce(c, Kind.Max, 18);
        table["ReduceMin"] = c => Reduce(c, Kind.Min, 18);
        table["ReduceProd"] = c => Reduce(c, Kind.Prod, 18);
        table["ReduceSumSquare"] = c => Reduce(c, Kind.SumSquare, 18);
        table["ReduceL1"] = c => Reduce(c, Kind.L1, 18);
        table["ReduceL2"] = c => Reduce(c, Kind.L2, 18);
        table["ReduceLogSum"] = c => Reduce(c, Kind.LogSum, 18);
        table["ReduceLogSumExp"] = c => Reduce(c, Kind.LogSumExp, 18);
    }

    private static void Reduce(KernelContext c, Kind kind, int opsetWithInput)
    {
        var x = c.Input(0);
        var rank = x.Shape.Rank;
        var keepDims = c.Attributes.GetInt("keepdims", 1) != 0;
        long[]? axes = c.Node.OpsetVersion < opsetWithInput
            ? c.Attributes.GetInts("axes")
            : c.OptionalInput(1) is { } a ? Conversions.ToLongs(a, c.Node.Display) : null;
        if ((axes is null || axes.Length == 0) && c.Attributes.GetInt("noop_with_empty_axes", 0) != 0)
        {
            c.SetOutput(0, x);
            return;
        }

        var reduce = new bool[rank];
        if (axes is null || axes.Length == 0)
        {
            Array.Fill(reduce, true);
        }
        else
        {
            foreach (var ax in axes)
            {
                reduce[TensorShape.NormalizeAxis(ax, rank, c.Node.Display)] = true;
            }
        }

        var outDims = new List<int>();
        var fullDims = new int[rank];
        for (var d = 0; d < rank; d++)
        {
            fullDims[d] = reduce[d] ? 1 : x.Shape[d];
            if (!reduce[d] || keepDims)
            {
                outDims.Add(fullDims[d]);
            }
        }

        var o = c.AllocateOutput(0, x.DataType, new TensorShape(outDims.ToArray()));
        var fullShape = new TensorShape(fullDims);
        var outStrides = fullShape.Strides();
        for (var d = 0; d < rank; d++)
        {
            if (reduce[d])
            {
                outStrides[d] = 0;
            }
        }

        var act = new ReduceAction { X = x, O = o, OutStrides = outStrides, Kind = kind, Count = x.Shape.ElementCount / Math.Max(1, fullShape.ElementCount) };
        if (x.Shape.ElementCount == 0)
        {
            act.Count = 0;
        }

        TypeDispatch.Numeric(x.DataType, c.Node.Display, ref act);
    }

    private struct ReduceAction : INumericAction
    {
        public Tensor X;
        public Tensor O;
        public long[] OutStrides;
        public Kind Kind;
        public long Count;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var x = X.AsReadOnlySpan<T>();
            var o = O.AsSpan<T>();
            var acc = new double[o.Length];
            var init = Kind switch
            {
                Kind.Max => double.NegativeInfinity,
                Kind.Min => double.PositiveInfinity,
                Kind.Prod => 1.0,
                _ => 0.0,
            };
            Array.Fill(acc, init);
            double[]? max = null;
            if (Kind == Kind.LogSumExp)
            {
                // Two passes: max per output, then sum of exp(x - max).
                max = new double[o.Length];
                Array.Fill(max, double.NegativeInfinity);
                Walk(x, (v, j) => max[j] = Math.Max(max[j], v));
            }

            var kind = Kind;
            Walk(x, (v, j) =>
            {
                switch (kind)
                {
                    case Kind.Sum:
                    case Kind.Mean:
                        acc[j] += v;
                        break;
                    case Kind.Max:
                        acc[j] = double.IsNaN(v) || double.IsNaN(acc[j]) ? double.NaN : Math.Max(acc[j], v);
                        break;
                    case Kind.Min:
                        acc[j] = double.IsNaN(v) || double.IsNaN(acc[j]) ? double.NaN : Math.Min(acc[j], v);
                        break;
                    case Kind.Prod:
                        acc[j] *= v;
                        break;
                    case Kind.SumSquare:
                    case Kind.L2:
                        acc[j] += v * v;
                        break;
                    case Kind.L1:
                        acc[j] += Math.Abs(v);
                        break;
                    case Kind.LogSum:
                        acc[j] += v;
                        break;
                    default:
                        acc[j] += Math.Exp(v - max![j]);
                        break;
                }
            });
            for (var j = 0; j < o.Length; j++)
            {
                var v = Kind switch
                {
                    Kind.Mean => acc[j] / Count,
                    Kind.L2 => Math.Sqrt(acc[j]),
                    Kind.LogSum => Math.Log(acc[j]),
                    Kind.LogSumExp => Math.Log(acc[j]) + max![j],
                    _ => acc[j],
                };
                o[j] = typeof(T) == typeof(float) ? T.CreateTruncating((float)v) : T.CreateSaturating(v);
            }
        }

        private readonly void Walk<T>(ReadOnlySpan<T> x, Action<double, int> visit)
            where T : unmanaged, INumber<T>
        {
            var dims = X.Shape.Dims;
            var rank = dims.Length;
            if (x.Length == 0)
            {
                return;
            }

            if (rank == 0)
            {
                visit(double.CreateTruncating(x[0]), 0);
                return;
            }

            Span<int> idx = stackalloc int[rank];
            long outPos = 0;
            var inner = dims[rank - 1];
            var innerStride = OutStrides[rank - 1];
            var pos = 0;
            var rows = x.Length / inner;
            for (var r = 0; r < rows; r++)
            {
                var p = outPos;
                for (var i = 0; i < inner; i++)
                {
                    visit(double.CreateTruncating(x[pos++]), (int)p);
                    p += innerStride;
                }

                for (var d = rank - 2; d >= 0; d--)
                {
                    idx[d]++;
                    outPos += OutStrides[d];
                    if (idx[d] < dims[d])
                    {
                        break;
                    }

                    outPos -= OutStrides[d] * dims[d];
                    idx[d] = 0;
                }
            }
        }
    }
}
