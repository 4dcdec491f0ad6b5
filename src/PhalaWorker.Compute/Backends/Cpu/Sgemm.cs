using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Backends.Cpu;

/// <summary>
/// Single-precision GEMM, C = alpha·op(A)·op(B) + beta·C, row-major. Cache-blocked (KC×NC panels of B packed once per
/// block and shared, MC×KC blocks of A packed per task) with a 6×16 register-blocked FMA micro-kernel (Vector256).
/// Work is split into fixed (row block × column chunk) tiles; every element of C is accumulated by one task in
/// ascending k order, so the result is bit-identical for any thread count.
/// </summary>
internal static unsafe class Sgemm
{
    private const int MR = 6;
    private const int NR = 16;
    private const int KC = 256;
    private const int MC = 120;
    private const int NC = 3072;

    /// <summary>Multiplies with explicit leading dimensions; arrays are pinned for the call.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc, int threads,
        float[]? rowBias = null, int rowBiasOffset = 0, bool relu = false, float[]? prepackedA = null, float[]? prepackedB = null)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a, pb = b, pc = c, pbias = rowBias, ppa = prepackedA, ppb = prepackedB)
        {
            Multiply(transA, transB, m, n, k, alpha, pa + aOffset, lda, pb + bOffset, ldb, beta, pc + cOffset, ldc, threads,
                pbias == null ? null : pbias + rowBiasOffset, relu, ppa, ppb);
        }
    }

    /// <summary>Whether <see cref="PrepackB"/> applies (B fits one NC column block).</summary>
    public static bool CanPrepackB(int n) => n <= NC;

    /// <summary>Packs a constant B (k×n, or n×k when <paramref name="transB"/>) once into the micro-kernel panel layout.</summary>
    public static float[] PrepackB(int k, int n, float[] b, int bOffset, int ldb, bool transB)
    {
        var nPad = (n + NR - 1) / NR * NR;
        var packed = new float[Math.Max(1, (long)nPad * k)];
        fixed (float* pb = b, dst = packed)
        {
            for (var pc = 0; pc < k; pc += KC)
            {
                var kc = Math.Min(KC, k - pc);
                for (var p = 0; p * NR < n; p++)
                {
                    PackB(pb + bOffset, ldb, transB, pc, kc, p * NR, Math.Min(NR, n - (p * NR)), dst + ((long)nPad * pc) + ((long)p * kc * NR));
                }
            }
        }

        return packed;
    }

    /// <summary>
    /// Packs a constant row-major A (m×k, e.g. convolution weights) once into the micro-kernel layout
    /// (per KC block, MR-row panels), so repeated multiplications skip packing it.
    /// </summary>
    public static float[] PrepackA(int m, int k, float[] a, int aOffset, int lda)
    {
        var mPad = (m + MR - 1) / MR * MR;
        var packed = new float[Math.Max(1, (long)mPad * k)];
        fixed (float* pa = a, dst = packed)
        {
            for (var pc = 0; pc < k; pc += KC)
            {
                var kc = Math.Min(KC, k - pc);
                for (var p = 0; p * MR < m; p++)
                {
                    PackA(pa + aOffset, lda, false, p * MR, Math.Min(MR, m - (p * MR)), pc, kc, dst + ((long)mPad * pc) + ((long)p * MR * kc));
                }
            }
        }

        return packed;
    }

    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads, float* rowBias = null, bool relu = false, float* prepackedA = null, float* prepackedB = null)
    {
        var prepB = n <= NC ? (nint)prepackedB : 0;
        var nPad = (n + NR - 1) / NR * NR;
        var mPad = (m + MR - 1) / MR * MR;
        if (k == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            Epilogue(m, n, c, ldc, rowBias, relu);
            return;
        }

        var biasp = (nint)rowBias;

        if ((long)m * n * k < 1L << 20)
        {
            threads = 1; // too small to pay for one fork/join
        }

        var nPanelsAll = (n + NR - 1) / NR;
        var mPanelsAll = (m + MR - 1) / MR;
        var ap = (nint)a;
        var bp = (nint)b;
        var cp = (nint)c;
        var ppa = (nint)prepackedA;

        // One fork/join per multiplication: the output is split statically into exactly `threads` slabs (column panels
        // when there are enough of them, otherwise MR-row panels); each task packs what it needs and runs every k block
        // of its slab. Every C element is still accumulated by one task over the same KC blocks in ascending order, so
        // the result does not depend on the split.
        var tasks = Math.Max(1, threads);
        var splitColumns = nPanelsAll >= 2 * tasks || nPanelsAll >= mPanelsAll;
        tasks = Math.Min(tasks, splitColumns ? nPanelsAll : mPanelsAll);
        ParallelLoop.For(tasks, tasks, t =>
        {
            int r0 = 0, r1 = m, c0 = 0, c1 = n;
            if (splitColumns)
            {
                var per = (nPanelsAll + tasks - 1) / tasks;
                c0 = Math.Min(n, t * per * NR);
                c1 = Math.Min(n, (t + 1) * per * NR);
            }
            else
            {
                var per = (mPanelsAll + tasks - 1) / tasks;
                r0 = Math.Min(m, t * per * MR);
                r1 = Math.Min(m, (t + 1) * per * MR);
            }

            if (r0 < r1 && c0 < c1)
            {
                Slab((float*)ap, lda, transA, (float*)bp, ldb, transB, (float*)cp, ldc, k, alpha, beta, r0, r1, c0, c1, m, n,
                    (float*)biasp, relu, (float*)ppa, mPad, (float*)prepB, nPad);
            }
        });
    }

    /// <summary>Computes C[r0..r1, c0..c1) (r0 a multiple of MR, c0 of NR) over all of k on the calling thread.</summary>
    private static void Slab(float* a, int lda, bool transA, float* b, int ldb, bool transB, float* c, int ldc, int k, float alpha, float beta,
        int r0, int r1, int c0, int c1, int m, int n, float* rowBias, bool relu, float* prepackedA, int mPad, float* prepackedB, int nPad)
    {
        var packedB = Scratch.B(KC * (((Math.Min(NC, c1 - c0) + NR - 1) / NR) * NR));
        var packedA = Scratch.A(KC * (MC + MR));
        var acc = stackalloc float[MR * NR];
        fixed (float* pbScratch = packedB, paScratch = packedA)
        {
            for (var jc = c0; jc < c1; jc += NC)
            {
                var nc = Math.Min(NC, c1 - jc);
                var nPanels = (nc + NR - 1) / NR;
                for (var pc = 0; pc < k; pc += KC)
                {
                    var kc = Math.Min(KC, k - pc);
                    var first = pc == 0;
                    var last = pc + KC >= k;
                    float* bBase;
                    if (prepackedB != null)
                    {
                        bBase = prepackedB + ((long)nPad * pc) + ((long)(jc / NR) * kc * NR);
                    }
                    else
                    {
                        bBase = pbScratch;
                        for (var p = 0; p < nPanels; p++)
                        {
                            PackB(b, ldb, transB, pc, kc, jc + (p * NR), Math.Min(NR, n - jc - (p * NR)), bBase + ((long)p * kc * NR));
                        }
                    }

                    for (var ic = r0; ic < r1; ic += MC)
                    {
                        var mc = Math.Min(MC, r1 - ic);
                        var mPanels = (mc + MR - 1) / MR;
                        float* aBase;
                        if (prepackedA != null)
                        {
                            aBase = prepackedA + ((long)mPad * pc) + ((long)ic * kc);
                        }
                        else
                        {
                            aBase = paScratch;
                            for (var ip = 0; ip < mPanels; ip++)
                            {
                                PackA(a, lda, transA, ic + (ip * MR), Math.Min(MR, m - ic - (ip * MR)), pc, kc, aBase + (ip * kc * MR));
                            }
                        }

                        for (var jp = 0; jp < nPanels; jp++)
                        {
                            var j = jc + (jp * NR);
                            var nr = Math.Min(NR, n - j);
                            var bPanel = bBase + ((long)jp * kc * NR);
                            for (var ip = 0; ip < mPanels; ip++)
                            {
                                var i = ic + (ip * MR);
                                var mr = Math.Min(MR, m - i);
                                if (mr <= 2)
                                {
                                    KernelRows(kc, mr, aBase + (ip * kc * MR), bPanel, acc);
                                }
                                else
                                {
                                    Kernel(kc, aBase + (ip * kc * MR), bPanel, acc);
                                }

                                Store(acc, c + ((long)i * ldc) + j, ldc, mr, nr, alpha, beta, first);
                                if (last && (rowBias != null || relu))
                                {
                                    Epilogue(mr, nr, c + ((long)i * ldc) + j, ldc, rowBias == null ? null : rowBias + i, relu);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Per-thread packing buffers, grown on demand and kept (no per-call allocation).</summary>
    private static class Scratch
    {
        [ThreadStatic]
        private static float[]? _a;

        [ThreadStatic]
        private static float[]? _b;

        public static float[] A(int length) => _a is { } a && a.Length >= length ? a : _a = new float[length];

        public static float[] B(int length) => _b is { } b && b.Length >= length ? b : _b = new float[length];
    }

    /// <summary>Adds a per-row bias and applies Relu to an mr×nr tile (after its last k block).</summary>
    private static void Epilogue(int mr, int nr, float* c, int ldc, float* rowBias, bool relu)
    {
        for (var i = 0; i < mr; i++)
        {
            var row = c + (long)i * ldc;
            var add = rowBias == null ? 0f : rowBias[i];
            var j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vb = Vector256.Create(add);
                for (; j + 8 <= nr; j += 8)
                {
                    var v = Vector256.Load(row + j) + vb;
                    if (relu)
                    {
                        v = Vector256.Max(v, Vector256<float>.Zero);
                    }

                    Vector256.Store(v, row + j);
                }
            }

            for (; j < nr; j++)
            {
                var v = row[j] + add;
                row[j] = relu && !(v > 0) && !float.IsNaN(v) ? 0f : v;
            }
        }
    }

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                c[(long)i * ldc + j] = beta == 0 ? 0 : beta * c[(long)i * ldc + j];
            }
        }
    }

    private static void PackB(float* b, int ldb, bool transB, int k0, int kc, int j0, int nr, float* dst)
    {
        if (!transB && nr == NR)
        {
            for (var kk = 0; kk < kc; kk++)
            {
                var src = b + (long)(k0 + kk) * ldb + j0;
                Vector256.Store(Vector256.Load(src), dst);
                Vector256.Store(Vector256.Load(src + 8), dst + 8);
                dst += NR;
            }

            return;
        }

        for (var kk = 0; kk < kc; kk++)
        {
            for (var jj = 0; jj < NR; jj++)
            {
                dst[jj] = jj < nr
                    ? (transB ? b[(long)(j0 + jj) * ldb + k0 + kk] : b[(long)(k0 + kk) * ldb + j0 + jj])
                    : 0f;
            }

            dst += NR;
        }
    }

    private static void PackA(float* a, int lda, bool transA, int i0, int mr, int k0, int kc, float* dst)
    {
        if (!transA)
        {
            for (var ii = 0; ii < MR; ii++)
            {
                if (ii >= mr)
                {
                    for (var kk = 0; kk < kc; kk++)
                    {
                        dst[(kk * MR) + ii] = 0f;
                    }

                    continue;
                }

                var src = a + ((long)(i0 + ii) * lda) + k0;
                for (var kk = 0; kk < kc; kk++)
                {
                    dst[(kk * MR) + ii] = src[kk];
                }
            }

            return;
        }

        for (var kk = 0; kk < kc; kk++)
        {
            for (var ii = 0; ii < MR; ii++)
            {
                dst[ii] = ii < mr
                    ? (transA ? a[(long)(k0 + kk) * lda + i0 + ii] : a[(long)(i0 + ii) * lda + k0 + kk])
                    : 0f;
            }

            dst += MR;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(int kc, float* a, float* b, float* acc)
    {
        var c00 = Vector256<float>.Zero;
        var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero;
        var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero;
        var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero;
        var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero;
        var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero;
        var c51 = Vector256<float>.Zero;
        for (var kk = 0; kk < kc; kk++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += MR;
            b += NR;
        }

        Vector256.Store(c00, acc);
        Vector256.Store(c01, acc + 8);
        Vector256.Store(c10, acc + 16);
        Vector256.Store(c11, acc + 24);
        Vector256.Store(c20, acc + 32);
        Vector256.Store(c21, acc + 40);
        Vector256.Store(c30, acc + 48);
        Vector256.Store(c31, acc + 56);
        Vector256.Store(c40, acc + 64);
        Vector256.Store(c41, acc + 72);
        Vector256.Store(c50, acc + 80);
        Vector256.Store(c51, acc + 88);
    }

    /// <summary>
    /// The micro-kernel for a panel with only <paramref name="mr"/> live rows (GEMV-like shapes): row by row, the same
    /// FMA sequence per element as <see cref="Kernel"/>, without computing the zero-padded rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRows(int kc, int mr, float* a, float* b, float* acc)
    {
        for (var r = 0; r < mr; r++)
        {
            var c0 = Vector256<float>.Zero;
            var c1 = Vector256<float>.Zero;
            var pa = a + r;
            var pb = b;
            for (var kk = 0; kk < kc; kk++)
            {
                var av = Vector256.Create(*pa);
                c0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(pb), c0);
                c1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(pb + 8), c1);
                pa += MR;
                pb += NR;
            }

            Vector256.Store(c0, acc + (r * NR));
            Vector256.Store(c1, acc + (r * NR) + 8);
        }
    }

    private static void Store(float* acc, float* c, int ldc, int mr, int nr, float alpha, float beta, bool first)
    {
        for (var i = 0; i < mr; i++)
        {
            var row = c + (long)i * ldc;
            var src = acc + i * NR;
            if (nr == NR)
            {
                var v0 = Vector256.Load(src) * alpha;
                var v1 = Vector256.Load(src + 8) * alpha;
                if (!first)
                {
                    v0 += Vector256.Load(row);
                    v1 += Vector256.Load(row + 8);
                }
                else if (beta != 0)
                {
                    v0 += Vector256.Load(row) * beta;
                    v1 += Vector256.Load(row + 8) * beta;
                }

                Vector256.Store(v0, row);
                Vector256.Store(v1, row + 8);
                continue;
            }

            for (var j = 0; j < nr; j++)
            {
                var v = src[j] * alpha;
                if (!first)
                {
                    v += row[j];
                }
                else if (beta != 0)
                {
                    v += row[j] * beta;
                }

                row[j] = v;
            }
        }
    }
}
