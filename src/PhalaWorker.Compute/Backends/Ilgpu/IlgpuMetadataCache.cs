using ILGPU;
using ILGPU.Runtime;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// The kernel metadata (shapes, strides, batch offsets, convolution/pool geometry: small int arrays) of one plan node,
/// uploaded once into device buffers of its own and reused by every later run of the node with the same values. Created
/// with the node's device kernel when the plan is compiled for the backend; its buffers are freed when the plan (the
/// loaded model) is no longer referenced (checked at each job start) or with the backend. At most
/// <see cref="MaxEntries"/> distinct arrays per node (a node sees several only with changing input shapes); beyond that
/// the metadata is uploaded into a pooled buffer per launch, as without the cache.
/// </summary>
internal sealed class IlgpuMetadataCache : IDisposable
{
    /// <summary>Distinct metadata arrays kept per node.</summary>
    public const int MaxEntries = 8;

    private readonly List<(int[] Values, MemoryBuffer1D<int, Stride1D.Dense> Buffer)> entries = [];
    private bool disposed;

    public int Count => entries.Count;

    public long Bytes { get; private set; }

    public bool IsDisposed => disposed;

    /// <summary>The cached device copy of <paramref name="values"/>; uploads it (counted by the caller) when there is room.</summary>
    public bool TryGet(int[] values, out ArrayView<int> view)
    {
        foreach (var (cached, buffer) in entries)
        {
            if (cached.AsSpan().SequenceEqual(values))
            {
                view = buffer.View;
                return true;
            }
        }

        view = default;
        return false;
    }

    public bool HasRoom => !disposed && entries.Count < MaxEntries;

    public ArrayView<int> Add(Accelerator accelerator, AcceleratorStream stream, int[] values)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var buffer = accelerator.Allocate1D<int>(Math.Max(1, values.Length));
        try
        {
            if (values.Length > 0)
            {
                buffer.View.SubView(0, values.Length).CopyFromCPU(stream, values.AsSpan());
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        entries.Add(((int[])values.Clone(), buffer));
        Bytes += buffer.LengthInBytes;
        return buffer.View;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var (_, buffer) in entries)
        {
            buffer.Dispose();
        }

        entries.Clear();
        Bytes = 0;
    }
}
