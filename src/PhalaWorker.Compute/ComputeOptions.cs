using System.ComponentModel.DataAnnotations;

namespace PhalaWorker.Compute;

/// <summary>Limits and settings for running ONNX jobs (configuration section <c>Compute</c>).</summary>
public sealed class ComputeOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Compute";

    /// <summary>Largest accepted model, in bytes.</summary>
    /// <value>Default 256 MiB.</value>
    [Range(1, int.MaxValue)]
    public long MaxModelBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest number of elements in any one tensor (initializer, input, intermediate or output).</summary>
    /// <value>Default 64 Mi elements (256 MiB of float32).</value>
    [Range(1, int.MaxValue)]
    public long MaxTensorElements { get; set; } = 64L * 1024 * 1024;

    /// <summary>Most memory a job may plan: constants and inputs at load, plus every buffer allocated while running.</summary>
    /// <value>Default 2 GiB.</value>
    [Range(1, long.MaxValue)]
    public long MaxPlannedMemoryBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Most nodes in the graph.</summary>
    /// <value>Default 10,000.</value>
    [Range(1, 1_000_000)]
    public int MaxNodes { get; set; } = 10_000;

    /// <summary>Operators allowed (op types of the default ONNX domain); empty means every operator this engine implements.</summary>
    /// <value>Default empty (all implemented operators).</value>
    public IList<string> AllowedOps { get; } = new List<string>();

    /// <summary>The backend that runs jobs: "cpu", "ilgpu-cpu" or "cuda".</summary>
    /// <value>Default "cpu".</value>
    [Required]
    [RegularExpression("^(cpu|ilgpu-cpu|cuda)$")]
    public string Backend { get; set; } = "cpu";

    /// <summary>
    /// Most threads the CPU kernels of one job use; 0 means <see cref="Environment.ProcessorCount"/>. A job gets fewer
    /// while other jobs hold the <see cref="ThreadBudget"/>.
    /// </summary>
    /// <value>Default 0.</value>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>
    /// Kernel threads all jobs running at once share (several job workers, <c>Agent:MaxConcurrentJobs</c>): each job leases
    /// up to <see cref="Threads"/> of them when it starts, at least one, and returns them when it ends, so N workers on N
    /// cores run about N kernel threads together rather than N × N. 0 means <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <value>Default 0.</value>
    [Range(0, 4096)]
    public int ThreadBudget { get; set; }

    /// <summary>
    /// The CPU backend's SIMD path: "auto" (the widest the CPU and the .NET JIT offer: AVX-512 micro-kernels where
    /// Vector512 is accelerated, else AVX2/FMA) or "avx2" (the Vector256 kernels even on an AVX-512 CPU, to measure the
    /// path AVX2-only hosts run). Process-wide and one-way: an engine created with "avx2" switches the kernels of every
    /// engine in the process. For an exact AVX2-only run also start the process with <c>DOTNET_EnableAVX512=0</c>
    /// (the JIT then uses 16 ymm registers and no EVEX encodings, as on an AVX2-only CPU). Results are bit-identical
    /// either way.
    /// </summary>
    /// <value>Default "auto".</value>
    [Required]
    [RegularExpression("^(auto|avx2)$")]
    public string CpuIsa { get; set; } = "auto";

    /// <summary>
    /// How the <c>cuda</c> backend chooses between cuBLAS and this project's own GEMM kernels for MatMul/Gemm: <c>auto</c>
    /// (cuBLAS for products of at least <see cref="Backends.Ilgpu.CuBlasPolicy.AutoMinFlops"/> multiply-adds, a provisional
    /// threshold until measured on a GPU), <c>always</c> (cuBLAS whenever libcublas loads) or <c>never</c> (always the
    /// tiled kernel CI compiles to PTX, used to check those kernels on a GPU host, e.g. by <c>deploy/gpu-check.sh</c>).
    /// </summary>
    /// <value>Default "auto".</value>
    [Required]
    [RegularExpression("^(auto|always|never)$")]
    public string CudaUseCuBlas { get; set; } = "auto";

    /// <summary>
    /// ILGPU backends (<c>cuda</c>, <c>ilgpu-cpu</c>): most bytes of free device buffers each buffer pool (float32, int32)
    /// keeps between jobs for reuse; least recently used buffers beyond it are freed at the end of a job and before a fresh
    /// allocation. A running job may hold more (its own working set). Model weights are cached separately.
    /// </summary>
    /// <value>Default 1 GiB.</value>
    [Range(0, long.MaxValue)]
    public long DevicePoolMaxBytes { get; set; } = 1L * 1024 * 1024 * 1024;

    /// <summary>
    /// Loaded models kept for later jobs with byte-identical models (keyed by SHA-256 of the model): a hit skips parsing,
    /// validation, constant folding and weight packing, and reuses the model's zeroed buffers. 0 disables the cache.
    /// A hit is observable as a faster job; set 0 where submitters must not learn that a model ran before.
    /// </summary>
    /// <value>Default 4.</value>
    [Range(0, 1024)]
    public int ModelCacheEntries { get; set; } = 4;

    /// <summary>Most constant bytes (initializers and folded values) the model cache holds; larger models are not cached.</summary>
    /// <value>Default 1 GiB.</value>
    [Range(0, long.MaxValue)]
    public long ModelCacheMaxBytes { get; set; } = 1L * 1024 * 1024 * 1024;

    /// <summary>
    /// Test hook: fill buffers handed out uninitialized (<c>KernelContext.AllocateOutputUninitialized</c>) with 0xFF bytes
    /// (NaN floats, −1 integers), so a kernel that does not write every element it promised to is caught by the
    /// conformance suite instead of passing on zeros.
    /// </summary>
    internal bool PoisonUninitializedBuffers { get; init; }

    /// <summary>Resolved thread count of one job (≥ 1).</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>Resolved <see cref="ThreadBudget"/> (≥ 1).</summary>
    public int EffectiveThreadBudget => ThreadBudget > 0 ? ThreadBudget : Environment.ProcessorCount;
}
