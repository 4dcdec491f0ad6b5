using ILGPU;
using ILGPU.Runtime;

namespace PhalaWorker.Compute.Backends.Ilgpu.Kernels;

/// <summary>
/// Every kernel compiled for one accelerator. Each is compiled on first use and then cached for the life of the
/// backend (compilation costs tens of milliseconds per kernel; a job launches hundreds).
/// </summary>
internal sealed class IlgpuKernelSet
{
    private readonly Accelerator accelerator;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, float, float>? unary;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int>? binary;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int>? stridedCopy;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams>? gemm;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? softmax;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerNormParams>? layerNorm;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormParams>? batchNorm;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3>? im2Col;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>? channelBias;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3>? pool;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int>? globalAveragePool;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3>? reduce;

    public IlgpuKernelSet(Accelerator accelerator)
    {
        this.accelerator = accelerator;
    }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, float, float> Unary =>
        unary ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float, float>(ElementwiseKernels.Unary);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int> Binary =>
        binary ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int>(ElementwiseKernels.Binary);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int> StridedCopy =>
        stridedCopy ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int>(ElementwiseKernels.StridedCopy);

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams> Gemm =>
        gemm ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams>(GemmKernel.Tiled);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> Softmax =>
        softmax ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(NormalizationKernels.Softmax);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerNormParams> LayerNorm =>
        layerNorm ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerNormParams>(NormalizationKernels.LayerNorm);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormParams> BatchNorm =>
        batchNorm ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormParams>(NormalizationKernels.BatchNorm);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3> Im2Col =>
        im2Col ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3>(SpatialKernels.Im2Col);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> ChannelBias =>
        channelBias ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(SpatialKernels.AddChannelBias);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3> Pool =>
        pool ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3>(SpatialKernels.Pool);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int> GlobalAveragePool =>
        globalAveragePool ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(SpatialKernels.GlobalAveragePool);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3> Reduce =>
        reduce ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3>(ReduceKernels.Reduce);
}
