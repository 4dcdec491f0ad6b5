using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace PhalaWorker.Compute.Backends.Ilgpu;

/// <summary>
/// Per-backend pool of device buffers in power-of-two size classes (at least 256 elements), bounded by
/// <see cref="MaxFreeBytes"/>: the free buffers it keeps for later requests never exceed that many bytes once a job has
/// ended, and a fresh allocation first frees least-recently-returned buffers to stay under it (a job may still hold more
/// while it runs: what it rents is what it needs). A job rents and returns buffers freely; <see cref="EndJob"/> frees the
/// least recently used free buffers beyond the cap, then zeroes every kept buffer the job touched before any of them can be
/// handed out again, so one job never observes another job's data (a GPU host serves many submitters). Fresh
/// allocations are zeroed too. Not thread-safe: the backend serialises jobs.
/// </summary>
internal sealed class IlgpuBufferPool<T> : IDisposable
    where T : unmanaged
{
    private const long MinimumCapacity = 256;

    private readonly Accelerator accelerator;

    // Free buffers, least recently returned first.
    private readonly LinkedList<MemoryBuffer1D<T, Stride1D.Dense>> free = new();
    private readonly HashSet<MemoryBuffer1D<T, Stride1D.Dense>> touched = [];
    private readonly HashSet<MemoryBuffer1D<T, Stride1D.Dense>> rented = [];
    private long maxFreeBytes = long.MaxValue;
    private bool disposed;

    /// <summary>
    /// The stream of the running job (null: the accelerator's default stream). Fresh buffers are zeroed on it, so the
    /// clearing is ordered before the job's kernels; before freeing buffers mid-job it is synchronized (a free buffer may
    /// still be read by a kernel queued earlier on it).
    /// </summary>
    public AcceleratorStream? Stream { get; set; }

    public IlgpuBufferPool(Accelerator accelerator)
    {
        this.accelerator = accelerator;
    }

    /// <summary>Most bytes of free buffers kept between jobs (<see cref="ComputeOptions.DevicePoolMaxBytes"/>).</summary>
    public long MaxFreeBytes
    {
        get => maxFreeBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            maxFreeBytes = value;
        }
    }

    /// <summary>Number of buffers currently handed out.</summary>
    public int RentedCount => rented.Count;

    /// <summary>Number of buffers waiting in the free list.</summary>
    public int FreeCount => free.Count;

    /// <summary>Bytes of the buffers waiting in the free list.</summary>
    public long FreeBytes { get; private set; }

    /// <summary>Buffers freed (disposed) to keep the free list under <see cref="MaxFreeBytes"/>.</summary>
    public long TrimmedCount { get; private set; }

    /// <summary>Capacity of every buffer waiting in the free list (one entry per buffer), least recently used first.</summary>
    public IReadOnlyList<long> FreeCapacities() => [.. free.Select(b => b.Length)];

    /// <summary>Total device bytes owned by the pool (rented and free).</summary>
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
        var node = FindMostRecent(capacity);
        if (node is not null)
        {
            buffer = node.Value;
            free.Remove(node);
            FreeBytes -= buffer.LengthInBytes;
        }
        else
        {
            // Make room under the cap with the least recently used free buffers of other sizes before allocating.
            Trim(Math.Max(0, maxFreeBytes - (capacity * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())));

            // Fresh device memory is not cleared by the driver (it may hold whatever a previous allocation left).
            buffer = accelerator.Allocate1D<T>(capacity);
            buffer.MemSetToZero(Stream ?? accelerator.DefaultStream);
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

    /// <summary>
    /// Reclaims every buffer of the finished job, frees the least recently used free buffers beyond
    /// <see cref="MaxFreeBytes"/> and zeroes all kept memory the job touched.
    /// </summary>
    public void EndJob()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        foreach (var buffer in rented)
        {
            Push(buffer);
        }

        rented.Clear();
        Trim(maxFreeBytes);
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
        foreach (var buffer in free.Concat(rented))
        {
            buffer.Dispose();
        }

        free.Clear();
        rented.Clear();
        touched.Clear();
        FreeBytes = 0;
        AllocatedBytes = 0;
    }

    private LinkedListNode<MemoryBuffer1D<T, Stride1D.Dense>>? FindMostRecent(long capacity)
    {
        for (var node = free.Last; node is not null; node = node.Previous)
        {
            if (node.Value.Length == capacity)
            {
                return node;
            }
        }

        return null;
    }

    /// <summary>Disposes free buffers, least recently returned first, until at most <paramref name="keepBytes"/> remain free.</summary>
    private void Trim(long keepBytes)
    {
        if (FreeBytes > keepBytes && free.First is not null)
        {
            Stream?.Synchronize();
        }

        while (FreeBytes > keepBytes && free.First is { } oldest)
        {
            var buffer = oldest.Value;
            free.RemoveFirst();
            touched.Remove(buffer); // freed device memory is never handed out again; fresh allocations are zeroed
            FreeBytes -= buffer.LengthInBytes;
            AllocatedBytes -= buffer.LengthInBytes;
            TrimmedCount++;
            buffer.Dispose();
        }
    }

    private void Push(MemoryBuffer1D<T, Stride1D.Dense> buffer)
    {
        free.AddLast(buffer);
        FreeBytes += buffer.LengthInBytes;
    }
}
