using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// Per-backend pool of device buffers, bucketed by power-of-two capacity. A job rents and returns buffers freely;
/// <see cref="EndJob"/> zeroes every buffer the job touched before any of them can be handed out again, so one job
/// never observes another job's data (a GPU host serves many submitters). Not thread-safe: the backend serialises jobs.
/// </summary>
internal sealed class IlgpuBufferPool<T> : IDisposable
    where T : unmanaged
{
    private const long MinimumCapacity = 256;

    private readonly Accelerator accelerator;
    private readonly Dictionary<long, Stack<MemoryBuffer1D<T, Stride1D.Dense>>> free = [];
    private readonly HashSet<MemoryBuffer1D<T, Stride1D.Dense>> touched = [];
    private readonly HashSet<MemoryBuffer1D<T, Stride1D.Dense>> rented = [];
    private bool disposed;

    public IlgpuBufferPool(Accelerator accelerator)
    {
        this.accelerator = accelerator;
    }

    /// <summary>Number of buffers currently handed out.</summary>
    public int RentedCount => rented.Count;

    /// <summary>Number of buffers waiting in the free lists.</summary>
    public int FreeCount => free.Values.Sum(s => s.Count);

    /// <summary>Capacity of every buffer waiting in the free lists (one entry per buffer).</summary>
    public IReadOnlyList<long> FreeCapacities() => [.. free.SelectMany(p => Enumerable.Repeat(p.Key, p.Value.Count))];

    /// <summary>Total device bytes owned by the pool.</summary>
    public long AllocatedBytes { get; private set; }

    public static long BucketCapacity(long length) =>
        length <= MinimumCapacity ? MinimumCapacity : (long)BitOperations.RoundUpToPowerOf2((ulong)length);

    /// <summary>Rents a buffer of at least <paramref name="length"/> elements; its content is zero or this job's own data.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Rent(long length)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long capacity = BucketCapacity(length);
        MemoryBuffer1D<T, Stride1D.Dense> buffer;
        if (free.TryGetValue(capacity, out var stack) && stack.Count > 0)
        {
            buffer = stack.Pop();
        }
        else
        {
            // Fresh device memory is not cleared by the driver (it may hold whatever a previous allocation left).
            buffer = accelerator.Allocate1D<T>(capacity);
            buffer.MemSetToZero();
            AllocatedBytes += buffer.LengthInBytes;
        }

        rented.Add(buffer);
        touched.Add(buffer);
        return buffer;
    }

    /// <summary>Returns a buffer for reuse within the current job (it is zeroed at <see cref="EndJob"/>).</summary>
    public void Return(MemoryBuffer1D<T, Stride1D.Dense> buffer)
    {
        if (!rented.Remove(buffer))
        {
            throw new InvalidOperationException("The buffer was not rented from this pool or was already returned.");
        }

        Push(buffer);
    }

    /// <summary>Reclaims every buffer of the finished job and zeroes all memory it touched.</summary>
    public void EndJob()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        foreach (var buffer in rented)
        {
            Push(buffer);
        }

        rented.Clear();
        foreach (var buffer in touched)
        {
            buffer.MemSetToZero();
        }

        touched.Clear();
        accelerator.Synchronize();
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var buffer in free.Values.SelectMany(s => s).Concat(rented))
        {
            buffer.Dispose();
        }

        free.Clear();
        rented.Clear();
        touched.Clear();
    }

    private void Push(MemoryBuffer1D<T, Stride1D.Dense> buffer)
    {
        if (!free.TryGetValue(buffer.Length, out var stack))
        {
            stack = new Stack<MemoryBuffer1D<T, Stride1D.Dense>>();
            free[buffer.Length] = stack;
        }

        stack.Push(buffer);
    }
}
