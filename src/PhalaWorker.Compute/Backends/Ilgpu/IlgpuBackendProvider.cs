namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>Serves "ilgpu-cpu" (always available) and "cuda" (when ILGPU finds a CUDA device).</summary>
internal sealed class IlgpuBackendProvider : IComputeBackendProvider
{
    public IReadOnlyList<string> Names { get; } = [IlgpuBackend.CpuAcceleratorName, IlgpuBackend.CudaName];

    public bool IsAvailable(string name, out string reason)
    {
        if (string.Equals(name, IlgpuBackend.CudaName, StringComparison.OrdinalIgnoreCase))
        {
            return IlgpuBackend.IsCudaAvailable(out reason);
        }

        reason = string.Empty;
        return string.Equals(name, IlgpuBackend.CpuAcceleratorName, StringComparison.OrdinalIgnoreCase);
    }

    public IComputeBackend Create(string name, ComputeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var backend = new IlgpuBackend(string.Equals(name, IlgpuBackend.CudaName, StringComparison.OrdinalIgnoreCase) ? IlgpuDeviceKind.Cuda : IlgpuDeviceKind.CpuAccelerator);
        backend.Device.CuBlasMode = CuBlasPolicy.Parse(options.CudaUseCuBlas);
        backend.Device.FloatPool.MaxFreeBytes = options.DevicePoolMaxBytes;
        backend.Device.IntPool.MaxFreeBytes = options.DevicePoolMaxBytes;
        return backend;
    }
}
