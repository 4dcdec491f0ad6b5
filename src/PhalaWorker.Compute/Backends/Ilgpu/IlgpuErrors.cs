using ILGPU;
using ILGPU.Backends;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// Turns what ILGPU and CUDA throw (out of memory, PTX JIT/compilation failures, launches refused for their grid or group
/// size, device faults) into <see cref="ComputeException"/> with <see cref="ComputeErrorReason.DeviceFailed"/>, naming the
/// node, the backend and what went wrong, so the job fails with a reason instead of escaping as a raw exception or being
/// retried on the CPU. The message carries ILGPU's text and the exception type only (never tensor contents).
/// </summary>
internal static class IlgpuErrors
{
    /// <summary>What kind of device failure <paramref name="exception"/> is; null when it is not one (a bug or a domain error).</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        ComputeException or OperationCanceledException or IlgpuUnsupportedException => null,
        OutOfMemoryException => "out of device memory",
        CudaException cuda when cuda.Error.ToString().Contains("OUT_OF_MEMORY", StringComparison.Ordinal) => "out of device memory",
        CudaException cuda when cuda.Error.ToString().Contains("LAUNCH", StringComparison.Ordinal) => "kernel launch failed",
        CudaException cuda when cuda.Error.ToString().Contains("PTX", StringComparison.Ordinal) || cuda.Error.ToString().Contains("JIT", StringComparison.Ordinal)
            || cuda.Error.ToString().Contains("INVALID_IMAGE", StringComparison.Ordinal) || cuda.Error.ToString().Contains("NO_BINARY", StringComparison.Ordinal)
            => "PTX JIT compilation failed",
        CudaException => "CUDA error",
        CuBlasException => "cuBLAS error",
        InternalCompilerException or InvalidCodeGenerationException or NotSupportedIntrinsicException or CapabilityNotSupportedException
            => "kernel compilation failed",
        InvalidKernelOperationException => "kernel launch failed",
        AcceleratorException => "accelerator error",
        ArgumentException => "kernel launch refused (grid, group or buffer size beyond the device's limits)",
        InvalidOperationException or NotSupportedException => "accelerator error",
        _ => null,
    };

    /// <summary>The domain exception for a device failure at <paramref name="where"/>, or null when <paramref name="exception"/> is not one.</summary>
    public static ComputeException? ToComputeException(Exception exception, string where, string backend)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Describe(exception) is { } kind
            ? new ComputeException(ComputeErrorReason.DeviceFailed, $"{where}: {kind} on backend '{backend}' ({exception.GetType().Name}: {exception.Message})", exception)
            : null;
    }
}
