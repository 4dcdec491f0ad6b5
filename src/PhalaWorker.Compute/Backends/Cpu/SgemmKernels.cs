using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PhalaWorker.Compute.Backends.Cpu;

/// <summary>
/// Sgemm micro-kernels, one specialization per live row count (generic over a row-count struct so the JIT drops the
/// dead rows). Every variant runs, for each C element, the same single FMA chain in ascending k from the same initial
/// value, so Vector512/Vector256 and any row count give bit-identical results. Generated; keep the variants in step.
/// </summary>
internal static unsafe partial class Sgemm
{
    /// <summary>A compile-time row count for the kernel specializations.</summary>
    private interface IRowCount
    {
        static abstract int Count { get; }
    }

    private struct R1 : IRowCount
    {
        public static int Count => 1;
    }

    private struct R2 : IRowCount
    {
        public static int Count => 2;
    }

    private struct R3 : IRowCount
    {
        public static int Count => 3;
    }

    private struct R4 : IRowCount
    {
        public static int Count => 4;
    }

    private struct R5 : IRowCount
    {
        public static int Count => 5;
    }

    private struct R6 : IRowCount
    {
        public static int Count => 6;
    }

    private struct R7 : IRowCount
    {
        public static int Count => 7;
    }

    private struct R8 : IRowCount
    {
        public static int Count => 8;
    }

    private struct R9 : IRowCount
    {
        public static int Count => 9;
    }

    private struct R10 : IRowCount
    {
        public static int Count => 10;
    }

    private struct R11 : IRowCount
    {
        public static int Count => 11;
    }

    private struct R12 : IRowCount
    {
        public static int Count => 12;
    }

    /// <summary>Runs the micro-kernel on one MR×NR tile with <paramref name="rows"/> live rows (c: NR valid columns; B rows <paramref name="ldb"/> apart).</summary>
    private static void RunKernel(int rows, int kc, float* a, float* b, int ldb, float* c, int ldc, in TileOps ops)
    {
        if (UseVector512)
        {
            switch (rows)
            {
                case 1:
                    Kernel512<R1>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 2:
                    Kernel512<R2>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 3:
                    Kernel512<R3>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 4:
                    Kernel512<R4>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 5:
                    Kernel512<R5>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 6:
                    Kernel512<R6>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 7:
                    Kernel512<R7>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 8:
                    Kernel512<R8>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 9:
                    Kernel512<R9>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 10:
                    Kernel512<R10>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 11:
                    Kernel512<R11>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                case 12:
                    Kernel512<R12>(kc, a, b, ldb, c, ldc, in ops);
                    return;
                default:
                    throw new ArgumentOutOfRangeException(nameof(rows));
            }
        }

        // Vector256 (16 registers without AVX-512): an 8-row tile runs as two 6×16 pieces (12 accumulators each) and one
        // 2×32 piece (8 accumulators), so every piece keeps at least 8 independent FMA chains in flight (FMA latency 4 ×
        // 2 units); two 2×16 pieces (4 chains each) ran at half the FMA rate.
        var r0 = 0;
        for (; r0 + 6 <= rows; r0 += 6)
        {
            var rc = c + ((long)r0 * ldc);
            Kernel256<R6>(kc, a + r0, b, ldb, rc, ldc, in ops, r0);
            Kernel256<R6>(kc, a + r0, b + 16, ldb, rc + 16, ldc, in ops, r0);
        }

        var rest = rows - r0;
        var ra = a + r0;
        var rcr = c + ((long)r0 * ldc);
        switch (rest)
        {
            case 1:
                Kernel256W<R1>(kc, ra, b, ldb, rcr, ldc, in ops, r0);
                break;
            case 2:
                Kernel256W<R2>(kc, ra, b, ldb, rcr, ldc, in ops, r0);
                break;
            case 3:
                Kernel256<R3>(kc, ra, b, ldb, rcr, ldc, in ops, r0);
                Kernel256<R3>(kc, ra, b + 16, ldb, rcr + 16, ldc, in ops, r0);
                break;
            case 4:
                Kernel256<R4>(kc, ra, b, ldb, rcr, ldc, in ops, r0);
                Kernel256<R4>(kc, ra, b + 16, ldb, rcr + 16, ldc, in ops, r0);
                break;
            case 5:
                Kernel256<R5>(kc, ra, b, ldb, rcr, ldc, in ops, r0);
                Kernel256<R5>(kc, ra, b + 16, ldb, rcr + 16, ldc, in ops, r0);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512<TRows>(int kc, float* a, float* b, int ldb, float* c, int ldc, in TileOps ops)
        where TRows : struct, IRowCount
    {
        var rows = TRows.Count;
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        if (ops.Init != 0)
        {
            if (rows > 0)
            {
                c00 = Vector512.Load(c);
                c01 = Vector512.Load(c + 16);
            }

            if (rows > 1)
            {
                c10 = Vector512.Load(c + (1 * (long)ldc));
                c11 = Vector512.Load(c + (1 * (long)ldc) + 16);
            }

            if (rows > 2)
            {
                c20 = Vector512.Load(c + (2 * (long)ldc));
                c21 = Vector512.Load(c + (2 * (long)ldc) + 16);
            }

            if (rows > 3)
            {
                c30 = Vector512.Load(c + (3 * (long)ldc));
                c31 = Vector512.Load(c + (3 * (long)ldc) + 16);
            }

            if (rows > 4)
            {
                c40 = Vector512.Load(c + (4 * (long)ldc));
                c41 = Vector512.Load(c + (4 * (long)ldc) + 16);
            }

            if (rows > 5)
            {
                c50 = Vector512.Load(c + (5 * (long)ldc));
                c51 = Vector512.Load(c + (5 * (long)ldc) + 16);
            }

            if (rows > 6)
            {
                c60 = Vector512.Load(c + (6 * (long)ldc));
                c61 = Vector512.Load(c + (6 * (long)ldc) + 16);
            }

            if (rows > 7)
            {
                c70 = Vector512.Load(c + (7 * (long)ldc));
                c71 = Vector512.Load(c + (7 * (long)ldc) + 16);
            }

            if (rows > 8)
            {
                c80 = Vector512.Load(c + (8 * (long)ldc));
                c81 = Vector512.Load(c + (8 * (long)ldc) + 16);
            }

            if (rows > 9)
            {
                c90 = Vector512.Load(c + (9 * (long)ldc));
                c91 = Vector512.Load(c + (9 * (long)ldc) + 16);
            }

            if (rows > 10)
            {
                c100 = Vector512.Load(c + (10 * (long)ldc));
                c101 = Vector512.Load(c + (10 * (long)ldc) + 16);
            }

            if (rows > 11)
            {
                c110 = Vector512.Load(c + (11 * (long)ldc));
                c111 = Vector512.Load(c + (11 * (long)ldc) + 16);
            }

            if (ops.Init == 2)
            {
                var vb = Vector512.Create(ops.InitBeta);
                c00 *= vb;
                c01 *= vb;
                c10 *= vb;
                c11 *= vb;
                c20 *= vb;
                c21 *= vb;
                c30 *= vb;
                c31 *= vb;
                c40 *= vb;
                c41 *= vb;
                c50 *= vb;
                c51 *= vb;
                c60 *= vb;
                c61 *= vb;
                c70 *= vb;
                c71 *= vb;
                c80 *= vb;
                c81 *= vb;
                c90 *= vb;
                c91 *= vb;
                c100 *= vb;
                c101 *= vb;
                c110 *= vb;
                c111 *= vb;
            }
        }

        for (var kk = 0; kk < kc; kk++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            if (rows > 0)
            {
                var a0 = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            }

            if (rows > 1)
            {
                var a1 = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            }

            if (rows > 2)
            {
                var a2 = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            }

            if (rows > 3)
            {
                var a3 = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            }

            if (rows > 4)
            {
                var a4 = Vector512.Create(a[4]);
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            }

            if (rows > 5)
            {
                var a5 = Vector512.Create(a[5]);
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            }

            if (rows > 6)
            {
                var a6 = Vector512.Create(a[6]);
                c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
                c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            }

            if (rows > 7)
            {
                var a7 = Vector512.Create(a[7]);
                c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
                c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            }

            if (rows > 8)
            {
                var a8 = Vector512.Create(a[8]);
                c80 = Vector512.FusedMultiplyAdd(a8, b0, c80);
                c81 = Vector512.FusedMultiplyAdd(a8, b1, c81);
            }

            if (rows > 9)
            {
                var a9 = Vector512.Create(a[9]);
                c90 = Vector512.FusedMultiplyAdd(a9, b0, c90);
                c91 = Vector512.FusedMultiplyAdd(a9, b1, c91);
            }

            if (rows > 10)
            {
                var a10 = Vector512.Create(a[10]);
                c100 = Vector512.FusedMultiplyAdd(a10, b0, c100);
                c101 = Vector512.FusedMultiplyAdd(a10, b1, c101);
            }

            if (rows > 11)
            {
                var a11 = Vector512.Create(a[11]);
                c110 = Vector512.FusedMultiplyAdd(a11, b0, c110);
                c111 = Vector512.FusedMultiplyAdd(a11, b1, c111);
            }

            a += MR;
            b += ldb;
        }

        if (rows > 0)
        {
            Store512(c00, c, 0, in ops);
            Store512(c01, c + 16, 0, in ops);
        }

        if (rows > 1)
        {
            Store512(c10, c + (1 * (long)ldc), 1, in ops);
            Store512(c11, c + (1 * (long)ldc) + 16, 1, in ops);
        }

        if (rows > 2)
        {
            Store512(c20, c + (2 * (long)ldc), 2, in ops);
            Store512(c21, c + (2 * (long)ldc) + 16, 2, in ops);
        }

        if (rows > 3)
        {
            Store512(c30, c + (3 * (long)ldc), 3, in ops);
            Store512(c31, c + (3 * (long)ldc) + 16, 3, in ops);
        }

        if (rows > 4)
        {
            Store512(c40, c + (4 * (long)ldc), 4, in ops);
            Store512(c41, c + (4 * (long)ldc) + 16, 4, in ops);
        }

        if (rows > 5)
        {
            Store512(c50, c + (5 * (long)ldc), 5, in ops);
            Store512(c51, c + (5 * (long)ldc) + 16, 5, in ops);
        }

        if (rows > 6)
        {
            Store512(c60, c + (6 * (long)ldc), 6, in ops);
            Store512(c61, c + (6 * (long)ldc) + 16, 6, in ops);
        }

        if (rows > 7)
        {
            Store512(c70, c + (7 * (long)ldc), 7, in ops);
            Store512(c71, c + (7 * (long)ldc) + 16, 7, in ops);
        }

        if (rows > 8)
        {
            Store512(c80, c + (8 * (long)ldc), 8, in ops);
            Store512(c81, c + (8 * (long)ldc) + 16, 8, in ops);
        }

        if (rows > 9)
        {
            Store512(c90, c + (9 * (long)ldc), 9, in ops);
            Store512(c91, c + (9 * (long)ldc) + 16, 9, in ops);
        }

        if (rows > 10)
        {
            Store512(c100, c + (10 * (long)ldc), 10, in ops);
            Store512(c101, c + (10 * (long)ldc) + 16, 10, in ops);
        }

        if (rows > 11)
        {
            Store512(c110, c + (11 * (long)ldc), 11, in ops);
            Store512(c111, c + (11 * (long)ldc) + 16, 11, in ops);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256<TRows>(int kc, float* a, float* b, int ldb, float* c, int ldc, in TileOps ops, int row0)
        where TRows : struct, IRowCount
    {
        var rows = TRows.Count;
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        if (ops.Init != 0)
        {
            if (rows > 0)
            {
                c00 = Vector256.Load(c);
                c01 = Vector256.Load(c + 8);
            }

            if (rows > 1)
            {
                c10 = Vector256.Load(c + (1 * (long)ldc));
                c11 = Vector256.Load(c + (1 * (long)ldc) + 8);
            }

            if (rows > 2)
            {
                c20 = Vector256.Load(c + (2 * (long)ldc));
                c21 = Vector256.Load(c + (2 * (long)ldc) + 8);
            }

            if (rows > 3)
            {
                c30 = Vector256.Load(c + (3 * (long)ldc));
                c31 = Vector256.Load(c + (3 * (long)ldc) + 8);
            }

            if (rows > 4)
            {
                c40 = Vector256.Load(c + (4 * (long)ldc));
                c41 = Vector256.Load(c + (4 * (long)ldc) + 8);
            }

            if (rows > 5)
            {
                c50 = Vector256.Load(c + (5 * (long)ldc));
                c51 = Vector256.Load(c + (5 * (long)ldc) + 8);
            }

            if (ops.Init == 2)
            {
                var vb = Vector256.Create(ops.InitBeta);
                c00 *= vb;
                c01 *= vb;
                c10 *= vb;
                c11 *= vb;
                c20 *= vb;
                c21 *= vb;
                c30 *= vb;
                c31 *= vb;
                c40 *= vb;
                c41 *= vb;
                c50 *= vb;
                c51 *= vb;
            }
        }

        for (var kk = 0; kk < kc; kk++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            if (rows > 0)
            {
                var a0 = Vector256.Create(a[0]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            }

            if (rows > 1)
            {
                var a1 = Vector256.Create(a[1]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            }

            if (rows > 2)
            {
                var a2 = Vector256.Create(a[2]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            }

            if (rows > 3)
            {
                var a3 = Vector256.Create(a[3]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            }

            if (rows > 4)
            {
                var a4 = Vector256.Create(a[4]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            }

            if (rows > 5)
            {
                var a5 = Vector256.Create(a[5]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            }

            a += MR;
            b += ldb;
        }

        if (rows > 0)
        {
            Store256(c00, c, row0 + 0, in ops);
            Store256(c01, c + 8, row0 + 0, in ops);
        }

        if (rows > 1)
        {
            Store256(c10, c + (1 * (long)ldc), row0 + 1, in ops);
            Store256(c11, c + (1 * (long)ldc) + 8, row0 + 1, in ops);
        }

        if (rows > 2)
        {
            Store256(c20, c + (2 * (long)ldc), row0 + 2, in ops);
            Store256(c21, c + (2 * (long)ldc) + 8, row0 + 2, in ops);
        }

        if (rows > 3)
        {
            Store256(c30, c + (3 * (long)ldc), row0 + 3, in ops);
            Store256(c31, c + (3 * (long)ldc) + 8, row0 + 3, in ops);
        }

        if (rows > 4)
        {
            Store256(c40, c + (4 * (long)ldc), row0 + 4, in ops);
            Store256(c41, c + (4 * (long)ldc) + 8, row0 + 4, in ops);
        }

        if (rows > 5)
        {
            Store256(c50, c + (5 * (long)ldc), row0 + 5, in ops);
            Store256(c51, c + (5 * (long)ldc) + 8, row0 + 5, in ops);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256W<TRows>(int kc, float* a, float* b, int ldb, float* c, int ldc, in TileOps ops, int row0)
        where TRows : struct, IRowCount
    {
        var rows = TRows.Count;
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        if (ops.Init != 0)
        {
            if (rows > 0)
            {
                c00 = Vector256.Load(c);
                c01 = Vector256.Load(c + 8);
                c02 = Vector256.Load(c + 16);
                c03 = Vector256.Load(c + 24);
            }

            if (rows > 1)
            {
                c10 = Vector256.Load(c + (1 * (long)ldc));
                c11 = Vector256.Load(c + (1 * (long)ldc) + 8);
                c12 = Vector256.Load(c + (1 * (long)ldc) + 16);
                c13 = Vector256.Load(c + (1 * (long)ldc) + 24);
            }

            if (ops.Init == 2)
            {
                var vb = Vector256.Create(ops.InitBeta);
                c00 *= vb;
                c01 *= vb;
                c02 *= vb;
                c03 *= vb;
                c10 *= vb;
                c11 *= vb;
                c12 *= vb;
                c13 *= vb;
            }
        }

        for (var kk = 0; kk < kc; kk++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var b2 = Vector256.Load(b + 16);
            var b3 = Vector256.Load(b + 24);
            if (rows > 0)
            {
                var a0 = Vector256.Create(a[0]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
                c03 = Vector256.FusedMultiplyAdd(a0, b3, c03);
            }

            if (rows > 1)
            {
                var a1 = Vector256.Create(a[1]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
                c13 = Vector256.FusedMultiplyAdd(a1, b3, c13);
            }

            a += MR;
            b += ldb;
        }

        if (rows > 0)
        {
            Store256(c00, c, row0 + 0, in ops);
            Store256(c01, c + 8, row0 + 0, in ops);
            Store256(c02, c + 16, row0 + 0, in ops);
            Store256(c03, c + 24, row0 + 0, in ops);
        }

        if (rows > 1)
        {
            Store256(c10, c + (1 * (long)ldc), row0 + 1, in ops);
            Store256(c11, c + (1 * (long)ldc) + 8, row0 + 1, in ops);
            Store256(c12, c + (1 * (long)ldc) + 16, row0 + 1, in ops);
            Store256(c13, c + (1 * (long)ldc) + 24, row0 + 1, in ops);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(Vector512<float> v, float* dst, int row, in TileOps ops)
    {
        if (ops.Post)
        {
            if (ops.Scaled)
            {
                v *= ops.Alpha;
                if (ops.StoreBeta != 0)
                {
                    v += Vector512.Load(dst) * ops.StoreBeta;
                }
            }

            if (ops.Bias != null)
            {
                v += Vector512.Create(ops.Bias[row]);
            }

            if (ops.Relu)
            {
                v = Vector512.Max(v, Vector512<float>.Zero);
            }
        }

        Vector512.Store(v, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(Vector256<float> v, float* dst, int row, in TileOps ops)
    {
        if (ops.Post)
        {
            if (ops.Scaled)
            {
                v *= ops.Alpha;
                if (ops.StoreBeta != 0)
                {
                    v += Vector256.Load(dst) * ops.StoreBeta;
                }
            }

            if (ops.Bias != null)
            {
                v += Vector256.Create(ops.Bias[row]);
            }

            if (ops.Relu)
            {
                v = Vector256.Max(v, Vector256<float>.Zero);
            }
        }

        Vector256.Store(v, dst);
    }
}
