using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>
/// Winograd F(2×2, 3×3) convolution for 3×3, stride 1, dilation 1, group 1 (any padding): per image, the input is cut
/// into 4×4 tiles overlapping by 2 (V = Bᵀ d B), the 16 transform points each become one C_out×C_in × C_in×tiles
/// <see cref="Sgemm"/> product with the filters transformed once per loaded model (U = G g Gᵀ, computed in double and
/// cached with the packed weights), and each output 2×2 block is A ᵀ M A plus bias, then Relu when fused. That is 16
/// multiplies per 4 outputs instead of 36 and no 9× im2col copy of the input.
/// F(2,3) rather than F(4,3): its transforms hold only 0, ±1 and ½, so the rounding stays close to the direct sum.
/// Every output depends only on the shape, never on the thread count: the 16 products run single-threaded each, and the
/// transforms are elementwise.
/// </summary>
internal static class Winograd3x3
{
    /// <summary>Transform points of F(2×2, 3×3): (2 + 3 − 1)².</summary>
    internal const int Points = 16;

    /// <summary>
    /// The one place the threshold lives: both channel counts at least this (below it the 16 small products and the
    /// transforms cost more than the 9·C_in-deep im2col product saves).
    /// </summary>
    internal const int MinChannels = 16;

    /// <summary>Output height and width at least this (smaller maps have too few tiles per product).</summary>
    internal const int MinSpatial = 8;

    /// <summary>Whether 3×3 stride-1 convolutions use this path (tests and the benchmark harness turn it off for A/B).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Whether a convolution of this geometry runs here (see <see cref="MinChannels"/>, <see cref="MinSpatial"/>).</summary>
    public static bool Applies(PoolGeometry geo, int group, int channels, int maps) =>
        Enabled && geo.Rank == 2 && group == 1
        && geo.Kernel[0] == 3 && geo.Kernel[1] == 3
        && geo.Strides[0] == 1 && geo.Strides[1] == 1
        && geo.Dilations[0] == 1 && geo.Dilations[1] == 1
        && channels >= MinChannels && maps >= MinChannels
        && geo.Output[0] >= MinSpatial && geo.Output[1] >= MinSpatial;

    /// <summary>Filters transformed and packed once: U[point][map, channel] and each point's packed GEMM A operand.</summary>
    internal sealed record PreparedFilter(int Maps, int Channels, float[] U, float[][] Packed);

    /// <summary>U = G g Gᵀ per (map, channel), in double, rounded once to float; then each point's matrix is packed.</summary>
    public static PreparedFilter Prepare(float[] weights, int weightsOffset, int maps, int channels)
    {
        var u = new float[Points * maps * channels];
        var plane = maps * channels;
        Span<double> t = stackalloc double[12];
        for (var mc = 0; mc < plane; mc++)
        {
            var g = weightsOffset + (mc * 9);
            // t = G g (4×3): rows g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2 of the kernel's rows.
            for (var j = 0; j < 3; j++)
            {
                double g0 = weights[g + j], g1 = weights[g + 3 + j], g2 = weights[g + 6 + j];
                t[j] = g0;
                t[3 + j] = (g0 + g1 + g2) * 0.5;
                t[6 + j] = (g0 - g1 + g2) * 0.5;
                t[9 + j] = g2;
            }

            for (var i = 0; i < 4; i++)
            {
                double g0 = t[(3 * i) + 0], g1 = t[(3 * i) + 1], g2 = t[(3 * i) + 2];
                u[(((4 * i) + 0) * plane) + mc] = (float)g0;
                u[(((4 * i) + 1) * plane) + mc] = (float)((g0 + g1 + g2) * 0.5);
                u[(((4 * i) + 2) * plane) + mc] = (float)((g0 - g1 + g2) * 0.5);
                u[(((4 * i) + 3) * plane) + mc] = (float)g2;
            }
        }

        var packed = new float[Points][];
        for (var p = 0; p < Points; p++)
        {
            packed[p] = Sgemm.PrepackA(maps, channels, u, p * plane, channels);
        }

        return new PreparedFilter(maps, channels, u, packed);
    }

    /// <summary>Floats of the input-transform buffer one image needs.</summary>
    public static int InputBufferLength(int channels, int oh, int ow) => Points * channels * Tiles(oh, ow);

    /// <summary>Floats of the product buffer one image needs.</summary>
    public static int ProductBufferLength(int maps, int oh, int ow) => Points * maps * Tiles(oh, ow);

    private static int Tiles(int oh, int ow) => ((oh + 1) / 2) * ((ow + 1) / 2);

    /// <summary>
    /// One image: x[channels, ih, iw] (at <paramref name="xOff"/>) → y[maps, oh, ow] (at <paramref name="yOff"/>), with
    /// padding <paramref name="ph"/>/<paramref name="pw"/> before (the end padding follows from oh, ow).
    /// </summary>
    public static void Run(float[] x, int xOff, int ih, int iw, PreparedFilter filter, int ph, int pw, int oh, int ow,
        float[] y, int yOff, float[]? bias, bool relu, float[] v, float[] m, int threads)
    {
        var channels = filter.Channels;
        var maps = filter.Maps;
        var tilesH = (oh + 1) / 2;
        var tilesW = (ow + 1) / 2;
        var rowsPerBlock = BlockRows(channels, maps, tilesH, tilesW);
        var blocks = (tilesH + rowsPerBlock - 1) / rowsPerBlock;
        void Block(int b, int inner)
        {
            var ty0 = b * rowsPerBlock;
            var ty1 = Math.Min(tilesH, ty0 + rowsPerBlock);
            var tiles = (ty1 - ty0) * tilesW;
            var vOff = (long)Points * channels * ty0 * tilesW;
            var mOff = (long)Points * maps * ty0 * tilesW;
            var inputWork = (long)channels * tiles * 16;
            ParallelLoop.ForRange(channels, inputWork < 1 << 15 ? 1 : inner, 1, (c0, c1) =>
                TransformInput(x, xOff, ih, iw, ph, pw, ty0, ty1, tilesW, (int)c0, (int)c1, channels, v, vOff));

            ParallelLoop.For(Points, inner, p =>
                Sgemm.Multiply(false, false, maps, tiles, channels, 1f, filter.U, p * maps * channels, channels, v, (int)(vOff + ((long)p * channels * tiles)), tiles,
                    0f, m, (int)(mOff + ((long)p * maps * tiles)), tiles, 1, prepackedA: filter.Packed[p]));

            ParallelLoop.ForRange(maps, (long)maps * tiles * 16 < 1 << 15 ? 1 : inner, 1, (m0, m1) =>
                TransformOutput(m, mOff, ty0, ty1, tilesW, (int)m0, (int)m1, maps, oh, ow, y, yOff, bias, relu));
        }

        // Several blocks: each runs whole on one thread (its buffers stay in that core's L2); one block: its steps split.
        // Either way the partition follows from the shape alone.
        if (blocks >= 2)
        {
            ParallelLoop.For(blocks, threads, b => Block(b, 1));
        }
        else
        {
            Block(0, threads);
        }
    }

    /// <summary>
    /// Tile rows per block: about 128 Ki floats of transformed input and products together (half a typical L2), and at
    /// least 64 tiles so each product is wide enough for the GEMM's 32-column panels.
    /// </summary>
    private static int BlockRows(int channels, int maps, int tilesH, int tilesW)
    {
        var byCache = (128 * 1024) / (Points * (channels + maps) * tilesW);
        var byWidth = (64 + tilesW - 1) / tilesW;
        return Math.Clamp(Math.Max(byCache, byWidth), 1, tilesH);
    }

    /// <summary>
    /// V[point][channel, tile] = (Bᵀ d B)[point] for channels [c0, c1), d the 4×4 input under the tile (0 in padding).
    /// Rows above or below the input read a zero row; 8 tiles whose 18 columns lie inside the row are transformed at once
    /// (stride-2 deinterleave, one vector store per point), the others one by one with the same operations in the same
    /// order, so a tile's bits do not depend on which path took it.
    /// </summary>
    private static unsafe void TransformInput(float[] x, int xOff, int ih, int iw, int ph, int pw, int ty0, int ty1, int tilesW, int c0, int c1, int channels,
        float[] v, long vOff)
    {
        var tiles = (ty1 - ty0) * tilesW;
        var plane = (long)channels * tiles;
        var zeros = new float[iw];
        var rows = stackalloc float*[4];
        var vector = Avx2.IsSupported;
        fixed (float* px0 = x, pv0 = v, pz = zeros)
        {
            for (var ch = c0; ch < c1; ch++)
            {
                var px = px0 + xOff + ((long)ch * ih * iw);
                var pv = pv0 + vOff + ((long)ch * tiles);
                for (var ty = ty0; ty < ty1; ty++)
                {
                    var iy0 = (2 * ty) - ph;
                    for (var i = 0; i < 4; i++)
                    {
                        var iy = iy0 + i;
                        rows[i] = iy >= 0 && iy < ih ? px + ((long)iy * iw) : pz;
                    }

                    var tx = 0;
                    while (tx < tilesW)
                    {
                        var ix0 = (2 * tx) - pw;
                        var tile = ((ty - ty0) * tilesW) + tx;
                        if (vector && tx + 8 <= tilesW && ix0 >= 0 && ix0 + 18 <= iw)
                        {
                            InputVector8(rows, ix0, pv + tile, plane);
                            tx += 8;
                            continue;
                        }

                        InputScalar(rows, ix0, iw, pv + tile, plane);
                        tx++;
                    }
                }
            }
        }
    }

    private static unsafe void InputScalar(float** rows, int ix0, int iw, float* o, long plane)
    {
        var t = stackalloc float[16];
        for (var j = 0; j < 4; j++)
        {
            var ix = ix0 + j;
            var inside = ix >= 0 && ix < iw;
            float r0 = inside ? rows[0][ix] : 0f, r1 = inside ? rows[1][ix] : 0f, r2 = inside ? rows[2][ix] : 0f, r3 = inside ? rows[3][ix] : 0f;
            // Bᵀ d: rows r0 − r2, r1 + r2, r2 − r1, r1 − r3 (per column).
            t[j] = r0 - r2;
            t[4 + j] = r1 + r2;
            t[8 + j] = r2 - r1;
            t[12 + j] = r1 - r3;
        }

        // (Bᵀ d) B: the same on columns.
        for (var i = 0; i < 4; i++)
        {
            float a0 = t[4 * i], a1 = t[(4 * i) + 1], a2 = t[(4 * i) + 2], a3 = t[(4 * i) + 3];
            var q = o + (plane * 4 * i);
            q[0] = a0 - a2;
            q[plane] = a1 + a2;
            q[2 * plane] = a2 - a1;
            q[3 * plane] = a1 - a3;
        }
    }

    /// <summary>Eight tiles at input columns ix0 + 2k (k &lt; 8): column j of every tile is one deinterleaved vector.</summary>
    private static unsafe void InputVector8(float** rows, int ix0, float* o, long plane)
    {
        // t[i][j] for the 8 tiles, i the row of Bᵀ d, j the column.
        Vector256<float> t00, t01, t02, t03, t10, t11, t12, t13, t20, t21, t22, t23, t30, t31, t32, t33;
        {
            Columns(rows[0] + ix0, out var r00, out var r01, out var r02, out var r03);
            Columns(rows[1] + ix0, out var r10, out var r11, out var r12, out var r13);
            Columns(rows[2] + ix0, out var r20, out var r21, out var r22, out var r23);
            Columns(rows[3] + ix0, out var r30, out var r31, out var r32, out var r33);
            t00 = r00 - r20; t01 = r01 - r21; t02 = r02 - r22; t03 = r03 - r23;
            t10 = r10 + r20; t11 = r11 + r21; t12 = r12 + r22; t13 = r13 + r23;
            t20 = r20 - r10; t21 = r21 - r11; t22 = r22 - r12; t23 = r23 - r13;
            t30 = r10 - r30; t31 = r11 - r31; t32 = r12 - r32; t33 = r13 - r33;
        }

        Row(t00, t01, t02, t03, o, plane);
        Row(t10, t11, t12, t13, o + (4 * plane), plane);
        Row(t20, t21, t22, t23, o + (8 * plane), plane);
        Row(t30, t31, t32, t33, o + (12 * plane), plane);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3, float* o, long plane)
    {
        Vector256.Store(a0 - a2, o);
        Vector256.Store(a1 + a2, o + plane);
        Vector256.Store(a2 - a1, o + (2 * plane));
        Vector256.Store(a1 - a3, o + (3 * plane));
    }

    /// <summary>From 18 floats at p: c_j[k] = p[2k + j] for j &lt; 4, k &lt; 8.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Columns(float* p, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3)
    {
        var l0 = Avx.LoadVector256(p);
        var l1 = Avx.LoadVector256(p + 8);
        var m0 = Avx.LoadVector256(p + 2);
        var m1 = Avx.LoadVector256(p + 10);
        c0 = Avx2.Permute4x64(Avx.Shuffle(l0, l1, 0x88).AsDouble(), 0xD8).AsSingle();
        c1 = Avx2.Permute4x64(Avx.Shuffle(l0, l1, 0xDD).AsDouble(), 0xD8).AsSingle();
        c2 = Avx2.Permute4x64(Avx.Shuffle(m0, m1, 0x88).AsDouble(), 0xD8).AsSingle();
        c3 = Avx2.Permute4x64(Avx.Shuffle(m0, m1, 0xDD).AsDouble(), 0xD8).AsSingle();
    }

    /// <summary>
    /// y[map] 2×2 blocks = Aᵀ M A (+ bias, then Relu) for maps [m0, m1), clipped to oh × ow; 8 tiles whose 16 output
    /// columns lie inside the row at once (the same operations in the same order as one tile alone).
    /// </summary>
    private static unsafe void TransformOutput(float[] m, long mOff, int ty0, int ty1, int tilesW, int m0, int m1, int maps, int oh, int ow,
        float[] y, int yOff, float[]? bias, bool relu)
    {
        var tiles = (ty1 - ty0) * tilesW;
        var plane = (long)maps * tiles;
        var vector = Avx2.IsSupported;
        var hasBias = bias is not null;
        fixed (float* pm0 = m, py0 = y)
        {
            for (var map = m0; map < m1; map++)
            {
                var pm = pm0 + mOff + ((long)map * tiles);
                var py = py0 + yOff + ((long)map * oh * ow);
                var b = hasBias ? bias![map] : 0f;
                for (var ty = ty0; ty < ty1; ty++)
                {
                    var oy = 2 * ty;
                    var tx = 0;
                    while (tx < tilesW)
                    {
                        var tile = ((ty - ty0) * tilesW) + tx;
                        var ox = 2 * tx;
                        var row = py + ((long)oy * ow) + ox;
                        if (vector && tx + 8 <= tilesW && ox + 16 <= ow)
                        {
                            OutputVector8(pm + tile, plane, row, oy + 1 < oh ? row + ow : null, b, hasBias, relu);
                            tx += 8;
                            continue;
                        }

                        // Aᵀ M: rows r0 + r1 + r2, r1 − r2 − r3 (per column).
                        float s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
                        for (var j = 0; j < 4; j++)
                        {
                            var q = pm + tile + (plane * j);
                            float r0 = q[0], r1 = q[4 * plane], r2 = q[8 * plane], r3 = q[12 * plane];
                            var u = r0 + r1 + r2;
                            var w = r1 - r2 - r3;
                            switch (j)
                            {
                                case 0: s00 = u; s10 = w; break;
                                case 1: s01 = u; s11 = w; break;
                                case 2: s02 = u; s12 = w; break;
                                default: s03 = u; s13 = w; break;
                            }
                        }

                        row[0] = Finish(s00 + s01 + s02, b, hasBias, relu);
                        if (ox + 1 < ow)
                        {
                            row[1] = Finish(s01 - s02 - s03, b, hasBias, relu);
                        }

                        if (oy + 1 < oh)
                        {
                            row += ow;
                            row[0] = Finish(s10 + s11 + s12, b, hasBias, relu);
                            if (ox + 1 < ow)
                            {
                                row[1] = Finish(s11 - s12 - s13, b, hasBias, relu);
                            }
                        }

                        tx++;
                    }
                }
            }
        }
    }

    private static unsafe void OutputVector8(float* q, long plane, float* row0, float* row1, float bias, bool hasBias, bool relu)
    {
        Vector256<float> u0, u1, u2, u3, w0, w1, w2, w3;
        {
            var r0 = Vector256.Load(q);
            var r1 = Vector256.Load(q + (4 * plane));
            var r2 = Vector256.Load(q + (8 * plane));
            var r3 = Vector256.Load(q + (12 * plane));
            u0 = r0 + r1 + r2;
            w0 = r1 - r2 - r3;
        }

        {
            var r0 = Vector256.Load(q + plane);
            var r1 = Vector256.Load(q + (5 * plane));
            var r2 = Vector256.Load(q + (9 * plane));
            var r3 = Vector256.Load(q + (13 * plane));
            u1 = r0 + r1 + r2;
            w1 = r1 - r2 - r3;
        }

        {
            var r0 = Vector256.Load(q + (2 * plane));
            var r1 = Vector256.Load(q + (6 * plane));
            var r2 = Vector256.Load(q + (10 * plane));
            var r3 = Vector256.Load(q + (14 * plane));
            u2 = r0 + r1 + r2;
            w2 = r1 - r2 - r3;
        }

        {
            var r0 = Vector256.Load(q + (3 * plane));
            var r1 = Vector256.Load(q + (7 * plane));
            var r2 = Vector256.Load(q + (11 * plane));
            var r3 = Vector256.Load(q + (15 * plane));
            u3 = r0 + r1 + r2;
            w3 = r1 - r2 - r3;
        }

        StorePairs(u0 + u1 + u2, u1 - u2 - u3, row0, bias, hasBias, relu);
        if (row1 != null)
        {
            StorePairs(w0 + w1 + w2, w1 - w2 - w3, row1, bias, hasBias, relu);
        }
    }

    /// <summary>dst[2k] = even[k], dst[2k + 1] = odd[k] (k &lt; 8), after bias and Relu.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void StorePairs(Vector256<float> even, Vector256<float> odd, float* dst, float bias, bool hasBias, bool relu)
    {
        if (hasBias)
        {
            var vb = Vector256.Create(bias);
            even += vb;
            odd += vb;
        }

        if (relu)
        {
            even = Vector256.Max(even, Vector256<float>.Zero);
            odd = Vector256.Max(odd, Vector256<float>.Zero);
        }

        var lo = Avx.UnpackLow(even, odd);
        var hi = Avx.UnpackHigh(even, odd);
        Vector256.Store(Avx.Permute2x128(lo, hi, 0x20), dst);
        Vector256.Store(Avx.Permute2x128(lo, hi, 0x31), dst + 8);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static float Finish(float v, float bias, bool hasBias, bool relu)
    {
        if (hasBias)
        {
            v += bias;
        }

        return relu && !(v > 0) && !float.IsNaN(v) ? 0f : v;
    }
}
