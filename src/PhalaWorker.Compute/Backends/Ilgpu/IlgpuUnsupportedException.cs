namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// Thrown by the ILGPU device path before it launches anything, for a shape or attribute its kernels do not cover; the node
/// then runs on its CPU kernel (which computes it or reports the problem exactly as the CPU backend does). Every other
/// exception from the device path is a device failure (<see cref="IlgpuErrors"/>), never a fallback.
/// </summary>
internal sealed class IlgpuUnsupportedException : Exception
{
    public IlgpuUnsupportedException()
    {
    }

    public IlgpuUnsupportedException(string message)
        : base(message)
    {
    }

    public IlgpuUnsupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
