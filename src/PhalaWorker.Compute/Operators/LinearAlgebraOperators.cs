using System.Numerics;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>MatMul (numpy semantics, batch broadcasting) and Gemm; float32 runs on the blocked parallel <see cref="Sgemm"/>.</summary>
internal static class LinearAlgebraOperators
{
    /// <summary>Packed constant B operands (weights), keyed on the constant tensor and the transB flag.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor, float[]?[]> PackedB = [];

    private static float[]? Prepacked(KernelContext c, Tensor b, int k, int n, int ldb, bool transB)
    {
        if (!c.IsConstantInput(1) || !Sgemm.CanPrepackB(n))
        {
            return null;
        }

        var slots = PackedB.GetValue(b, _ => new float[]?[2]);
        var slot = transB ? 1 : 0;
        return slots[slot] ??= Sgemm.PrepackB(k, n, (float[])b.Storage, 0, ldb, transB);
    }

    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["MatMul"] = MatMul;
        table["Gemm"] = Gemm;
    }

    private static void MatMul(KernelContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        if (a.DataType != b.DataType)
        {
            throw new ComputeException(ComputeErrorReason.InvalidModel, $"{c.Node.Display}: input types {a.DataType} and {b.DataType} differ");
        }

        if (a.Shape.Rank == 0 || b.Shape.Rank == 0)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: MatMul inputs must have rank ≥ 1");
        }

        var aDims = a.Shape.ToArray();
        var bDims = b.Shape.ToArray();
        var aVec = aDims.Length == 1;
        var bVec = bDims.Length == 1;
        if (aVec)
        {
            aDims = [1, aDims[0]];
        }

        if (bVec)
        {
            bDims = [bDims[0], 1];
        }

        var m = aDims[^2];
        var k = aDims[^1];
        var n = bDims[^1];
        if (bDims[^2] != k)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: shapes {a.Shape} and {b.Shape} do not match for MatMul");
        }

        var batchA = new TensorShape(aDims.AsSpan(0, aDims.Length - 2));
        var batchB = new TensorShape(bDims.AsSpan(0, bDims.Length - 2));
        var batch = Broadcast.OutputShape(c.Node.Display, batchA, batchB);
        var outDims = new List<int>(batch.ToArray());
        if (!aVec)
        {
            outDims.Add(m);
        }

        if (!bVec)
        {
            outDims.Add(n);
        }

        var o = c.AllocateOutput(0, a.DataType, new TensorShape(outDims.ToArray()));
        var batches = (int)batch.ElementCount;
        if (o.Length == 0)
        {
            return;
        }

        // Batch offsets (in matrices) of A and B for each output batch.
        var aOff = new long[batches];
        var bOff = new long[batches];
        if (batches > 0)
        {
            var plan = Broadcast.Plan(batch, batchA, batchB);
            Span<long> off = stackalloc long[2];
            var idx = 0;
            for (long r = 0; r < plan.Rows; r++)
            {
                plan.RowOffsets(r, off);
                for (var i = 0; i < plan.InnerLength; i++)
                {
                    aOff[idx] = off[0] + i * plan.InnerStrides[0];
                    bOff[idx] = off[1] + i * plan.InnerStrides[1];
                    idx++;
                }
            }
        }

        if (a.DataType == DataType.Float)
        {
            var av = (float[])a.Storage;
            var bv = (float[])b.Storage;
            var ov = (float[])o.Storage;
            // B shared by every batch and A's batches contiguous: one GEMM with M = batches·m.
            var packedB = batchB.ElementCount == 1 ? Prepacked(c, b, k, n, n, transB: false) : null;
            if (batchB.ElementCount == 1 && batches > 1 && ContiguousBatches(aOff))
            {
                Sgemm.Multiply(false, false, batches * m, n, k, 1f, av, 0, k, bv, 0, n, 0f, ov, 0, n, c.MaxDegreeOfParallelism, prepackedB: packedB);
                return;
            }

            for (var i = 0; i < batches; i++)
            {
                Sgemm.Multiply(false, false, m, n, k, 1f, av, (int)(aOff[i] * m * k), k, bv, (int)(bOff[i] * k * n), n, 0f, ov, i * m * n, n, c.MaxDegreeOfParallelism, prepackedB: packedB);
            }

            return;
        }

        var act = new NaiveMatMul { A = a, B = b, O = o, M = m, N = n, K = k, AOff = aOff, BOff = bOff };
        TypeDispatch.Numeric(a.DataType, c.Node.Display, ref act);
    }

    private static void Gemm(KernelContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var bias = c.OptionalInput(2);
        var transA = c.Attributes.GetInt("transA", 0) != 0;
        var transB = c.Attributes.GetInt("transB", 0) != 0;
        var alpha = c.Attributes.GetFloat("alpha", 1f);
        var beta = c.Attributes.GetFloat("beta", 1f);
        if (a.Shape.Rank != 2 || b.Shape.Rank != 2)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: Gemm needs 2-D inputs, got {a.Shape} and {b.Shape}");
        }

        var m = transA ? a.Shape[1] : a.Shape[0];
        var k = transA ? a.Shape[0] : a.Shape[1];
        var kb = transB ? b.Shape[1] : b.Shape[0];
        var n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: shapes {a.Shape} and {b.Shape} do not match for Gemm");
        }

        var shape = new TensorShape(m, n);
        var o = c.AllocateOutput(0, a.DataType, shape);
        if (bias is not null && beta != 0)
        {
            // Y starts as the bias broadcast to [M, N] (unidirectional).
            var plan = Broadcast.Plan(shape, shape, bias.Shape);
            var fill = new BroadcastFill { Source = bias, Target = o, Plan = plan };
            TypeDispatch.Raw(o.DataType, c.Node.Display, ref fill);
        }
        else
        {
            beta = 0;
        }

        if (a.DataType == DataType.Float)
        {
            Sgemm.Multiply(transA, transB, m, n, k, alpha, (float[])a.Storage, 0, a.Shape[1], (float[])b.Storage, 0, b.Shape[1], beta, (float[])o.Storage, 0, n, c.MaxDegreeOfParallelism,
                prepackedB: Prepacked(c, b, k, n, b.Shape[1], transB));
            return;
        }

        var act = new NaiveGemm { A = a, B = b, O = o, M = m, N = n, K = k, TransA = transA, TransB = transB, Alpha = alpha, Beta = beta };
        TypeDispatch.Numeric(a.DataType, c.Node.Display, ref act);
    }

    private static bool ContiguousBatches(long[] offsets)
    {
        for (var i = 0; i < offsets.Length; i++)
        {
            if (offsets[i] != i)
            {
                return false;
            }
        }

        return true;
    }

    private struct BroadcastFill : IRawAction
    {
        public Tensor Source;
        public Tensor Target;
        public BroadcastPlan Plan;

        public readonly void Invoke<T>()
            where T : unmanaged
        {
            var s = RawSpan.Of<T>(Source);
            var d = RawSpan.Of<T>(Target);
            Span<long> off = stackalloc long[2];
            var n = Plan.InnerLength;
            var st = Plan.InnerStrides[1];
            for (long r = 0; r < Plan.Rows; r++)
            {
                Plan.RowOffsets(r, off);
                for (var i = 0; i < n; i++)
                {
                    d[(int)(r * n) + i] = s[(int)off[1] + i * st];
                }
            }
        }
    }

    private struct NaiveMatMul : INumericAction
    {
        public Tensor A;
        public Tensor B;
        public Tensor O;
        public int M;
        public int N;
        public int K;
        public long[] AOff;
        public long[] BOff;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var a = A.AsReadOnlySpan<T>();
            var b = B.AsReadOnlySpan<T>();
            var o = O.AsSpan<T>();
            for (var bi = 0; bi < AOff.Length; bi++)
            {
                var ab = (int)(AOff[bi] * M * K);
                var bb = (int)(BOff[bi] * K * N);
                var ob = bi * M * N;
                for (var i = 0; i < M; i++)
                {
                    for (var kk = 0; kk < K; kk++)
                    {
                        var av = a[ab + i * K + kk];
                        for (var j = 0; j < N; j++)
                        {
                            o[ob + i * N + j] += av * b[bb + kk * N + j];
                        }
                    }
                }
            }
        }
    }

    private struct NaiveGemm : INumericAction
    {
        public Tensor A;
        public Tensor B;
        public Tensor O;
        public int M;
        public int N;
        public int K;
        public bool TransA;
        public bool TransB;
        public float Alpha;
        public float Beta;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var a = A.AsReadOnlySpan<T>();
            var b = B.AsReadOnlySpan<T>();
            var o = O.AsSpan<T>();
            var lda = A.Shape[1];
            var ldb = B.Shape[1];
            var alpha = T.CreateTruncating(Alpha);
            var beta = T.CreateTruncating(Beta);
            for (var i = 0; i < M; i++)
            {
                for (var j = 0; j < N; j++)
                {
                    var sum = T.Zero;
                    for (var kk = 0; kk < K; kk++)
                    {
                        var av = TransA ? a[kk * lda + i] : a[i * lda + kk];
                        var bv = TransB ? b[j * ldb + kk] : b[kk * ldb + j];
                        sum += av * bv;
                    }

                    o[i * N + j] = alpha * sum + (Beta == 0 ? T.Zero : beta * o[i * N + j]);
                }
            }
        }
    }
}
