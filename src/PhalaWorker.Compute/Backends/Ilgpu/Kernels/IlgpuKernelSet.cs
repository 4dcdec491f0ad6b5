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
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, float, float, GridStride>? unary;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, GridStride>? binary;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, GridStride>? stridedCopy;
    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams>? gemm;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams, GridStride>? gemmDirect;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams, GridStride>? gemmRowPanel;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int, int, GridStride>? softmax;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerNormParams, GridStride>? layerNorm;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormParams, GridStride>? batchNorm;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride>? im2Col;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int, GridStride>? channelBias;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride>? pool;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, GridStride>? globalAveragePool;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride>? reduce;

    public IlgpuKernelSet(Accelerator accelerator)
    {
        this.accelerator = accelerator;
    }

    /// <summary>
    /// Every kernel method this set loads (one per property below), with whether it is explicitly grouped (launched with a
    /// <see cref="KernelConfig"/>) or auto-grouped. The PTX proof compiles each of these for sm_90 without a device.
    /// </summary>
    public static IReadOnlyList<(string Name, System.Reflection.MethodInfo Method, bool ExplicitlyGrouped)> Definitions { get; } =
    [
        (nameof(Unary), Kernel(typeof(ElementwiseKernels), nameof(ElementwiseKernels.Unary)), false),
        (nameof(Binary), Kernel(typeof(ElementwiseKernels), nameof(ElementwiseKernels.Binary)), false),
        (nameof(StridedCopy), Kernel(typeof(ElementwiseKernels), nameof(ElementwiseKernels.StridedCopy)), false),
        (nameof(Gemm), Kernel(typeof(GemmKernel), nameof(GemmKernel.Tiled)), true),
        (nameof(GemmDirect), Kernel(typeof(GemmKernel), nameof(GemmKernel.Direct)), false),
        (nameof(GemmRowPanel), Kernel(typeof(GemmKernel), nameof(GemmKernel.RowPanel)), false),
        (nameof(Softmax), Kernel(typeof(NormalizationKernels), nameof(NormalizationKernels.Softmax)), false),
        (nameof(LayerNorm), Kernel(typeof(NormalizationKernels), nameof(NormalizationKernels.LayerNorm)), false),
        (nameof(BatchNorm), Kernel(typeof(NormalizationKernels), nameof(NormalizationKernels.BatchNorm)), false),
        (nameof(Im2Col), Kernel(typeof(SpatialKernels), nameof(SpatialKernels.Im2Col)), false),
        (nameof(ChannelBias), Kernel(typeof(SpatialKernels), nameof(SpatialKernels.AddChannelBias)), false),
        (nameof(Pool), Kernel(typeof(SpatialKernels), nameof(SpatialKernels.Pool)), false),
        (nameof(GlobalAveragePool), Kernel(typeof(SpatialKernels), nameof(SpatialKernels.GlobalAveragePool)), false),
        (nameof(Reduce), Kernel(typeof(ReduceKernels), nameof(ReduceKernels.Reduce)), false),
    ];

    private static System.Reflection.MethodInfo Kernel(Type type, string name) =>
        type.GetMethod(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        ?? throw new InvalidOperationException($"kernel {type.Name}.{name} not found");

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, float, float, GridStride> Unary =>
        unary ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float, float, GridStride>(ElementwiseKernels.Unary);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, GridStride> Binary =>
        binary ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, GridStride>(ElementwiseKernels.Binary);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, GridStride> StridedCopy =>
        stridedCopy ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, GridStride>(ElementwiseKernels.StridedCopy);

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams> Gemm =>
        gemm ??= accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams>(GemmKernel.Tiled);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams, GridStride> GemmDirect =>
        gemmDirect ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams, GridStride>(GemmKernel.Direct);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams, GridStride> GemmRowPanel =>
        gemmRowPanel ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmParams, GridStride>(GemmKernel.RowPanel);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int, int, GridStride> Softmax =>
        softmax ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, GridStride>(NormalizationKernels.Softmax);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerNormParams, GridStride> LayerNorm =>
        layerNorm ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerNormParams, GridStride>(NormalizationKernels.LayerNorm);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormParams, GridStride> BatchNorm =>
        batchNorm ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormParams, GridStride>(NormalizationKernels.BatchNorm);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride> Im2Col =>
        im2Col ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride>(SpatialKernels.Im2Col);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int, GridStride> ChannelBias =>
        channelBias ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, GridStride>(SpatialKernels.AddChannelBias);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride> Pool =>
        pool ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride>(SpatialKernels.Pool);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, GridStride> GlobalAveragePool =>
        globalAveragePool ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, GridStride>(SpatialKernels.GlobalAveragePool);

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride> Reduce =>
        reduce ??= accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, Int3, GridStride>(ReduceKernels.Reduce);
}
