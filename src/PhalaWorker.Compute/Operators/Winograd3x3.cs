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
        var tiles = tilesH * tilesW;
        var inputWork = (long)channels * tiles * 16;
        ParallelLoop.ForRange(channels, inputWork < 1 << 15 ? 1 : threads, 1, (c0, c1) =>
            TransformInput(x, xOff, ih, iw, ph, pw, tilesH, tilesW, (int)c0, (int)c1, channels, v));

        ParallelLoop.For(Points, threads, p =>
            Sgemm.Multiply(false, false, maps, tiles, channels, 1f, filter.U, p * maps * channels, channels, v, p * channels * tiles, tiles,
                0f, m, p * maps * tiles, tiles, 1, prepackedA: filter.Packed[p]));

        ParallelLoop.ForRange(maps, (long)maps * tiles * 16 < 1 << 15 ? 1 : threads, 1, (m0, m1) =>
            TransformOutput(m, tilesH, tilesW, (int)m0, (int)m1, maps, oh, ow, y, yOff, bias, relu));
    }

    /// <summary>V[point][channel, tile] = (Bᵀ d B)[point] for channels [c0, c1), d the 4×4 input under the tile (0 in padding).</summary>
    private static unsafe void TransformInput(float[] x, int xOff, int ih, int iw, int ph, int pw, int tilesH, int tilesW, int c0, int c1, int channels, float[] v)
    {
        var tiles = tilesH * tilesW;
        var plane = (long)channels * tiles;
        var d = stackalloc float[16];
        var t = stackalloc float[16];
        fixed (float* px0 = x, pv0 = v)
        {
            for (var ch = c0; ch < c1; ch++)
            {
                var px = px0 + xOff + ((long)ch * ih * iw);
                var pv = pv0 + ((long)ch * tiles);
                for (var ty = 0; ty < tilesH; ty++)
                {
                    var iy0 = (2 * ty) - ph;
                    var rowsInside = iy0 >= 0 && iy0 + 4 <= ih;
                    for (var tx = 0; tx < tilesW; tx++)
                    {
                        var ix0 = (2 * tx) - pw;
                        float* s;
                        long ls;
                        if (rowsInside && ix0 >= 0 && ix0 + 4 <= iw)
                        {
                            s = px + ((long)iy0 * iw) + ix0;
                            ls = iw;
                        }
                        else
                        {
                            for (var i = 0; i < 4; i++)
                            {
                                var iy = iy0 + i;
                                for (var j = 0; j < 4; j++)
                                {
                                    var ix = ix0 + j;
                                    d[(4 * i) + j] = iy >= 0 && iy < ih && ix >= 0 && ix < iw ? px[((long)iy * iw) + ix] : 0f;
                                }
                            }

                            s = d;
                            ls = 4;
                        }

                        // Bᵀ d: rows r0 − r2, r1 + r2, r2 − r1, r1 − r3 (per column).
                        for (var j = 0; j < 4; j++)
                        {
                            float r0 = s[j], r1 = s[ls + j], r2 = s[(2 * ls) + j], r3 = s[(3 * ls) + j];
                            t[j] = r0 - r2;
                            t[4 + j] = r1 + r2;
                            t[8 + j] = r2 - r1;
                            t[12 + j] = r1 - r3;
                        }

                        // (Bᵀ d) B: the same on columns.
                        var tile = (ty * tilesW) + tx;
                        for (var i = 0; i < 4; i++)
                        {
                            float a0 = t[4 * i], a1 = t[(4 * i) + 1], a2 = t[(4 * i) + 2], a3 = t[(4 * i) + 3];
                            var o = pv + (plane * 4 * i) + tile;
                            o[0] = a0 - a2;
                            o[plane] = a1 + a2;
                            o[2 * plane] = a2 - a1;
                            o[3 * plane] = a1 - a3;
                        }
                    }
                }
            }
        }
    }

    /// <summary>y[map] 2×2 blocks = Aᵀ M A (+ bias, then Relu) for maps [m0, m1), clipped to oh × ow.</summary>
    private static unsafe void TransformOutput(float[] m, int tilesH, int tilesW, int m0, int m1, int maps, int oh, int ow,
        float[] y, int yOff, float[]? bias, bool relu)
    {
        var tiles = tilesH * tilesW;
        var plane = (long)maps * tiles;
        fixed (float* pm0 = m, py0 = y)
        {
            for (var map = m0; map < m1; map++)
            {
                var pm = pm0 + ((long)map * tiles);
                var py = py0 + yOff + ((long)map * oh * ow);
                var b = bias is null ? 0f : bias[map];
                for (var ty = 0; ty < tilesH; ty++)
                {
                    for (var tx = 0; tx < tilesW; tx++)
                    {
                        var tile = (ty * tilesW) + tx;
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

                        var oy = 2 * ty;
                        var ox = 2 * tx;
                        var row = py + ((long)oy * ow) + ox;
                        row[0] = Finish(s00 + s01 + s02, b, bias is not null, relu);
                        if (ox + 1 < ow)
                        {
                            row[1] = Finish(s01 - s02 - s03, b, bias is not null, relu);
                        }

                        if (oy + 1 < oh)
                        {
                            row += ow;
                            row[0] = Finish(s10 + s11 + s12, b, bias is not null, relu);
                            if (ox + 1 < ow)
                            {
                                row[1] = Finish(s11 - s12 - s13, b, bias is not null, relu);
                            }
                        }
                    }
                }
            }
        }
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
