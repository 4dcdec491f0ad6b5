using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Backends.Cpu;

/// <summary>
/// Single-precision GEMM, C = alpha·op(A)·op(B) + beta·C, row-major. Cache-blocked (KC×NC panels of B packed once per
/// block, or read in place for small-M single-k-block slabs; MC×KC blocks of A packed per task; either one prepackable
/// once for constants; one fork per multiplication, split by columns or rows) with an MR×NR register-blocked
/// FMA micro-kernel (Vector512 8×32 tiles, or the same tile as Vector256 6×16 pieces) that accumulates straight into C:
/// the first k block starts from 0 (or from beta·C), each later block continues the same chain from C, and alpha, bias and
/// Relu are applied in the store of the last block. Every C element is accumulated by one task as one FMA chain in
/// ascending k, whatever the thread split, the tile's live row count or the vector width, so the result is bit-identical
/// for any thread count.
/// </summary>
internal static unsafe partial class Sgemm
{
    /// <summary>Rows of a packed A panel (and of one micro-kernel tile).</summary>
    internal const int MR = 8;

    /// <summary>Columns of a packed B panel (and of one micro-kernel tile).</summary>
    internal const int NR = 32;
    private const int KC = 256;
    private const int MC = 128;
    private const int NC = 1024;

    /// <summary>Whether the Vector512 kernels run (tests turn it off to check the Vector256 kernels give the same bits).</summary>
    internal static bool UseVector512 { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Applies <see cref="ComputeOptions.CpuIsa"/>: "avx2" turns the Vector512 kernels off for the process; "auto" leaves
    /// the choice as it is (so an engine with default options never undoes an explicit "avx2" or a test's setting).
    /// </summary>
    internal static void SelectIsa(string isa)
    {
        if (string.Equals(isa, "avx2", StringComparison.OrdinalIgnoreCase))
        {
            UseVector512 = false;
        }
        else if (!string.Equals(isa, "auto", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"CPU ISA '{isa}' is not 'auto' or 'avx2'", nameof(isa));
        }
    }

    /// <summary>The CPU's and JIT's vector ISA as the kernels use it (for benchmark reports).</summary>
    internal static string IsaDescription =>
        (UseVector512 ? "AVX-512 (Vector512 8x32 kernels)" : "AVX2+FMA (Vector256 6x16/2x32 kernels)")
        + (Avx512F.IsSupported ? "; CPU/JIT AVX-512F on" : "; JIT AVX-512 off") + (Fma.IsSupported ? ", FMA" : ", no FMA");

    /// <summary>Whether small-M slabs read a row-major B in place (tests compare both ways).</summary>
    internal static bool DirectB { get; set; } = true;

    /// <summary>m·n·k below which a multiplication runs on the calling thread (tests lower it to exercise the splits).</summary>
    internal static long ParallelThreshold { get; set; } = 1L << 20;

    /// <summary>Multiplies with explicit leading dimensions; arrays are pinned for the call.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc, int threads,
        float[]? rowBias = null, int rowBiasOffset = 0, bool relu = false, float[]? prepackedA = null, float[]? prepackedB = null,
        Action<int, int, int>? produceB = null)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a, pb = b, pc = c, pbias = rowBias, ppa = prepackedA, ppb = prepackedB)
        {
            Multiply(transA, transB, m, n, k, alpha, pa + aOffset, lda, pb + bOffset, ldb, beta, pc + cOffset, ldc, threads,
                pbias == null ? null : pbias + rowBiasOffset, relu, ppa, ppb, produceB);
        }
    }

    /// <summary>
    /// Whether an m×n product wastes clearly less of the padded NR-wide column tiles when computed transposed (n×m):
    /// rows are computed live-only, so only the column count's remainder costs.
    /// </summary>
    public static bool PrefersTransposed(int m, int n)
    {
        var padN = (long)(n + NR - 1) / NR * NR;
        var padM = (long)(m + NR - 1) / NR * NR;
        return m >= NR && n * padM * 100 < m * padN * 92;
    }

    /// <summary>Whether <see cref="PrepackB"/> applies (a B of bounded width).</summary>
    public static bool CanPrepackB(int n) => n <= 16384;

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

    /// <summary>
    /// Multiplies raw operands. <paramref name="produceB"/>, when given, writes B's columns [c0, c1) (using up to the given
    /// number of threads) before they are read: inside each task for its own column slab when the output is split by
    /// columns (so e.g. an im2col slab is still in cache when it is packed, and there is one fork instead of two), or
    /// once for all columns up front otherwise.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads, float* rowBias = null, bool relu = false, float* prepackedA = null, float* prepackedB = null,
        Action<int, int, int>? produceB = null)
    {
        var prepB = (nint)prepackedB;
        var nPad = (n + NR - 1) / NR * NR;
        var mPad = (m + MR - 1) / MR * MR;
        if (k == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            Epilogue(m, n, c, ldc, rowBias, relu);
            return;
        }

        var biasp = (nint)rowBias;

        if ((long)m * n * k < ParallelThreshold)
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
        if (tasks == 1)
        {
            if (produceB is not null)
            {
                ProducedSlabs(produceB, a, lda, transA, b, ldb, transB, c, ldc, k, alpha, beta, 0, m, 0, n, m, n, rowBias, relu, prepackedA, mPad, (float*)prepB, nPad);
                return;
            }

            Slab(a, lda, transA, b, ldb, transB, c, ldc, k, alpha, beta, 0, m, 0, n, m, n, rowBias, relu, prepackedA, mPad, (float*)prepB, nPad);
            return;
        }

        if (!splitColumns)
        {
            produceB?.Invoke(0, n, threads);
        }

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
                if (splitColumns && produceB is not null)
                {
                    ProducedSlabs(produceB, (float*)ap, lda, transA, (float*)bp, ldb, transB, (float*)cp, ldc, k, alpha, beta, r0, r1, c0, c1, m, n,
                        (float*)biasp, relu, (float*)ppa, mPad, (float*)prepB, nPad);
                    return;
                }

                Slab((float*)ap, lda, transA, (float*)bp, ldb, transB, (float*)cp, ldc, k, alpha, beta, r0, r1, c0, c1, m, n,
                    (float*)biasp, relu, (float*)ppa, mPad, (float*)prepB, nPad);
            }
        });
    }

    /// <summary>Floats of B (k × columns) produced at a time by <see cref="ProducedSlabs"/> (tests lower it to exercise the chunks).</summary>
    internal static int ProducedChunkFloats { get; set; } = 64 * 1024;

    /// <summary>
    /// A slab whose B is produced on the fly (im2col): produced and multiplied in column chunks of about
    /// <see cref="ProducedChunkFloats"/> floats, so each chunk is multiplied while it is still in L2 instead of the whole
    /// B being written out to L3 and read back. Every C element is still computed by one <see cref="Slab"/> call over all
    /// of k in ascending order, so the chunking does not change any bit.
    /// </summary>
    private static void ProducedSlabs(Action<int, int, int> produceB, float* a, int lda, bool transA, float* b, int ldb, bool transB, float* c, int ldc,
        int k, float alpha, float beta, int r0, int r1, int c0, int c1, int m, int n, float* rowBias, bool relu, float* prepackedA, int mPad,
        float* prepackedB, int nPad)
    {
        // Only where B is read in place (k within one KC block): a packed B is read once per block anyway (measured on
        // resnet50's k = 576/1152 layers: chunking there cost ~3 %; squeezenet −5 %, inception_v1 −8 % with it).
        var chunk = k > KC ? c1 - c0 : Math.Max(8 * NR, ProducedChunkFloats / Math.Max(1, k) / NR * NR);
        for (var j0 = c0; j0 < c1; j0 += chunk)
        {
            var j1 = Math.Min(c1, j0 + chunk);
            produceB(j0, j1, 1);
            Slab(a, lda, transA, b, ldb, transB, c, ldc, k, alpha, beta, r0, r1, j0, j1, m, n, rowBias, relu, prepackedA, mPad, prepackedB, nPad);
        }
    }

    /// <summary>Computes C[r0..r1, c0..c1) (r0 a multiple of MR, c0 of NR) over all of k on the calling thread.</summary>
    private static void Slab(float* a, int lda, bool transA, float* b, int ldb, bool transB, float* c, int ldc, int k, float alpha, float beta,
        int r0, int r1, int c0, int c1, int m, int n, float* rowBias, bool relu, float* prepackedA, int mPad, float* prepackedB, int nPad)
    {
        // A slab of at most MC rows with a single k block reads each B panel for one pass of its A panels only, so a
        // row-major B is read in place instead of being packed (measured: +10-15 % for 64-row convs with k <= 256;
        // with several k blocks the strided reads lose to packing). The Vector256 kernels read each B panel three times
        // (two 6×16 pieces and one 2×32), so there packing pays from k ≈ 144 up (measured: k = 16 +7 %, k = 144 −4 %,
        // k = 256 −20 % when read in place); they read in place only up to k = 64.
        var direct = DirectB && prepackedB == null && !transB && r1 - r0 <= MC && k <= (UseVector512 ? KC : 64);
        var packedB = prepackedB != null ? null : Scratch.B(KC * (((Math.Min(NC, c1 - c0) + NR - 1) / NR) * NR));
        var packedA = prepackedA != null ? null : Scratch.A(KC * (MC + MR));
        var edge = stackalloc float[MR * NR];
        fixed (float* pbScratch = packedB, paScratch = packedA)
        {
            for (var jc = c0; jc < c1; jc += NC)
            {
                var nc = Math.Min(NC, c1 - jc);
                var nPanels = (nc + NR - 1) / NR;
                for (var pc = 0; pc < k; pc += KC)
                {
                    var kc = Math.Min(KC, k - pc);
                    var ops = TileOps.For(pc == 0, pc + KC >= k, alpha, beta, relu);
                    float* bBase;
                    var full = nc / NR;
                    if (direct)
                    {
                        // B read in place (row stride ldb); only a partial last panel is packed.
                        bBase = b + ((long)pc * ldb) + jc;
                        if (full < nPanels)
                        {
                            PackB(b, ldb, false, pc, kc, jc + (full * NR), nc - (full * NR), pbScratch);
                        }
                    }
                    else if (prepackedB != null)
                    {
                        bBase = prepackedB + ((long)nPad * pc) + ((long)(jc / NR) * kc * NR);
                    }
                    else
                    {
                        bBase = pbScratch;
                        PackBBlock(b, ldb, transB, pc, kc, jc, nc, bBase);
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
                            var bPanel = direct ? (jp < full ? bBase + (jp * NR) : pbScratch) : bBase + ((long)jp * kc * NR);
                            var bStride = direct && jp < full ? ldb : NR;
                            for (var ip = 0; ip < mPanels; ip++)
                            {
                                var i = ic + (ip * MR);
                                var mr = Math.Min(MR, m - i);
                                ops.Bias = ops.Last && rowBias != null ? rowBias + i : null;
                                ops.Post = ops.Scaled || ops.Bias != null || ops.Relu;
                                var ct = c + ((long)i * ldc) + j;
                                if (nr == NR)
                                {
                                    RunKernel(mr, kc, aBase + (ip * kc * MR), bPanel, bStride, ct, ldc, in ops);
                                }
                                else
                                {
                                    EdgeTile(mr, nr, kc, aBase + (ip * kc * MR), bPanel, ct, ldc, edge, in ops);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>A tile with fewer than NR live columns: runs the same kernel on a copy of the live part of C.</summary>
    private static void EdgeTile(int mr, int nr, int kc, float* a, float* b, float* c, int ldc, float* tile, in TileOps ops)
    {
        var readC = ops.Init != 0 || (ops.Scaled && ops.StoreBeta != 0);
        for (var r = 0; r < mr; r++)
        {
            var row = tile + (r * NR);
            new Span<float>(row, NR).Clear();
            if (readC)
            {
                new ReadOnlySpan<float>(c + ((long)r * ldc), nr).CopyTo(new Span<float>(row, nr));
            }
        }

        RunKernel(mr, kc, a, b, NR, tile, NR, in ops);
        for (var r = 0; r < mr; r++)
        {
            new ReadOnlySpan<float>(tile + (r * NR), nr).CopyTo(new Span<float>(c + ((long)r * ldc), nr));
        }
    }

    /// <summary>What the micro-kernel does around its FMA chain for one k block.</summary>
    private struct TileOps
    {
        /// <summary>Initial accumulator: 0 = zero, 1 = C, 2 = InitBeta·C.</summary>
        public int Init;
        public float InitBeta;

        /// <summary>Whether the store applies alpha (and StoreBeta·C), bias or Relu at all.</summary>
        public bool Post;
        public bool Scaled;
        public float Alpha;
        public float StoreBeta;
        public bool Last;
        public bool Relu;
        public float* Bias;

        /// <summary>
        /// alpha = 1: the chain starts from 0 (beta = 0), C (beta = 1) or beta·C on the first block and from C on later
        /// ones. Otherwise each block's chain starts from 0 and is stored as alpha·acc + beta·C (first) or + C (later).
        /// </summary>
        public static TileOps For(bool first, bool last, float alpha, float beta, bool relu)
        {
            var ops = new TileOps { Last = last, Relu = last && relu, Alpha = alpha };
            if (alpha == 1f)
            {
                ops.Init = !first ? 1 : beta == 0f ? 0 : beta == 1f ? 1 : 2;
                ops.InitBeta = beta;
            }
            else
            {
                ops.Scaled = true;
                ops.StoreBeta = first ? beta : 1f;
            }

            return ops;
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

    /// <summary>dst[c·8 + r] = src[r·lds + c] for an 8×8 block (8 rows of A into 8 packed k steps).</summary>
    internal static void Transpose8x8(float* src, int lds, float* dst)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + (2L * lds));
        var r3 = Avx.LoadVector256(src + (3L * lds));
        var r4 = Avx.LoadVector256(src + (4L * lds));
        var r5 = Avx.LoadVector256(src + (5L * lds));
        var r6 = Avx.LoadVector256(src + (6L * lds));
        var r7 = Avx.LoadVector256(src + (7L * lds));
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + 8, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 16, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 24, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 32, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 40, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 48, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 56, Avx.Permute2x128(s3, s7, 0x31));
    }

    /// <summary>
    /// Packs the B block [k0, k0+kc) × [j0, j0+nc) into NR-column panels. Row-major B is read row by row (sequential
    /// reads, one write stream per panel) rather than panel by panel, which strides across rows.
    /// </summary>
    private static void PackBBlock(float* b, int ldb, bool transB, int k0, int kc, int j0, int nc, float* dst)
    {
        var full = nc / NR;
        if (transB || full == 0)
        {
            for (var p = 0; p * NR < nc; p++)
            {
                PackB(b, ldb, transB, k0, kc, j0 + (p * NR), Math.Min(NR, nc - (p * NR)), dst + ((long)p * kc * NR));
            }

            return;
        }

        var panelStride = (long)kc * NR;
        for (var kk = 0; kk < kc; kk++)
        {
            var src = b + ((long)(k0 + kk) * ldb) + j0;
            var d = dst + (kk * NR);
            for (var p = 0; p < full; p++)
            {
                if (UseVector512)
                {
                    Vector512.Store(Vector512.Load(src), d);
                    Vector512.Store(Vector512.Load(src + 16), d + 16);
                }
                else
                {
                    Vector256.Store(Vector256.Load(src), d);
                    Vector256.Store(Vector256.Load(src + 8), d + 8);
                    Vector256.Store(Vector256.Load(src + 16), d + 16);
                    Vector256.Store(Vector256.Load(src + 24), d + 24);
                }

                src += NR;
                d += panelStride;
            }
        }

        if (full * NR < nc)
        {
            PackB(b, ldb, false, k0, kc, j0 + (full * NR), nc - (full * NR), dst + (full * panelStride));
        }
    }

    private static void PackB(float* b, int ldb, bool transB, int k0, int kc, int j0, int nr, float* dst)
    {
        if (!transB)
        {
            for (var kk = 0; kk < kc; kk++)
            {
                var src = b + ((long)(k0 + kk) * ldb) + j0;
                if (nr == NR)
                {
                    Vector256.Store(Vector256.Load(src), dst);
                    Vector256.Store(Vector256.Load(src + 8), dst + 8);
                    Vector256.Store(Vector256.Load(src + 16), dst + 16);
                    Vector256.Store(Vector256.Load(src + 24), dst + 24);
                }
                else
                {
                    new ReadOnlySpan<float>(src, nr).CopyTo(new Span<float>(dst, nr));
                    new Span<float>(dst + nr, NR - nr).Clear();
                }

                dst += NR;
            }

            return;
        }

        // B is n×k: gather each column j0 + jj (contiguous along k) into lane jj of every packed row.
        for (var jj = 0; jj < NR; jj++)
        {
            if (jj >= nr)
            {
                for (var kk = 0; kk < kc; kk++)
                {
                    dst[(kk * NR) + jj] = 0f;
                }

                continue;
            }

            var src = b + ((long)(j0 + jj) * ldb) + k0;
            for (var kk = 0; kk < kc; kk++)
            {
                dst[(kk * NR) + jj] = src[kk];
            }
        }
    }

    /// <summary>
    /// Packs A rows [i0, i0+mr) × k [k0, k0+kc) into one MR-row panel ([kk][MR]). Rows past mr are left as they are:
    /// the micro-kernel only reads the live rows of a panel.
    /// </summary>
    private static void PackA(float* a, int lda, bool transA, int i0, int mr, int k0, int kc, float* dst)
    {
        if (!transA)
        {
            var src = a + ((long)i0 * lda) + k0;
            var kk = 0;
            if (mr == MR && MR == 8 && Avx.IsSupported)
            {
                for (; kk + 8 <= kc; kk += 8)
                {
                    Transpose8x8(src + kk, lda, dst + (kk * MR));
                }
            }

            var i4 = 0;
            if (mr < MR && Sse.IsSupported)
            {
                // Partial panels (small-M products such as a 4-row batch): four rows at a time as 4×4 transposes.
                for (; i4 + 4 <= mr; i4 += 4)
                {
                    var r = src + ((long)i4 * lda);
                    var k4 = 0;
                    for (; k4 + 4 <= kc; k4 += 4)
                    {
                        var v0 = Sse.LoadVector128(r + k4);
                        var v1 = Sse.LoadVector128(r + lda + k4);
                        var v2 = Sse.LoadVector128(r + (2L * lda) + k4);
                        var v3 = Sse.LoadVector128(r + (3L * lda) + k4);
                        var t0 = Sse.UnpackLow(v0, v1);
                        var t1 = Sse.UnpackLow(v2, v3);
                        var t2 = Sse.UnpackHigh(v0, v1);
                        var t3 = Sse.UnpackHigh(v2, v3);
                        var d = dst + (k4 * MR) + i4;
                        Sse.Store(d, Sse.MoveLowToHigh(t0, t1));
                        Sse.Store(d + MR, Sse.MoveHighToLow(t1, t0));
                        Sse.Store(d + (2 * MR), Sse.MoveLowToHigh(t2, t3));
                        Sse.Store(d + (3 * MR), Sse.MoveHighToLow(t3, t2));
                    }

                    for (var ii = i4; ii < i4 + 4; ii++)
                    {
                        for (var k2 = k4; k2 < kc; k2++)
                        {
                            dst[(k2 * MR) + ii] = src[((long)ii * lda) + k2];
                        }
                    }
                }
            }

            for (var ii = mr == MR ? 0 : i4; ii < mr; ii++)
            {
                var row = src + ((long)ii * lda);
                for (var k2 = mr == MR ? kk : 0; k2 < kc; k2++)
                {
                    dst[(k2 * MR) + ii] = row[k2];
                }
            }

            return;
        }

        if (mr == MR && MR == 8)
        {
            // A is k×m: the panel's MR rows are contiguous in each of its k rows.
            for (var kk = 0; kk < kc; kk++)
            {
                Vector256.Store(Vector256.Load(a + ((long)(k0 + kk) * lda) + i0), dst);
                dst += MR;
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
}
