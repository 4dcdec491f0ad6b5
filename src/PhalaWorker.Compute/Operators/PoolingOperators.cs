using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>MaxPool (with Indices), AveragePool, GlobalAveragePool, GlobalMaxPool over 1–3 spatial dims; planes run in parallel.</summary>
internal static class PoolingOperators
{
    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["MaxPool"] = c => Pool(c, max: true);
        table["AveragePool"] = c => Pool(c, max: false);
        table["GlobalAveragePool"] = c => Global(c, max: false);
        table["GlobalMaxPool"] = c => Global(c, max: true);
    }

    private static void Pool(KernelContext c, bool max)
    {
        var x = c.Input(0);
        var rank = x.Shape.Rank - 2;
        if (rank < 1)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: input {x.Shape} has no spatial dims");
        }

        var geo = PoolGeometry.Resolve(c, x.Shape.Dims[2..], [], allowCeil: true);
        var dims = new int[rank + 2];
        dims[0] = x.Shape[0];
        dims[1] = x.Shape[1];
        geo.Output.CopyTo(dims, 2);
        var y = c.AllocateOutputUninitialized(0, x.DataType, new TensorShape(dims));
        var indices = max && c.IsOutputRequested(1) ? c.AllocateOutput(1, DataType.Int64, new TensorShape(dims)) : null;
        if (c.Attributes.GetInt("storage_order", 0) != 0 && indices is not null && rank != 2)
        {
            throw new ComputeException(ComputeErrorReason.UnsupportedOperator, $"{c.Node.Display}: storage_order 1 is supported for 2-D pools only");
        }

        var act = new PoolAction
        {
            X = x,
            Y = y,
            Indices = indices,
            Geo = geo,
            Max = max,
            IncludePad = c.Attributes.GetInt("count_include_pad", 0) != 0,
            ColumnMajor = c.Attributes.GetInt("storage_order", 0) != 0,
            Threads = c.MaxDegreeOfParallelism,
        };
        if (x.DataType == DataType.Float && rank == 2 && indices is null)
        {
            if (max)
            {
                MaxPool2DSeparable(act);
            }
            else
            {
                Pool2D(act);
            }

            return;
        }

        TypeDispatch.Numeric(x.DataType, c.Node.Display, ref act);
    }

    /// <summary>
    /// Float 2-D max pool as two 1-D passes (max is separable), both vectorized: the max over the kh input rows of each
    /// output row, then kw shifted maxes along it. kh + kw comparisons per output instead of kh·kw.
    /// </summary>
    private static void MaxPool2DSeparable(PoolAction p)
    {
        var g = p.Geo;
        int ih = g.Input[0], iw = g.Input[1], oh = g.Output[0], ow = g.Output[1];
        int kh = g.Kernel[0], kw = g.Kernel[1], sh = g.Strides[0], sw = g.Strides[1];
        int dh = g.Dilations[0], dw = g.Dilations[1], ph = g.PadBegin[0], pw = g.PadBegin[1];
        var planes = p.X.Shape[0] * p.X.Shape[1];
        var xs = (float[])p.X.Storage;
        var ys = (float[])p.Y.Storage;
        if (ys.Length == 0 || oh == 0 || ow == 0)
        {
            return;
        }

        // Per output row: the vertical max of its kh input rows into a row padded with -inf to every tap's reach, then
        // the horizontal max as kw shifted vector maxes at stride 1, read back every sw-th element.
        var width = ((ow - 1) * sw) + ((kw - 1) * dw) + 1;
        var span = ((ow - 1) * sw) + 1;
        var live = Math.Max(0, Math.Min(iw, width - pw));
        ParallelLoop.For(planes, planes >= 4 ? p.Threads : 1, plane => MaxPoolPlane(xs, ys, plane, ih, iw, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw, width, span, live));
    }

    /// <summary>One plane of <see cref="MaxPool2DSeparable"/>: both passes as single vector sweeps (max over the rows/taps in registers).</summary>
    private static unsafe void MaxPoolPlane(float[] xs, float[] ys, int plane, int ih, int iw, int oh, int ow, int kh, int kw, int sh, int sw,
        int dh, int dw, int ph, int pw, int width, int span, int live)
    {
        // 32 floats of slack after the two rows: the stride-2 pass loads 16 floats from each tap's start.
        var scratch = RowScratch.Get(width + span + 32);
        var rows = stackalloc nint[kh];
        fixed (float* px = xs, py = ys, ps = scratch)
        {
            var row = ps;
            var h = ps + width;
            new Span<float>(row, width).Fill(float.NegativeInfinity);
            var data = row + Math.Min(pw, width);
            var x = px + ((long)plane * ih * iw);
            var y = py + ((long)plane * oh * ow);
            for (var oy = 0; oy < oh; oy++)
            {
                var y0 = (oy * sh) - ph;
                var count = 0;
                for (var ky = 0; ky < kh; ky++)
                {
                    var iy = y0 + (ky * dh);
                    if ((uint)iy < (uint)ih)
                    {
                        rows[count++] = (nint)(x + ((long)iy * iw));
                    }
                }

                if (count == 0)
                {
                    new Span<float>(data, live).Fill(float.NegativeInfinity);
                }
                else
                {
                    MaxOf(data, live, rows, count);
                }

                var dst = y + ((long)oy * ow);
                if (sw == 2 && ow >= 8 && Avx2.IsSupported)
                {
                    MaxOfStride2(dst, ow, row, kw, dw);
                    continue;
                }

                var hx = sw == 1 ? dst : h;
                for (var kx = 0; kx < kw; kx++)
                {
                    rows[kx] = (nint)(row + (kx * dw));
                }

                MaxOf(hx, span, rows, kw);
                if (sw != 1)
                {
                    for (var ox = 0; ox < ow; ox++)
                    {
                        dst[ox] = h[ox * sw];
                    }
                }
            }
        }
    }

    /// <summary>
    /// dst[o] = max over kx of row[2·o + kx·dw], o &lt; ow (ow ≥ 8): per 8 outputs, the even elements of 16 floats loaded
    /// from each tap's start; the last 8 outputs overlap the previous ones rather than running a scalar tail. The row
    /// must be readable 16 floats past the last tap (the caller's scratch has the slack; those lanes are dropped).
    /// </summary>
    private static unsafe void MaxOfStride2(float* dst, int ow, float* row, int kw, int dw)
    {
        for (var o = 0; o < ow; o += 8)
        {
            var oo = Math.Min(o, ow - 8);
            var v = EvenOf(row + (2L * oo));
            for (var kx = 1; kx < kw; kx++)
            {
                v = Vector256.Max(v, EvenOf(row + (2L * oo) + (kx * dw)));
            }

            Vector256.Store(v, dst + oo);
        }
    }

    /// <summary>The 8 even-indexed floats of the 16 at <paramref name="p"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> EvenOf(float* p)
    {
        var even = Avx.Shuffle(Avx.LoadVector256(p), Avx.LoadVector256(p + 8), 0x88);
        return Avx2.Permute4x64(even.AsDouble(), 0xD8).AsSingle();
    }

    /// <summary>
    /// dst[i] = max over r of sources[r][i], i &lt; length (NaN-propagating, like MathF.Max). dst must not overlap the
    /// sources: from 8 elements up, the last vector overlaps the previous one instead of a scalar tail.
    /// </summary>
    private static unsafe void MaxOf(float* dst, int length, nint* sources, int count)
    {
        var i = 0;
        for (; i < length && length >= 8; i += 8)
        {
            var ii = Math.Min(i, length - 8);
            var v = Vector256.Load((float*)sources[0] + ii);
            for (var r = 1; r < count; r++)
            {
                v = Vector256.Max(v, Vector256.Load((float*)sources[r] + ii));
            }

            Vector256.Store(v, dst + ii);
        }

        for (; i < length; i++)
        {
            var v = ((float*)sources[0])[i];
            for (var r = 1; r < count; r++)
            {
                v = MathF.Max(v, ((float*)sources[r])[i]);
            }

            dst[i] = v;
        }
    }

    private static class RowScratch
    {
        [ThreadStatic]
        private static float[]? _buffer;

        public static float[] Get(int length) => _buffer is { } b && b.Length >= length ? b : _buffer = new float[length];
    }

    /// <summary>Float 2-D pools: window bounds clamped once per output, no per-tap index arithmetic.</summary>
    private static void Pool2D(PoolAction p)
    {
        var g = p.Geo;
        int ih = g.Input[0], iw = g.Input[1], oh = g.Output[0], ow = g.Output[1];
        int kh = g.Kernel[0], kw = g.Kernel[1], sh = g.Strides[0], sw = g.Strides[1];
        int dh = g.Dilations[0], dw = g.Dilations[1], ph = g.PadBegin[0], pw = g.PadBegin[1];
        int padEndH = g.PadEnd[0], padEndW = g.PadEnd[1];
        var planes = p.X.Shape[0] * p.X.Shape[1];
        var xs = (float[])p.X.Storage;
        var ys = (float[])p.Y.Storage;
        var max = p.Max;
        var includePad = p.IncludePad;
        ParallelLoop.For(planes, planes >= 4 ? p.Threads : 1, plane =>
        {
            var x = xs.AsSpan(plane * ih * iw, ih * iw);
            var y = ys.AsSpan(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
            {
                var y0 = (oy * sh) - ph;
                for (var ox = 0; ox < ow; ox++)
                {
                    var x0 = (ox * sw) - pw;
                    var best = float.NegativeInfinity;
                    var sum = 0f;
                    var count = 0;
                    var padded = 0;
                    for (var ky = 0; ky < kh; ky++)
                    {
                        var iy = y0 + (ky * dh);
                        var rowInPad = iy >= -ph && iy < ih + padEndH;
                        if (iy < 0 || iy >= ih)
                        {
                            if (rowInPad)
                            {
                                for (var kx = 0; kx < kw; kx++)
                                {
                                    var ix = x0 + (kx * dw);
                                    padded += ix >= -pw && ix < iw + padEndW ? 1 : 0;
                                }
                            }

                            continue;
                        }

                        var row = x.Slice(iy * iw, iw);
                        for (var kx = 0; kx < kw; kx++)
                        {
                            var ix = x0 + (kx * dw);
                            if (ix < 0 || ix >= iw)
                            {
                                padded += rowInPad && ix >= -pw && ix < iw + padEndW ? 1 : 0;
                                continue;
                            }

                            var v = row[ix];
                            if (max)
                            {
                                best = v > best || float.IsNaN(v) ? v : best;
                            }
                            else
                            {
                                sum += v;
                                count++;
                            }
                        }
                    }

                    if (max)
                    {
                        y[(oy * ow) + ox] = best;
                    }
                    else
                    {
                        var divisor = includePad ? count + padded : count;
                        y[(oy * ow) + ox] = divisor == 0 ? 0f : sum / divisor;
                    }
                }
            }
        });
    }

    private static void Global(KernelContext c, bool max)
    {
        var x = c.Input(0);
        if (x.Shape.Rank < 3)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: input {x.Shape} has no spatial dims");
        }

        var dims = x.Shape.ToArray();
        for (var i = 2; i < dims.Length; i++)
        {
            dims[i] = 1;
        }

        var y = c.AllocateOutputUninitialized(0, x.DataType, new TensorShape(dims));
        var act = new GlobalAction { X = x, Y = y, Max = max, Plane = (int)x.Shape.SizeFrom(2) };
        TypeDispatch.Numeric(x.DataType, c.Node.Display, ref act);
    }

    private struct GlobalAction : INumericAction
    {
        public Tensor X;
        public Tensor Y;
        public bool Max;
        public int Plane;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var x = X.AsReadOnlySpan<T>();
            var y = Y.AsSpan<T>();
            for (var p = 0; p < y.Length; p++)
            {
                var s = x.Slice(p * Plane, Plane);
                if (typeof(T) == typeof(float) && !Max)
                {
                    y[p] = T.CreateTruncating((float)(SumAsDoubles(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(s)) / Plane));
                    continue;
                }

                var acc = Max ? double.NegativeInfinity : 0.0;
                foreach (var v in s)
                {
                    var d = double.CreateTruncating(v);
                    acc = Max ? Math.Max(acc, d) : acc + d;
                }

                y[p] = T.CreateSaturating(Max ? acc : acc / Plane);
            }
        }
    }

    /// <summary>Sum of floats in double precision: 8 lanes (two Vector256&lt;double&gt;) then the tail, in a fixed order.</summary>
    private static double SumAsDoubles(ReadOnlySpan<float> f)
    {
        var lo = Vector256<double>.Zero;
        var hi = Vector256<double>.Zero;
        var i = 0;
        for (; i + 8 <= f.Length; i += 8)
        {
            var (l, h) = Vector256.Widen(Vector256.Create(f.Slice(i, 8)));
            lo += l;
            hi += h;
        }

        var sum = Vector256.Sum(lo + hi);
        for (; i < f.Length; i++)
        {
            sum += f[i];
        }

        return sum;
    }

    private struct PoolAction : INumericAction
    {
        public Tensor X;
        public Tensor Y;
        public Tensor? Indices;
        public PoolGeometry Geo;
        public bool Max;
        public bool IncludePad;
        public bool ColumnMajor;
        public int Threads;

        public readonly void Invoke<T>()
            where T : unmanaged, INumber<T>
        {
            var geo = Geo;
            var rank = geo.Rank;
            var inSize = geo.Input.Aggregate(1, (p, k) => p * k);
            var outSize = geo.Output.Aggregate(1, (p, k) => p * k);
            var planes = X.Shape[0] * X.Shape[1];
            var xs = (T[])X.Storage;
            var ys = (T[])Y.Storage;
            var ids = (long[]?)Indices?.Storage;
            var max = Max;
            var includePad = IncludePad;
            var columnMajor = ColumnMajor;
            var kernelSize = geo.Kernel.Aggregate(1, (p, k) => p * k);
            ParallelLoop.For(planes, planes >= 4 ? Threads : 1, plane =>
            {
                Span<int> oIdx = stackalloc int[3];
                Span<int> kIdx = stackalloc int[3];
                var xOff = plane * inSize;
                for (var o = 0; o < outSize; o++)
                {
                    var rem = o;
                    for (var d = rank - 1; d >= 0; d--)
                    {
                        oIdx[d] = rem % geo.Output[d];
                        rem /= geo.Output[d];
                    }

                    var best = double.NegativeInfinity;
                    var bestIndex = -1L;
                    var sum = 0.0;
                    var count = 0;
                    for (var k = 0; k < kernelSize; k++)
                    {
                        var kr = k;
                        for (var d = rank - 1; d >= 0; d--)
                        {
                            kIdx[d] = kr % geo.Kernel[d];
                            kr /= geo.Kernel[d];
                        }

                        var inside = true;
                        var inPadded = true;
                        var pos = 0;
                        var colPos = 0;
                        var colStride = 1;
                        for (var d = 0; d < rank; d++)
                        {
                            var i = (oIdx[d] * geo.Strides[d]) - geo.PadBegin[d] + (kIdx[d] * geo.Dilations[d]);
                            inside &= i >= 0 && i < geo.Input[d];
                            inPadded &= i >= -geo.PadBegin[d] && i < geo.Input[d] + geo.PadEnd[d];
                            pos = (pos * geo.Input[d]) + i;
                            colPos += i * colStride;
                            colStride *= geo.Input[d];
                        }

                        if (!inside)
                        {
                            if (includePad && inPadded)
                            {
                                count++;
                            }

                            continue;
                        }

                        var v = double.CreateTruncating(xs[xOff + pos]);
                        if (max)
                        {
                            if (v > best || bestIndex < 0)
                            {
                                best = v;
                                bestIndex = columnMajor ? colPos : pos;
                            }
                        }
                        else
                        {
                            sum += v;
                            count++;
                        }
                    }

                    var outPos = (plane * outSize) + o;
                    if (max)
                    {
                        ys[outPos] = T.CreateSaturating(best);
                        if (ids is not null)
                        {
                            ids[outPos] = ((long)plane * inSize) + bestIndex;
                        }
                    }
                    else
                    {
                        ys[outPos] = T.CreateSaturating(count == 0 ? 0 : sum / count);
                    }
                }
            });
        }
    }
}
