using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;
using PhalaWorker.Compute.Internal;

namespace PhalaWorker.Compute.Operators;

/// <summary>
/// Conv (1-D/2-D/3-D, groups, dilations, auto_pad) as im2col + <see cref="Sgemm"/>: per image and group,
/// Y[M/g, out] = W[M/g, C/g·k] × col[C/g·k, out]. A 1×1 stride-1 unpadded kernel uses the input as col directly; 2-D
/// im2col runs per column slab inside the GEMM's tasks; narrow outputs (7×7, 13×13, 14×14) run transposed,
/// Yᵀ = colᵀ × Wᵀ, so the odd size is the (live-row) row count rather than a mostly padded column tile. 3×3 stride-1
/// convolutions with constant weights and enough channels run as Winograd F(2,3) instead (<see cref="Winograd3x3"/>).
/// </summary>
internal static class ConvOperators
{
    /// <summary>Packed weights per constant weight tensor and group (constants live as long as their loaded model).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor, float[]?[]> PackedWeights = [];

    /// <summary>Weights packed as the transposed product's B operand (Wᵀ), for convolutions that run transposed.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor, float[]?[]> PackedWeightsT = [];

    /// <summary>Winograd-transformed, packed filters per constant weight tensor (see <see cref="Winograd3x3"/>).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor, Winograd3x3.PreparedFilter> WinogradFilters = [];

    public static void Register(Dictionary<string, Action<KernelContext>> table)
    {
        table["Conv"] = Conv;
    }

    /// <summary>Conv with a fused Relu (attribute activation = "Relu"), created by the graph optimizer for the CPU backend.</summary>
    public static void RegisterFused(Dictionary<string, Action<KernelContext>> table)
    {
        table["Conv"] = Conv;
    }

    private static void Conv(KernelContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var bias = c.OptionalInput(2);
        if (x.DataType != DataType.Float || w.DataType != DataType.Float)
        {
            throw TypeDispatch.Unsupported(c.Node.Display, x.DataType);
        }

        var rank = x.Shape.Rank - 2;
        if (rank < 1 || w.Shape.Rank != rank + 2)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: input {x.Shape} and weights {w.Shape} do not match");
        }

        var batch = x.Shape[0];
        var channels = x.Shape[1];
        var maps = w.Shape[0];
        var group = (int)c.Attributes.GetInt("group", 1);
        if (group <= 0 || channels % group != 0 || maps % group != 0 || w.Shape[1] != channels / group)
        {
            throw new ComputeException(ComputeErrorReason.ExecutionFailed, $"{c.Node.Display}: channels {channels}, weights {w.Shape} and group {group} do not match");
        }

        var geo = PoolGeometry.Resolve(c, x.Shape.Dims[2..], w.Shape.Dims[2..], allowCeil: false);
        var outDims = new int[rank + 2];
        outDims[0] = batch;
        outDims[1] = maps;
        geo.Output.CopyTo(outDims, 2);
        var y = c.AllocateOutputUninitialized(0, DataType.Float, new TensorShape(outDims));
        var cg = channels / group;
        var mg = maps / group;
        var kernelSize = geo.Kernel.Aggregate(1, (p, k) => p * k);
        var inSize = geo.Input.Aggregate(1, (p, k) => p * k);
        var outSize = geo.Output.Aggregate(1, (p, k) => p * k);
        var kDim = cg * kernelSize;
        var pointwise = geo.Kernel.All(k => k == 1) && geo.Strides.All(s => s == 1) && geo.PadBegin.All(p => p == 0) && geo.PadEnd.All(p => p == 0);
        var xs = (float[])x.Storage;
        var ws = (float[])w.Storage;
        var ys = (float[])y.Storage;
        var relu = c.Node.Domain == CpuKernels.FusedDomain && c.Attributes.GetString("activation") == "Relu";
        var biasArray = bias is null ? null : (float[])bias.Storage;
        if (c.IsConstantInput(1) && y.Length > 0 && Winograd3x3.Applies(geo, group, channels, maps))
        {
            var filter = WinogradFilters.GetValue(w, weights => Winograd3x3.Prepare((float[])weights.Storage, 0, maps, channels));
            int oh = geo.Output[0], ow = geo.Output[1];
            var v = (float[])c.AllocateTemporary(DataType.Float, new TensorShape(Winograd3x3.InputBufferLength(channels, oh, ow))).Storage;
            var m = (float[])c.AllocateTemporary(DataType.Float, new TensorShape(Winograd3x3.ProductBufferLength(maps, oh, ow))).Storage;
            for (var n = 0; n < batch; n++)
            {
                Winograd3x3.Run(xs, n * channels * inSize, geo.Input[0], geo.Input[1], filter, geo.PadBegin[0], geo.PadBegin[1], oh, ow,
                    ys, n * maps * outSize, biasArray, relu, v, m, c.MaxDegreeOfParallelism);
            }

            return;
        }

        // Narrow outputs (few output positions, many maps, e.g. 7×7 or 14×14) waste most of the last NR-column tile; they
        // run transposed instead, Yᵀ[out, M/g] = colᵀ × Wᵀ, where the odd count is the rows (computed live-row only).
        // The choice depends on the shape alone, and each element is the same FMA chain either way.
        var transposed = Sgemm.PrefersTransposed(mg, outSize) && y.Length > 0;
        var constant = c.IsConstantInput(1);
        var table = transposed ? PackedWeightsT : PackedWeights;
        var packed = constant
            ? table.GetValue(w, weights => Enumerable.Range(0, group)
                .Select(g => transposed
                    ? Sgemm.PrepackB(kDim, mg, (float[])weights.Storage, g * mg * kDim, kDim, transB: true)
                    : Sgemm.PrepackA(mg, kDim, (float[])weights.Storage, g * mg * kDim, kDim)).ToArray())
            : new float[]?[group];
        var col = pointwise || y.Length == 0 ? null : (float[])c.AllocateTemporary(DataType.Float, new TensorShape(kDim, outSize)).Storage;
        var yt = transposed ? (float[])c.AllocateTemporary(DataType.Float, new TensorShape(outSize, mg)).Storage : null;
        var threads = c.MaxDegreeOfParallelism;
        for (var n = 0; n < batch; n++)
        {
            for (var g = 0; g < group; g++)
            {
                var xOff = ((n * channels) + (g * cg)) * inSize;
                var yOff = ((n * maps) + (g * mg)) * outSize;
                var wOff = g * mg * kDim;
                if (outSize == 0)
                {
                    continue;
                }

                float[] source = xs;
                var sourceOff = xOff;
                Action<int, int, int>? produce = null;
                if (!pointwise)
                {
                    source = col!;
                    sourceOff = 0;
                    if (geo.Rank == 2 && !transposed)
                    {
                        // im2col by column slab inside the GEMM's own tasks (one fork, slab still cached when packed).
                        var (off, cgc) = (xOff, cg);
                        produce = (j0, j1, th) => Im2Col(xs, off, cgc, geo, col!, th, j0, j1);
                    }
                    else
                    {
                        Im2Col(xs, xOff, cg, geo, col!, threads, 0, outSize);
                    }
                }

                if (transposed)
                {
                    Sgemm.Multiply(true, true, outSize, mg, kDim, 1f, source, sourceOff, outSize, ws, wOff, kDim, 0f, yt!, 0, mg, threads, prepackedB: packed[g]);
                    TransposeOut(yt!, outSize, mg, ys, yOff, biasArray, g * mg, relu, threads);
                }
                else
                {
                    Sgemm.Multiply(false, false, mg, outSize, kDim, 1f, ws, wOff, kDim, source, sourceOff, outSize, 0f, ys, yOff, outSize, threads, biasArray, g * mg, relu, packed[g], produceB: produce);
                }
            }
        }
    }

    /// <summary>Y[map, o] = Yᵀ[o, map] (+ bias[map], then Relu): the epilogue the GEMM applies in the untransposed case.</summary>
    private static unsafe void TransposeOut(float[] yt, int outSize, int maps, float[] y, int yOff, float[]? bias, int biasOff, bool relu, int threads)
    {
        var blocks = (maps + 7) / 8;
        ParallelLoop.ForRange(blocks, (long)maps * outSize < 1 << 16 ? 1 : threads, 4, (b0, b1) =>
        {
            fixed (float* pt = yt, py0 = y, pb0 = bias)
            {
                var py = py0 + yOff;
                var pb = pb0 == null ? null : pb0 + biasOff;
                var j0 = (int)b0 * 8;
                var j1 = Math.Min(maps, (int)b1 * 8);
                var o = 0;
                if (Avx.IsSupported)
                {
                    for (; o + 8 <= outSize; o += 8)
                    {
                        var j = j0;
                        for (; j + 8 <= j1; j += 8)
                        {
                            Transpose8x8(pt + ((long)o * maps) + j, maps, py + ((long)j * outSize) + o, outSize, pb == null ? null : pb + j, relu);
                        }

                        for (; j < j1; j++)
                        {
                            for (var oo = o; oo < o + 8; oo++)
                            {
                                py[((long)j * outSize) + oo] = Finish(pt[((long)oo * maps) + j], pb, j, relu);
                            }
                        }
                    }
                }

                for (; o < outSize; o++)
                {
                    for (var j = j0; j < j1; j++)
                    {
                        py[((long)j * outSize) + o] = Finish(pt[((long)o * maps) + j], pb, j, relu);
                    }
                }
            }
        });
    }

    private static unsafe float Finish(float v, float* bias, int j, bool relu)
    {
        if (bias != null)
        {
            v += bias[j];
        }

        return relu && !(v > 0) && !float.IsNaN(v) ? 0f : v;
    }

    /// <summary>Transposes one 8×8 block (rows of src → columns of dst), adding bias[row of dst] and applying Relu.</summary>
    private static unsafe void Transpose8x8(float* src, int lds, float* dst, int ldd, float* bias, bool relu)
    {
        var columns = stackalloc float[64];
        Sgemm.Transpose8x8(src, lds, columns);
        for (var r = 0; r < 8; r++)
        {
            Store8(Avx.LoadVector256(columns + (8 * r)), dst + (r * (long)ldd), bias, r, relu);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store8(Vector256<float> v, float* dst, float* bias, int row, bool relu)
    {
        if (bias != null)
        {
            v += Vector256.Create(bias[row]);
        }

        if (relu)
        {
            v = Vector256.Max(v, Vector256<float>.Zero);
        }

        Vector256.Store(v, dst);
    }

    /// <summary>
    /// 2-D im2col rows [r0, r1): per output row, the taps that fall inside the input form one contiguous run of output
    /// columns; it is copied (stride 1) or gathered (stride > 1) without per-element bounds checks, the rest zeroed.
    /// </summary>
    private static unsafe void Im2Col2D(float[] x, int xOff, float[] col, int r0, int r1, int j0, int j1, int kernelSize, int inSize, int outSize,
        int ih, int iw, int ow, int kw, int sh, int sw, int dh, int dw, int ph, int pw)
    {
        fixed (float* px = x, pcol = col)
        {
            for (var r = r0; r < r1; r++)
            {
                var ch = r / kernelSize;
                var ki = r % kernelSize / kw;
                var kj = r % kw;
                var src = px + xOff + ((long)ch * inSize);
                var dst = pcol + ((long)r * outSize);
                var ix0 = -pw + (kj * dw);
                // Output columns whose tap ix = ox·sw + ix0 lies in [0, iw).
                var lo = ix0 >= 0 ? 0 : Math.Min(ow, (-ix0 + sw - 1) / sw);
                var hi = iw - ix0 <= 0 ? 0 : Math.Min(ow, (iw - ix0 + sw - 1) / sw);
                hi = Math.Max(lo, hi);
                if (j1 <= j0)
                {
                    continue;
                }

                for (var oy = j0 / ow; oy <= (j1 - 1) / ow; oy++)
                {
                    // This output row's part of the column range: [a, b).
                    var a = Math.Max(j0 - (oy * ow), 0);
                    var b = Math.Min(j1 - (oy * ow), ow);
                    var iy = (oy * sh) - ph + (ki * dh);
                    var rowDst = dst + ((long)oy * ow);
                    if (iy < 0 || iy >= ih)
                    {
                        Zero(rowDst + a, b - a);
                        continue;
                    }

                    var rowSrc = src + ((long)iy * iw) + ix0;
                    var z1 = Math.Clamp(lo, a, b);
                    var z2 = Math.Clamp(hi, a, b);
                    if (z1 > a)
                    {
                        Zero(rowDst + a, z1 - a);
                    }

                    if (sw == 1)
                    {
                        Copy(rowSrc + z1, rowDst + z1, z2 - z1);
                    }
                    else
                    {
                        var ox = z1;
                        if (sw == 2 && Avx2.IsSupported)
                        {
                            // Stride 2 (e.g. a stem convolution): the even elements of 16 loaded floats, while all 16 lie
                            // inside this input row.
                            for (; ox + 8 <= z2 && ix0 + (2 * ox) + 15 < iw; ox += 8)
                            {
                                var even = Avx.Shuffle(Avx.LoadVector256(rowSrc + (2L * ox)), Avx.LoadVector256(rowSrc + (2L * ox) + 8), 0x88);
                                Avx.Store(rowDst + ox, Avx2.Permute4x64(even.AsDouble(), 0xD8).AsSingle());
                            }
                        }

                        for (; ox < z2; ox++)
                        {
                            rowDst[ox] = rowSrc[(long)ox * sw];
                        }
                    }

                    if (b > z2)
                    {
                        Zero(rowDst + z2, b - z2);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Copies a short run (an output row's taps, tens of floats) inline: vector moves with the last one overlapping, no
    /// call per run (memmove's call and dispatch cost as much as the copy at these lengths). The two do not overlap.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* src, float* dst, int length)
    {
        if (length >= 8)
        {
            for (var i = 0; i < length; i += 8)
            {
                var ii = Math.Min(i, length - 8);
                Vector256.Store(Vector256.Load(src + ii), dst + ii);
            }

            return;
        }

        for (var i = 0; i < length; i++)
        {
            dst[i] = src[i];
        }
    }

    /// <summary>Zeroes a short run (padding columns, usually one or two) inline; long runs through Span.Clear.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Zero(float* dst, int length)
    {
        if (length > 16)
        {
            new Span<float>(dst, length).Clear();
            return;
        }

        for (var i = 0; i < length; i++)
        {
            dst[i] = 0f;
        }
    }

    /// <summary>Fills col[(c·k + kernel index), output index] with the input value under each kernel tap (0 in padding).</summary>
    private static void Im2Col(float[] x, int xOff, int channels, PoolGeometry geo, float[] col, int threads, int j0, int j1)
    {
        var kernelSize = geo.Kernel.Aggregate(1, (p, k) => p * k);
        var inSize = geo.Input.Aggregate(1, (p, k) => p * k);
        var outSize = geo.Output.Aggregate(1, (p, k) => p * k);
        var rows = channels * kernelSize;
        if (geo.Rank == 2)
        {
            int ih = geo.Input[0], iw = geo.Input[1], oh = geo.Output[0], ow = geo.Output[1];
            int kh = geo.Kernel[0], kw = geo.Kernel[1], sh = geo.Strides[0], sw = geo.Strides[1];
            int dh = geo.Dilations[0], dw = geo.Dilations[1], ph = geo.PadBegin[0], pw = geo.PadBegin[1];
            ParallelLoop.ForRange(rows, threads, 16, (r0, r1) => Im2Col2D(x, xOff, col, (int)r0, (int)r1, j0, j1, kernelSize, inSize, outSize, ih, iw, ow, kw, sh, sw, dh, dw, ph, pw));
            return;
        }

        // Generic N-d.
        var rank = geo.Rank;
        var inStrides = new int[rank];
        var acc = 1;
        for (var d = rank - 1; d >= 0; d--)
        {
            inStrides[d] = acc;
            acc *= geo.Input[d];
        }

        var kIdx = new int[rank];
        var oIdx = new int[rank];
        for (var r = 0; r < rows; r++)
        {
            var ch = r / kernelSize;
            var kr = r % kernelSize;
            for (var d = rank - 1; d >= 0; d--)
            {
                kIdx[d] = kr % geo.Kernel[d];
                kr /= geo.Kernel[d];
            }

            for (var o = 0; o < outSize; o++)
            {
                var or = o;
                var pos = 0;
                var inside = true;
                for (var d = rank - 1; d >= 0; d--)
                {
                    oIdx[d] = or % geo.Output[d];
                    or /= geo.Output[d];
                    var i = (oIdx[d] * geo.Strides[d]) - geo.PadBegin[d] + (kIdx[d] * geo.Dilations[d]);
                    inside &= i >= 0 && i < geo.Input[d];
                    pos += i * inStrides[d];
                }

                col[(r * outSize) + o] = inside ? x[xOff + (ch * inSize) + pos] : 0f;
            }
        }
    }
}
