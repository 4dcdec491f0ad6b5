using ILGPU.Runtime;
using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// The ILGPU backend: float32 MatMul/Gemm, elementwise, Softmax, normalizations, Conv, pooling and reductions run as
/// ILGPU kernels on a CUDA GPU ("cuda") or on ILGPU's CPU accelerator ("ilgpu-cpu"). Other data types, shape ops and
/// attribute combinations the kernels do not cover run on the CPU kernels on the host, as ONNX Runtime does.
/// Owns the ILGPU context, accelerator, compiled kernels and the per-job device-memory pool (zeroed after every job).
/// </summary>
public sealed class IlgpuBackend : IComputeBackend, IAsyncDisposable
{
    /// <summary>Name of the CPU-accelerator flavour.</summary>
    public const string CpuAcceleratorName = "ilgpu-cpu";

    /// <summary>Name of the CUDA flavour.</summary>
    public const string CudaName = "cuda";

    private readonly SemaphoreSlim jobGate = new(1, 1);
    private readonly List<IlgpuDeviceData> live = [];
    private readonly Dictionary<string, int> fallbacks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> deviceRuns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> deviceFailures = new(StringComparer.Ordinal);
    private long hostCopies;
    private long deviceUploads;
    private readonly Dictionary<Tensor, LinkedListNode<(Tensor Host, IlgpuTensor Value)>> constants = new(ReferenceEqualityComparer.Instance);
    private readonly LinkedList<(Tensor Host, IlgpuTensor Value)> constantOrder = new(); // most recently used first
    private readonly long maxConstantBytes;
    private long constantBytes;
    private readonly object statsLock = new();
    private readonly List<(WeakReference<IlgpuNodeKernel> Owner, IlgpuMetadataCache Cache)> metadataCaches = [];
    private long job;
    private bool inJob;
    private bool disposed;

    /// <summary>Creates the backend; for <see cref="IlgpuDeviceKind.Cuda"/> throws <see cref="ComputeException"/> (BackendUnavailable) without a CUDA device.</summary>
    public IlgpuBackend(IlgpuDeviceKind kind)
    {
        try
        {
            Device = IlgpuDevice.Create(kind);
        }
        catch (InvalidOperationException ex)
        {
            throw new ComputeException(ComputeErrorReason.BackendUnavailable, ex.Message, ex);
        }

        Operators = new IlgpuOperators(Device);
        maxConstantBytes = Math.Min(Device.Accelerator.MemorySize / 4, 4L << 30);
    }

    public string Name => Device.Kind == IlgpuDeviceKind.Cuda ? CudaName : CpuAcceleratorName;

    /// <summary>The accelerator in use, e.g. "CPU 'CPUAccelerator'" or "Cuda 'NVIDIA H100'".</summary>
    public string DeviceDescription => Device.Description;

    /// <summary>Why cuBLAS is not used (null when it is).</summary>
    public string? CuBlasUnavailableReason => Device.CuBlasUnavailableReason;

    internal IlgpuDevice Device { get; }

    internal IlgpuOperators Operators { get; }

    internal long CurrentJob => job;

    /// <summary>Whether a job scope is open (device memory is only handed out inside one, so it is zeroed after).</summary>
    internal bool InJob => inJob;

    /// <summary>Per op type: how many node executions ran on the device.</summary>
    public IReadOnlyDictionary<string, int> DeviceRuns
    {
        get
        {
            lock (statsLock)
            {
                return new Dictionary<string, int>(deviceRuns);
            }
        }
    }

    /// <summary>Per op type: how many node executions fell back to the CPU kernel (dtype or attribute not covered).</summary>
    public IReadOnlyDictionary<string, int> Fallbacks
    {
        get
        {
            lock (statsLock)
            {
                return new Dictionary<string, int>(fallbacks);
            }
        }
    }

    /// <summary>Host → device copies made so far (inputs, values host kernels produced, model constants not yet cached).</summary>
    public long HostToDeviceCopies => Interlocked.Read(ref deviceUploads);

    /// <summary>Bytes of model constants (weights) kept on the device between jobs.</summary>
    public long CachedConstantBytes => constantBytes;

    /// <summary>Device → host copies made so far (graph outputs and values host kernels read; dead values are never copied).</summary>
    public long DeviceToHostCopies => Interlocked.Read(ref hostCopies);

    internal void CountHostCopy() => Interlocked.Increment(ref hostCopies);

    /// <summary>Whether ILGPU finds a CUDA device here; <paramref name="reason"/> says what was found.</summary>
    public static bool IsCudaAvailable(out string reason) => IlgpuDevice.IsCudaAvailable(out reason);

    public IOperatorKernel? TryCreateKernel(OperatorNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (node.Domain.Length != 0 && node.Domain != "ai.onnx")
        {
            return null;
        }

        return IlgpuNodeKernel.Handles(node.OpType) && CpuKernels.IsSupported(node.OpType)
            ? new IlgpuNodeKernel(this, node, CpuKernels.Get(node))
            : null;
    }

    public IDisposable BeginJob()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        jobGate.Wait();
        job++;
        try
        {
            FreeUnusedMetadata();
            Device.BeginJob();
        }
        catch (Exception ex)
        {
            jobGate.Release();
            if (IlgpuErrors.ToComputeException(ex, "start of job (stream)", Name) is { } failure)
            {
                throw failure;
            }

            throw;
        }

        inJob = true;
        return new JobScope(this);
    }

    /// <summary>Metadata caches of plans still loaded (node kernels alive) and their device bytes.</summary>
    internal (int Caches, long Bytes) MetadataCacheUsage
    {
        get
        {
            lock (metadataCaches)
            {
                return (metadataCaches.Count, metadataCaches.Sum(e => e.Cache.Bytes));
            }
        }
    }

    /// <summary>The metadata cache of a node kernel being compiled into a plan; freed once the kernel is collected.</summary>
    internal IlgpuMetadataCache RegisterMetadataCache(IlgpuNodeKernel owner)
    {
        var cache = new IlgpuMetadataCache();
        lock (metadataCaches)
        {
            metadataCaches.Add((new WeakReference<IlgpuNodeKernel>(owner), cache));
        }

        return cache;
    }

    /// <summary>Frees the metadata buffers of plans no longer referenced (between jobs, so no kernel still reads them).</summary>
    internal void FreeUnusedMetadata()
    {
        lock (metadataCaches)
        {
            metadataCaches.RemoveAll(e =>
            {
                if (e.Owner.TryGetTarget(out _))
                {
                    return false;
                }

                e.Cache.Dispose();
                return true;
            });
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        lock (metadataCaches)
        {
            foreach (var (_, cache) in metadataCaches)
            {
                cache.Dispose();
            }

            metadataCaches.Clear();
        }

        foreach (var (_, value) in constantOrder)
        {
            value.Buffer.Dispose();
        }

        constants.Clear();
        constantOrder.Clear();
        Device.Dispose();
        jobGate.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The device copy of <paramref name="tensor"/> for this job, uploading (and attaching) it when there is none. A model
    /// constant (<paramref name="constant"/>: the same tensor in every job of a loaded model) is uploaded once into a
    /// buffer of its own and kept between jobs (least recently used evicted beyond a quarter of device memory, at most
    /// 4 GiB), so weights cross the bus once per model instead of once per job.
    /// </summary>
    internal IlgpuTensor ToDevice(Tensor tensor, bool constant = false)
    {
        if (tensor.DeviceData is IlgpuDeviceData d && d.IsOwnedBy(this, job))
        {
            return d.Value;
        }

        if (constant && tensor.DeviceData is null)
        {
            if (constants.TryGetValue(tensor, out var node))
            {
                constantOrder.Remove(node);
                constantOrder.AddFirst(node);
                return node.Value.Value;
            }

            if (tensor.ByteLength <= maxConstantBytes)
            {
                return CacheConstant(tensor);
            }
        }

        Interlocked.Increment(ref deviceUploads);
        var value = Operators.Upload(tensor.AsReadOnlySpan<float>(), tensor.Shape.ToArray());
        if (tensor.DeviceData is null)
        {
            Attach(tensor, value, hostIsStale: false);
        }

        return value;
    }

    private IlgpuTensor CacheConstant(Tensor tensor)
    {
        var shape = tensor.Shape.ToArray();
        var buffer = Device.Accelerator.Allocate1D<float>(Math.Max(1, tensor.Length));
        var value = new IlgpuTensor(buffer, shape);
        if (tensor.Length > 0)
        {
            value.View.SubView(0, tensor.Length).CopyFromCPU(Device.Stream, tensor.AsReadOnlySpan<float>());
        }

        Interlocked.Increment(ref deviceUploads);
        constants[tensor] = constantOrder.AddFirst((tensor, value));
        constantBytes += buffer.LengthInBytes;
        while (constantBytes > maxConstantBytes && constantOrder.Last is { } last && !ReferenceEquals(last.Value.Host, tensor))
        {
            constantOrder.RemoveLast();
            constants.Remove(last.Value.Host);
            constantBytes -= last.Value.Value.Buffer.LengthInBytes;
            last.Value.Value.Buffer.Dispose();
        }

        return value;
    }

    /// <summary>Makes <paramref name="value"/> the authoritative content of <paramref name="tensor"/> (host copied lazily).</summary>
    internal void Attach(Tensor tensor, IlgpuTensor value, bool hostIsStale)
    {
        var data = new IlgpuDeviceData(this, value, job) { Host = tensor };
        live.Add(data);
        tensor.AttachDeviceData(data, hostIsStale);
    }

    internal void OnDeviceDataDisposed(IlgpuDeviceData data)
    {
        live.Remove(data);
        if (inJob && data.Job == job)
        {
            Operators.Release(data.Value);
        }
    }

    /// <summary>Per op type: how many node executions failed on the device (the job failed with DeviceFailed).</summary>
    public IReadOnlyDictionary<string, int> DeviceFailures
    {
        get
        {
            lock (statsLock)
            {
                return new Dictionary<string, int>(deviceFailures);
            }
        }
    }

    internal void CountDeviceFailure(string opType)
    {
        lock (statsLock)
        {
            deviceFailures[opType] = deviceFailures.GetValueOrDefault(opType) + 1;
        }
    }

    /// <summary>
    /// Test hook: called before each device-path node execution; an exception it throws is treated as one the device threw
    /// (how the tests drive the out-of-memory / JIT / launch-failure paths without a GPU). Null in production.
    /// </summary>
    internal Action<OperatorNode>? DeviceFaultInjector { get; set; }

    internal void CountRun(string opType, bool onDevice)
    {
        lock (statsLock)
        {
            var table = onDevice ? deviceRuns : fallbacks;
            table[opType] = table.GetValueOrDefault(opType) + 1;
        }
    }

    private void EndJob()
    {
        try
        {
            // The one wait for the job's stream; then values still on the device (graph outputs, constants we uploaded)
            // get their host copy, and every buffer of the job goes back to the pool and is zeroed.
            Device.Stream.Synchronize();
            foreach (var data in live.ToArray())
            {
                if (data.Host is { } host && ReferenceEquals(host.DeviceData, data))
                {
                    host.ReleaseDeviceData();
                }
                else
                {
                    data.Dispose();
                }
            }

            live.Clear();
            inJob = false;
            Device.EndJob();
        }
        catch (Exception ex) when (IlgpuErrors.ToComputeException(ex, "end of job (device buffers zeroed)", Name) is { } failure)
        {
            throw failure;
        }
        finally
        {
            jobGate.Release();
        }
    }

    private sealed class JobScope(IlgpuBackend backend) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                backend.EndJob();
            }
        }
    }
}
