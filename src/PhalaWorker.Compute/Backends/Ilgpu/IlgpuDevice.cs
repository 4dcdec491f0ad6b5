using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using PhalaWorker.Compute.Backends.Ilgpu.Kernels;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// One ILGPU context and accelerator with its compiled kernels, device-buffer pools and (on CUDA hosts with libcublas)
/// a cuBLAS handle.
/// </summary>
internal sealed class IlgpuDevice : IDisposable
{
    // CPU accelerator shape: 2 threads per warp × 2 warps = 4-thread groups, 2 groups in flight = 8 simulated threads.
    // Each simulated thread is a real thread, and groups meet at real barriers; on a small shared host, few threads
    // (and grid-stride kernels that launch few groups) keep the simulation quick.
    private const int CpuThreadsPerWarp = 2;
    private const int CpuWarpsPerGroup = 2;
    private const int CpuGroupsInFlight = 2;

    private readonly Context context;
    private bool disposed;
    private int gemmTile;
    private Index3D maxGrid;
    private long gemmLaunches;
    private long streamsCreated;
    private long metadataUploads;
    private long metadataHits;
    private long cublasSingle;
    private long cublasBatched;
    private AcceleratorStream? jobStream;

    private IlgpuDevice(Context context, Accelerator accelerator, IlgpuDeviceKind kind)
    {
        this.context = context;
        Accelerator = accelerator;
        Kind = kind;
        Kernels = new IlgpuKernelSet(accelerator);
        FloatPool = new IlgpuBufferPool<float>(accelerator);
        IntPool = new IlgpuBufferPool<int>(accelerator);
        maxGrid = accelerator.MaxGridSize;
        int maxTile = (int)Math.Sqrt(Math.Min(accelerator.MaxNumThreadsPerGroup, 256));
        gemmTile = kind == IlgpuDeviceKind.CpuAccelerator ? 0 : maxTile >= 16 ? 16 : maxTile >= 8 ? 8 : maxTile >= 4 ? 4 : maxTile >= 2 ? 2 : 1;
        if (accelerator is CudaAccelerator cuda)
        {
            CuBlas = TryCreateCuBlas(cuda, out string? reason);
            CuBlasUnavailableReason = reason;
        }
        else
        {
            CuBlasUnavailableReason = "cuBLAS is used only on the CUDA accelerator.";
        }
    }

    public Accelerator Accelerator { get; }

    /// <summary>Threads launched per elementwise kernel at most (the rest is covered by grid-stride loops).</summary>
    public int MaxResidentThreads => Math.Max(1, Accelerator.MaxNumThreads);

    public IlgpuDeviceKind Kind { get; }

    public IlgpuKernelSet Kernels { get; }

    public IlgpuBufferPool<float> FloatPool { get; }

    public IlgpuBufferPool<int> IntPool { get; }

    /// <summary>
    /// Edge of the square GEMM tile (16 on GPUs; limited by the group size). 0 selects the row-panel kernel (the CPU
    /// accelerator's default), 1 the barrier-free one-thread-per-output kernel. Settable so tests and benchmarks can run either kernel on any accelerator.
    /// </summary>
    public int GemmTile
    {
        get => gemmTile;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value * value, Accelerator.MaxNumThreadsPerGroup);
            gemmTile = value;
        }
    }

    /// <summary>
    /// How MatMul/Gemm choose cuBLAS (when loaded) or the own kernels (default <see cref="CuBlasMode.Auto"/>: by size).
    /// Tests and benchmarks set <see cref="CuBlasMode.Never"/> to run this project's own GEMM kernels on the GPU.
    /// </summary>
    public CuBlasMode CuBlasMode { get; set; } = CuBlasMode.Auto;

    /// <summary>Shorthand: true = <see cref="CuBlasMode.Always"/>, false = <see cref="CuBlasMode.Never"/>.</summary>
    public bool UseCuBlas
    {
        get => CuBlasMode != CuBlasMode.Never;
        set => CuBlasMode = value ? CuBlasMode.Always : CuBlasMode.Never;
    }

    /// <summary>
    /// The grid size the tiled GEMM launches are split to (the accelerator's <c>MaxGridSize</c>, e.g. 2³¹−1 × 65,535 ×
    /// 65,535 on CUDA). Settable lower so tests exercise the splitting on ILGPU's CPU accelerator.
    /// </summary>
    public Index3D MaxGrid
    {
        get => maxGrid;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(value.X, Math.Min(value.Y, value.Z)), 1, nameof(value));
            maxGrid = value;
        }
    }

    /// <summary>Tiled-GEMM kernel launches so far (more than one per product when the grid is split).</summary>
    public long GemmLaunches => Interlocked.Read(ref gemmLaunches);

    internal void CountGemmLaunch() => Interlocked.Increment(ref gemmLaunches);

    /// <summary>cuBLAS handle when running on CUDA with libcublas loadable; null otherwise.</summary>
    public CuBlas? CuBlas { get; }

    public string? CuBlasUnavailableReason { get; }

    public string Description => $"{Accelerator.AcceleratorType} '{Accelerator.Name}'";

    public static IlgpuDevice Create(IlgpuDeviceKind kind)
    {
        switch (kind)
        {
            case IlgpuDeviceKind.CpuAccelerator:
                return CreateCpu(CpuThreadsPerWarp, CpuWarpsPerGroup, CpuGroupsInFlight);

            case IlgpuDeviceKind.Cuda:
            {
                var context = Context.Create(b => b.Cuda().CPU().EnableAlgorithms().Optimize(OptimizationLevel.O1));
                try
                {
                    var cudaDevices = context.GetCudaDevices();
                    if (cudaDevices.Count == 0)
                    {
                        throw new InvalidOperationException(
                            "Backend 'cuda' needs an NVIDIA GPU with a CUDA driver, and ILGPU found no CUDA device on this host. Use backend 'cpu' or 'ilgpu-cpu'.");
                    }

                    var accelerator = cudaDevices[0].CreateCudaAccelerator(context);
                    return new IlgpuDevice(context, accelerator, kind);
                }
                catch
                {
                    context.Dispose();
                    throw;
                }
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown ILGPU device kind.");
        }
    }

    /// <summary>A CPU accelerator with a chosen group shape (tests use 16-thread groups to run the 4×4-tiled GEMM).</summary>
    public static IlgpuDevice CreateCpu(int threadsPerWarp, int warpsPerGroup, int groupsInFlight)
    {
        var device = new CPUDevice(threadsPerWarp, warpsPerGroup, groupsInFlight);
        var context = Context.Create(b => b.CPU(device).EnableAlgorithms().Optimize(OptimizationLevel.O2));
        try
        {
            var accelerator = device.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
            return new IlgpuDevice(context, accelerator, IlgpuDeviceKind.CpuAccelerator);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>True when ILGPU finds at least one CUDA device (the CUDA driver is loadable and a GPU is visible).</summary>
    public static bool IsCudaAvailable(out string reason)
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            int count = context.GetCudaDevices().Count;
            reason = count == 0 ? "ILGPU found no CUDA device (no NVIDIA GPU or no CUDA driver on this host)." : $"{count} CUDA device(s).";
            return count > 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException)
        {
            reason = $"CUDA is not usable on this host: {ex.GetType().Name}: {ex.Message}";
            return false;
        }
    }

    /// <summary>Ends a job: returns and zeroes every device buffer it used (no data crosses jobs).</summary>
    public void EndJob()
    {
        if (jobStream is { } stream)
        {
            stream.Synchronize();
        }

        try
        {
            FloatPool.EndJob();
            IntPool.EndJob();
        }
        finally
        {
            FloatPool.Stream = null;
            IntPool.Stream = null;
            if (CuBlas is { } blas)
            {
                blas.Stream = (CudaStream)Accelerator.DefaultStream;
            }

            jobStream?.Dispose();
            jobStream = null;
        }
    }

    /// <summary>
    /// Starts a job: with <see cref="UseJobStream"/> a fresh stream of its own, on which every kernel, copy, cuBLAS call
    /// and fresh-buffer clearing of the job is queued; the host waits for it only where it reads a device value (a host
    /// kernel's input, a graph output) and once at <see cref="EndJob"/>.
    /// </summary>
    public void BeginJob()
    {
        if (UseJobStream)
        {
            jobStream = Accelerator.CreateStream();
            Interlocked.Increment(ref streamsCreated);
            FloatPool.Stream = jobStream;
            IntPool.Stream = jobStream;
            if (CuBlas is { } blas)
            {
                blas.Stream = (CudaStream)jobStream;
            }
        }
    }

    /// <summary>The stream the current job queues its work on (the default stream outside a job or without <see cref="UseJobStream"/>).</summary>
    public AcceleratorStream Stream => jobStream ?? Accelerator.DefaultStream;

    /// <summary>Whether each job runs on a stream of its own (default true; tests compare with the default stream).</summary>
    public bool UseJobStream { get; set; } = true;

    /// <summary>Whether kernel metadata is cached per plan node (default true; tests compare with per-launch uploads).</summary>
    public bool UseMetadataCache { get; set; } = true;

    /// <summary>Kernel-metadata arrays copied to the device so far (per launch without the cache, once per node and shape with it).</summary>
    public long MetadataUploads => Interlocked.Read(ref metadataUploads);

    /// <summary>Launches that found their metadata already on the device (cached with the plan).</summary>
    public long MetadataCacheHits => Interlocked.Read(ref metadataHits);

    internal void CountMetadataUpload() => Interlocked.Increment(ref metadataUploads);

    internal void CountMetadataHit() => Interlocked.Increment(ref metadataHits);

    /// <summary>cuBLAS GEMM calls so far: single <c>cublasSgemm</c> calls and <c>cublasSgemmStridedBatched</c> calls (one per batched product).</summary>
    public (long Single, long StridedBatched) CuBlasCalls => (Interlocked.Read(ref cublasSingle), Interlocked.Read(ref cublasBatched));

    internal void CountCuBlasCall(bool batched) => Interlocked.Increment(ref batched ? ref cublasBatched : ref cublasSingle);

    /// <summary>Job streams created so far.</summary>
    public long StreamsCreated => Interlocked.Read(ref streamsCreated);

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        CuBlas?.Dispose();
        FloatPool.Dispose();
        IntPool.Dispose();
        Accelerator.Dispose();
        context.Dispose();
    }

    private static CuBlas? TryCreateCuBlas(CudaAccelerator accelerator, out string? reason)
    {
        try
        {
            var blas = new CuBlas(accelerator)
            {
                PointerMode = CuBlasPointerMode.Host,
            };
            reason = null;
            return blas;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or CuBlasException
            or TypeInitializationException or InvalidOperationException or NotSupportedException)
        {
            // libcublas is optional: without it the tiled GEMM kernel runs on the GPU instead.
            reason = $"libcublas not usable: {ex.GetType().Name}: {ex.Message}";
            return null;
        }
    }
}
