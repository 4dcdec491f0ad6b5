using ILGPU.Runtime;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// A tensor's value held in a pooled device buffer of one <see cref="IlgpuBackend"/>. Disposing it returns the buffer
/// to the job's pool; the backend releases any still attached when the job ends (after syncing the host copy).
/// </summary>
internal sealed class IlgpuDeviceData : ITensorDeviceData
{
    private readonly IlgpuBackend owner;
    private bool disposed;

    public IlgpuDeviceData(IlgpuBackend owner, IlgpuTensor value, long job)
    {
        this.owner = owner;
        Value = value;
        Job = job;
    }

    public IlgpuTensor Value { get; }

    /// <summary>The job whose pool the buffer belongs to.</summary>
    public long Job { get; }

    /// <summary>The host tensor this copy is attached to (set by the backend when attaching).</summary>
    public Tensor? Host { get; set; }

    public bool IsDisposed => disposed;

    public bool IsOwnedBy(IlgpuBackend backend, long job) => !disposed && ReferenceEquals(owner, backend) && Job == job;

    public void CopyToHost(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Value.Length > 0)
        {
            try
            {
                Value.View.SubView(0, Value.Length).CopyToCPU(owner.Device.Stream, tensor.AsSpan<float>()); // waits for the job's stream
            }
            catch (Exception ex) when (IlgpuErrors.ToComputeException(ex, "device → host copy", owner.Name) is { } failure)
            {
                throw failure; // a device fault surfaces here when kernels run asynchronously
            }

            owner.CountHostCopy();
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        owner.OnDeviceDataDisposed(this);
    }
}
