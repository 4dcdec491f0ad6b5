using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PhalaWorker.Compute.Backends.Ilgpu.Kernels;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// float32 operators on device-resident tensors: shape logic on the host, arithmetic in the kernels.
/// Results live in buffers rented from the device's pool for the current job.
/// </summary>
internal sealed class IlgpuOperators
{
    private readonly IlgpuDevice device;

    public IlgpuOperators(IlgpuDevice device)
    {
        this.device = device;
    }

    private IlgpuKernelSet Kernels => device.Kernels;

    public IlgpuTensor Upload(ReadOnlySpan<float> data, params int[] shape)
    {
        int length = IlgpuShapes.Size(shape);
        if (data.Length != length)
        {
            throw new ArgumentException($"{data.Length} values do not fill shape {IlgpuShapes.Format(shape)}.", nameof(data));
        }

        var tensor = Allocate(shape);
        if (length > 0)
        {
            tensor.View.SubView(0, length).CopyFromCPU(device.Stream, data);
        }

        return tensor;
    }

    public float[] Download(IlgpuTensor tensor)
    {
        var result = new float[tensor.Length];
        if (tensor.Length > 0)
        {
            tensor.View.SubView(0, tensor.Length).CopyToCPU(device.Stream, result.AsSpan());
        }

        return result;
    }

    public IlgpuTensor Allocate(int[] shape) => new(device.FloatPool.Rent(IlgpuShapes.Size(shape)), shape);

    /// <summary>Hands a tensor's buffer back for reuse later in the same job.</summary>
    public void Release(IlgpuTensor tensor) => device.FloatPool.Return(tensor.Buffer);

    public IlgpuTensor Unary(UnaryOp op, IlgpuTensor x, float p0 = 0f, float p1 = 0f)
    {
        var y = Allocate((int[])x.Shape.Clone());
        if (x.Length > 0)
        {
            Kernels.Unary(device.Stream, Launch(x.Length), x.View, y.View, (int)op, p0, p1, Range(x.Length));
        }

        return y;
    }

    public IlgpuTensor Binary(BinaryOp op, IlgpuTensor a, IlgpuTensor b)
    {
        int[] shape = IlgpuShapes.Broadcast(a.Shape, b.Shape);
        var y = Allocate(shape);
        if (y.Length == 0)
        {
            return y;
        }

        int rank = Math.Max(shape.Length, 1);
        int[] meta = shape.Length == 0
            ? [1, 0, 0]
            : [.. shape, .. IlgpuShapes.BroadcastStrides(a.Shape, shape), .. IlgpuShapes.BroadcastStrides(b.Shape, shape)];
        using (var metaBuffer = RentMeta(meta))
        {
            Kernels.Binary(device.Stream, Launch(y.Length), a.View, b.View, y.View, metaBuffer.View, rank, (int)op, Range(y.Length));
        }

        return y;
    }

    /// <summary>y = x read through <paramref name="sourceStrides"/> over <paramref name="shape"/> (Transpose, Expand, broadcast copies).</summary>
    public IlgpuTensor StridedCopy(IlgpuTensor x, int[] shape, int[] sourceStrides)
    {
        var y = Allocate(shape);
        CopyStrided(x.View, y.View, shape, sourceStrides);
        return y;
    }

    public IlgpuTensor Transpose(IlgpuTensor x, int[] perm)
    {
        int[] strides = IlgpuShapes.Strides(x.Shape);
        return StridedCopy(x, [.. perm.Select(p => x.Shape[p])], [.. perm.Select(p => strides[p])]);
    }

    /// <summary>ONNX MatMul (numpy matmul): 1-D operands promoted and squeezed, batch dims broadcast.</summary>
    public IlgpuTensor MatMul(IlgpuTensor a, IlgpuTensor b)
    {
        if (a.Rank == 0 || b.Rank == 0)
        {
            throw new IlgpuUnsupportedException("MatMul operands must have rank >= 1.");
        }

        int[] aShape = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape;
        int[] bShape = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = aShape[^2];
        int k = aShape[^1];
        int n = bShape[^1];
        if (bShape[^2] != k)
        {
            throw new IlgpuUnsupportedException($"MatMul inner dimensions differ: {IlgpuShapes.Format(a.Shape)} × {IlgpuShapes.Format(b.Shape)}.");
        }

        int[] aBatch = aShape[..^2];
        int[] bBatch = bShape[..^2];
        int[] batch = IlgpuShapes.Broadcast(aBatch, bBatch);
        int batchCount = IlgpuShapes.Size(batch);
        var outShape = new List<int>(batch);
        if (a.Rank > 1)
        {
            outShape.Add(m);
        }

        if (b.Rank > 1)
        {
            outShape.Add(n);
        }

        var y = Allocate([.. outShape]);
        if (y.Length == 0)
        {
            return y;
        }

        int[] aStrides = IlgpuShapes.BroadcastStrides(aBatch, batch);
        int[] bStrides = IlgpuShapes.BroadcastStrides(bBatch, batch);
        var offsets = new int[3 * batchCount];
        for (int i = 0; i < batchCount; i++)
        {
            int rest = i;
            int aOff = 0;
            int bOff = 0;
            for (int d = batch.Length - 1; d >= 0; d--)
            {
                int coord = rest % batch[d];
                rest /= batch[d];
                aOff += coord * aStrides[d];
                bOff += coord * bStrides[d];
            }

            offsets[3 * i] = aOff * m * k;
            offsets[(3 * i) + 1] = bOff * k * n;
        }

        var p = new GemmParams(m, n, k, k, 1, n, 1, 0, 0, 1f, 0f, 0, device.GemmTile);
        LaunchGemm(a.View, b.View, null, null, y.View, offsets, batchCount, p);
        return y;
    }

    /// <summary>ONNX Gemm: Y = alpha·op(A)·op(B) + beta·C with C unidirectionally broadcast to [M, N].</summary>
    public IlgpuTensor Gemm(IlgpuTensor a, IlgpuTensor b, IlgpuTensor? c, float alpha, float beta, bool transA, bool transB)
    {
        if (a.Rank != 2 || b.Rank != 2)
        {
            throw new IlgpuUnsupportedException("Gemm needs 2-D A and B.");
        }

        int m = transA ? a.Shape[1] : a.Shape[0];
        int k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0];
        int n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
        {
            throw new IlgpuUnsupportedException($"Gemm inner dimensions differ: {IlgpuShapes.Format(a.Shape)} × {IlgpuShapes.Format(b.Shape)}.");
        }

        var y = Allocate([m, n]);
        if (y.Length == 0)
        {
            return y;
        }

        int[] cStrides = c is null ? [0, 0] : IlgpuShapes.BroadcastStrides(c.Shape, [m, n]);
        if (c is not null)
        {
            IlgpuShapes.Broadcast(c.Shape, [m, n]);
        }

        var p = new GemmParams(
            m,
            n,
            k,
            transA ? 1 : k,
            transA ? m : 1,
            transB ? 1 : n,
            transB ? k : 1,
            cStrides[0],
            cStrides[1],
            alpha,
            beta,
            c is null ? 0 : 1,
            device.GemmTile);
        LaunchGemm(a.View, b.View, c?.View, c?.Shape, y.View, [0, 0, 0], 1, p);
        return y;
    }

    /// <summary>Softmax/LogSoftmax along one axis; with <c>coerceTo2D</c> (opset &lt; 13) over all dims from the axis on.</summary>
    public IlgpuTensor Softmax(IlgpuTensor x, long axis, bool log, bool coerceTo2D)
    {
        var y = Allocate((int[])x.Shape.Clone());
        if (x.Length == 0)
        {
            return y;
        }

        if (x.Rank == 0)
        {
            // Softmax of a scalar over its only element.
            Kernels.Softmax(device.Stream, Launch(1), x.View, y.View, 1, 1, log ? 1 : 0, Range(1));
            return y;
        }

        int a = IlgpuShapes.NormalizeAxis(axis, x.Rank);
        int outer = IlgpuShapes.Size(x.Shape.AsSpan(0, a));
        int axisLength = coerceTo2D ? IlgpuShapes.Size(x.Shape.AsSpan(a)) : x.Shape[a];
        int inner = coerceTo2D ? 1 : IlgpuShapes.Size(x.Shape.AsSpan(a + 1));
        Kernels.Softmax(device.Stream, Launch(outer * inner), x.View, y.View, axisLength, inner, log ? 1 : 0, Range(outer * inner));
        return y;
    }

    /// <summary>LayerNormalization over dims [axis, rank): returns Y, Mean and InvStdDev (the latter two shaped [d0..d(axis-1), 1, ...]).</summary>
    public (IlgpuTensor Y, IlgpuTensor Mean, IlgpuTensor InvStdDev) LayerNorm(IlgpuTensor x, IlgpuTensor scale, IlgpuTensor? bias, long axis, float epsilon)
    {
        int a = IlgpuShapes.NormalizeAxis(axis, x.Rank);
        int rows = IlgpuShapes.Size(x.Shape.AsSpan(0, a));
        int size = IlgpuShapes.Size(x.Shape.AsSpan(a));
        int[] statShape = [.. x.Shape[..a], .. Enumerable.Repeat(1, x.Rank - a)];
        var y = Allocate((int[])x.Shape.Clone());
        var mean = Allocate(statShape);
        var invStd = Allocate((int[])statShape.Clone());
        if (rows > 0 && size > 0)
        {
            if (scale.Length == 0 || size % scale.Length != 0 || (bias is not null && bias.Length > 0 && size % bias.Length != 0))
            {
                throw new IlgpuUnsupportedException("LayerNormalization scale and bias must cover the normalized dims.");
            }

            var p = new LayerNormParams(size, epsilon, scale.Length, bias?.Length ?? 0);
            Kernels.LayerNorm(device.Stream, Launch(rows), x.View, scale.View, bias?.View ?? scale.View, y.View, mean.View, invStd.View, p, Range(rows));
        }

        return (y, mean, invStd);
    }

    public IlgpuTensor BatchNorm(IlgpuTensor x, IlgpuTensor scale, IlgpuTensor bias, IlgpuTensor mean, IlgpuTensor variance, float epsilon)
    {
        var y = Allocate((int[])x.Shape.Clone());
        if (x.Length == 0)
        {
            return y;
        }

        int channels = x.Rank > 1 ? x.Shape[1] : 1;
        int inner = x.Rank > 2 ? IlgpuShapes.Size(x.Shape.AsSpan(2)) : 1;
        foreach (var v in new[] { scale, bias, mean, variance })
        {
            if (v.Length != channels)
            {
                throw new IlgpuUnsupportedException($"BatchNormalization parameters must have {channels} elements.");
            }
        }

        Kernels.BatchNorm(device.Stream, Launch(x.Length), x.View, scale.View, bias.View, mean.View, variance.View, y.View, new BatchNormParams(channels, inner, epsilon), Range(x.Length));
        return y;
    }

    /// <summary>Conv through im2col + GEMM: per image one im2col over all channels and one batched GEMM over the groups.</summary>
    public IlgpuTensor Conv(IlgpuTensor x, IlgpuTensor w, IlgpuTensor? bias, SpatialGeometry g, int group)
    {
        int batchSize = x.Shape[0];
        int channels = x.Shape[1];
        int filters = w.Shape[0];
        if (group <= 0 || channels % group != 0 || filters % group != 0 || w.Shape[1] * group != channels)
        {
            throw new IlgpuUnsupportedException($"Conv group {group} does not divide X {IlgpuShapes.Format(x.Shape)} and W {IlgpuShapes.Format(w.Shape)}.");
        }

        int channelsPerGroup = channels / group;
        int filtersPerGroup = filters / group;
        int kernelSize = g.KernelSize;
        int inSize = IlgpuShapes.Size(g.Input);
        int outSize = g.OutputSize;
        var y = Allocate([batchSize, filters, .. g.Output]);
        if (y.Length == 0)
        {
            return y;
        }

        int colRows = channelsPerGroup * kernelSize;
        bool direct = kernelSize == 1 && g.PadsBegin.All(v => v == 0) && g.PadsEnd.All(v => v == 0) && g.Strides.All(v => v == 1);
        var col = direct ? null : device.FloatPool.Rent((long)channels * kernelSize * outSize);
        var offsets = new int[3 * group];
        for (int gi = 0; gi < group; gi++)
        {
            offsets[3 * gi] = gi * filtersPerGroup * colRows;
            offsets[(3 * gi) + 1] = gi * colRows * outSize;
        }

        try
        {
            using var meta = RentMeta(g.ToMeta());
            var p = new GemmParams(filtersPerGroup, outSize, colRows, colRows, 1, outSize, 1, 0, 0, 1f, 0f, 0, device.GemmTile);
            for (int n = 0; n < batchSize; n++)
            {
                var image = x.View.SubView((long)n * channels * inSize, (long)channels * inSize);
                ArrayView<float> columns;
                if (col is null)
                {
                    columns = image;
                }
                else
                {
                    columns = col.View.SubView(0, (long)channels * kernelSize * outSize);
                    Kernels.Im2Col(device.Stream, Launch(columns.IntLength), image, columns, meta.View, new Int3(g.Rank, kernelSize, outSize), Range(columns.IntLength));
                }

                var yImage = y.View.SubView((long)n * filters * outSize, (long)filters * outSize);
                LaunchGemm(w.View, columns, null, null, yImage, offsets, group, p);
            }
        }
        finally
        {
            if (col is not null)
            {
                device.FloatPool.Return(col);
            }
        }

        if (bias is not null)
        {
            Kernels.ChannelBias(device.Stream, Launch(y.Length), y.View, bias.View, filters, outSize, Range(y.Length));
        }

        return y;
    }

    /// <summary>MaxPool or AveragePool; <c>kind</c> is one of the <see cref="SpatialKernels"/> pool constants.</summary>
    public IlgpuTensor Pool(IlgpuTensor x, SpatialGeometry g, int kind)
    {
        var y = Allocate([x.Shape[0], x.Shape[1], .. g.Output]);
        if (y.Length > 0)
        {
            using var meta = RentMeta(g.ToMeta());
            Kernels.Pool(device.Stream, Launch(y.Length), x.View, y.View, meta.View, new Int3(g.Rank, kind, x.Shape[0] * x.Shape[1]), Range(y.Length));
        }

        return y;
    }

    public IlgpuTensor GlobalAveragePool(IlgpuTensor x)
    {
        int planes = x.Shape[0] * x.Shape[1];
        int size = IlgpuShapes.Size(x.Shape.AsSpan(2));
        var y = Allocate([x.Shape[0], x.Shape[1], .. Enumerable.Repeat(1, x.Rank - 2)]);
        if (planes > 0)
        {
            Kernels.GlobalAveragePool(device.Stream, Launch(planes), x.View, y.View, size, Range(planes));
        }

        return y;
    }

    /// <summary>ReduceSum/ReduceMean. <paramref name="axes"/> empty = all axes unless <paramref name="noopWithEmptyAxes"/>.</summary>
    public IlgpuTensor Reduce(IlgpuTensor x, IReadOnlyList<long> axes, bool keepDims, bool noopWithEmptyAxes, bool mean)
    {
        int rank = x.Rank;
        var reduced = new bool[rank];
        if (axes.Count == 0)
        {
            if (noopWithEmptyAxes)
            {
                return StridedCopy(x, (int[])x.Shape.Clone(), IlgpuShapes.Strides(x.Shape));
            }

            Array.Fill(reduced, true);
        }
        else
        {
            foreach (long axis in axes)
            {
                reduced[IlgpuShapes.NormalizeAxis(axis, rank)] = true;
            }
        }

        var outShape = new List<int>();
        int reducedCount = 1;
        for (int d = 0; d < rank; d++)
        {
            if (reduced[d])
            {
                reducedCount *= x.Shape[d];
                if (keepDims)
                {
                    outShape.Add(1);
                }
            }
            else
            {
                outShape.Add(x.Shape[d]);
            }
        }

        var y = Allocate([.. outShape]);
        if (y.Length == 0)
        {
            return y;
        }

        if (rank == 0)
        {
            Kernels.Unary(device.Stream, Launch(1), x.View, y.View, (int)UnaryOp.Identity, 0f, 0f, Range(1));
            return y;
        }

        int[] meta = [.. x.Shape, .. IlgpuShapes.Strides(x.Shape), .. reduced.Select(r => r ? 1 : 0)];
        using (var metaBuffer = RentMeta(meta))
        {
            Kernels.Reduce(device.Stream, Launch(y.Length), x.View, y.View, metaBuffer.View, new Int3(rank, reducedCount, mean ? 1 : 0), Range(y.Length));
        }

        return y;
    }

    private void CopyStrided(ArrayView<float> source, ArrayView<float> target, int[] shape, int[] sourceStrides)
    {
        int length = IlgpuShapes.Size(shape);
        if (length == 0)
        {
            return;
        }

        int[] meta = shape.Length == 0 ? [1, 0] : [.. shape, .. sourceStrides];
        using var metaBuffer = RentMeta(meta);
        Kernels.StridedCopy(device.Stream, Launch(length), source, target, metaBuffer.View, Math.Max(shape.Length, 1), Range(length));
    }

    private void LaunchGemm(
        ArrayView<float> a,
        ArrayView<float> b,
        ArrayView<float>? c,
        int[]? cShape,
        ArrayView<float> y,
        int[] offsets,
        int batchCount,
        GemmParams p)
    {
        if (device.CuBlas is { } blas && CuBlasPolicy.UseCuBlas(device.CuBlasMode, p.M, p.N, p.K, batchCount) && TryCuBlas(blas, a, b, c, cShape, y, offsets, batchCount, p))
        {
            return;
        }

        if (p.Tile == 0)
        {
            int items = ((p.N + GemmKernel.PanelWidth - 1) / GemmKernel.PanelWidth) * p.M * batchCount;
            using var panelOffsets = RentMeta(offsets);
            Kernels.GemmRowPanel(device.Stream, Launch(items), a, b, c ?? y, y, panelOffsets.View, p, Range(items));
            return;
        }

        if (p.Tile == 1)
        {
            using var offsetView = RentMeta(offsets);
            Kernels.GemmDirect(device.Stream, Launch(p.M * p.N * batchCount), a, b, c ?? y, y, offsetView.View, p, Range(p.M * p.N * batchCount));
            return;
        }

        // The tile grid is (column tiles, row tiles, batches); CUDA limits y and z to 65,535, so larger products (over
        // ~1M rows with 16-row tiles, or over 65,535 batches) are computed in several launches over sub-grids.
        int t = p.Tile;
        int colTiles = (p.N + t - 1) / t;
        int rowTiles = (p.M + t - 1) / t;
        var max = device.MaxGrid;
        using var offsetBuffer = RentMeta(offsets);
        for (int b0 = 0; b0 < batchCount; b0 += max.Z)
        {
            for (int r0 = 0; r0 < rowTiles; r0 += max.Y)
            {
                for (int c0 = 0; c0 < colTiles; c0 += max.X)
                {
                    var config = new KernelConfig(
                        new Index3D(Math.Min(max.X, colTiles - c0), Math.Min(max.Y, rowTiles - r0), Math.Min(max.Z, batchCount - b0)),
                        new Index3D(t, t, 1),
                        SharedMemoryConfig.RequestDynamic<float>(2 * t * t));
                    Kernels.Gemm(device.Stream, config, a, b, c ?? y, y, offsetBuffer.View, p with { RowBase = r0 * t, ColBase = c0 * t, BatchBase = b0 });
                    device.CountGemmLaunch();
                }
            }
        }
    }

    /// <summary>cuBLAS Sgemm (column-major) computing the row-major product as Yᵀ = op(B)ᵀ·op(A)ᵀ; dense operands only.</summary>
    private bool TryCuBlas(CuBlas blas, ArrayView<float> a, ArrayView<float> b, ArrayView<float>? c, int[]? cShape, ArrayView<float> y, int[] offsets, int batchCount, GemmParams p)
    {
        bool aDense = (p.ARowStride == p.K && p.AColStride == 1) || (p.ARowStride == 1 && p.AColStride == p.M);
        bool bDense = (p.BRowStride == p.N && p.BColStride == 1) || (p.BRowStride == 1 && p.BColStride == p.K);
        if (!aDense || !bDense || p.K == 0 || (p.HasC != 0 && (batchCount != 1 || offsets[2] != 0)))
        {
            return false;
        }

        bool transA = !(p.ARowStride == p.K && p.AColStride == 1);
        bool transB = !(p.BRowStride == p.N && p.BColStride == 1);
        float beta = 0f;
        if (p.HasC != 0 && c is { } cView && cShape is not null)
        {
            // Seed Y with the broadcast C, then let cuBLAS accumulate beta·Y.
            CopyStrided(cView, y.SubView(0, (long)p.M * p.N), [p.M, p.N], [p.CRowStride, p.CColStride]);
            beta = p.Beta;
        }

        var opB = transB ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose;
        var opA = transA ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose;
        if (CuBlasStridedBatched.TryGetStrides(offsets, batchCount, out long strideA, out long strideB)
            && CuBlasStridedBatched.TryRun(
                blas,
                opB,
                opA,
                p.N,
                p.M,
                p.K,
                p.Alpha,
                b.SubView(offsets[1], b.Length - offsets[1]),
                transB ? p.K : p.N,
                strideB,
                a.SubView(offsets[0], a.Length - offsets[0]),
                transA ? p.M : p.K,
                strideA,
                beta,
                y,
                p.N,
                (long)p.M * p.N,
                batchCount))
        {
            device.CountCuBlasCall(batched: true);
            return true;
        }

        for (int i = 0; i < batchCount; i++)
        {
            device.CountCuBlasCall(batched: false);
            var aView = a.SubView(offsets[3 * i], (long)p.M * p.K);
            var bView = b.SubView(offsets[(3 * i) + 1], (long)p.K * p.N);
            var yView = y.SubView((long)i * p.M * p.N, (long)p.M * p.N);
            blas.Gemm(
                transB ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose,
                transA ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose,
                p.N,
                p.M,
                p.K,
                p.Alpha,
                bView,
                transB ? p.K : p.N,
                aView,
                transA ? p.M : p.K,
                beta,
                yView,
                p.N);
        }

        return true;
    }

    /// <summary>Threads to launch for <paramref name="count"/> work items (grid-stride beyond the resident thread count).</summary>
    private int Launch(int count) => Math.Min(count, device.MaxResidentThreads);

    private GridStride Range(int count) => new(count, Launch(count));

    /// <summary>
    /// The metadata cache of the node now executing (set by <see cref="IlgpuNodeKernel"/> around its launches; jobs run one
    /// at a time per backend and a job's nodes in order, so one field suffices). Null: metadata is uploaded per launch.
    /// </summary>
    public IlgpuMetadataCache? MetadataCache { get; set; }

    private PooledInts RentMeta(int[] values)
    {
        if (device.UseMetadataCache && MetadataCache is { } cache)
        {
            if (cache.TryGet(values, out var cached))
            {
                device.CountMetadataHit();
                return new PooledInts(null, null, cached);
            }

            if (cache.HasRoom)
            {
                device.CountMetadataUpload();
                return new PooledInts(null, null, cache.Add(device.Accelerator, device.Stream, values));
            }
        }

        var buffer = device.IntPool.Rent(values.Length);
        ArrayView<int> view = buffer.View.SubView(0, Math.Max(values.Length, 1));
        if (values.Length > 0)
        {
            view.SubView(0, values.Length).CopyFromCPU(device.Stream, values.AsSpan());
        }

        device.CountMetadataUpload();
        return new PooledInts(device.IntPool, buffer, view);
    }

    /// <summary>A small int buffer (kernel metadata) returned to the pool when disposed.</summary>
    private readonly struct PooledInts(IlgpuBufferPool<int>? pool, MemoryBuffer1D<int, Stride1D.Dense>? buffer, ArrayView<int> view) : IDisposable
    {
        public ArrayView<int> View { get; } = view;

        public void Dispose()
        {
            if (pool is not null && buffer is not null)
            {
                pool.Return(buffer); // cached metadata (no pool) stays with the plan
            }
        }
    }
}
