using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Internal;

/// <summary>
/// Per-job tensor memory: hands out arrays for node outputs, reuses them once the values holding them are dead
/// (reference counts per storage array, so views share liveness; a sequence value holds one reference to each of its
/// elements), enforces MaxTensorElements and
/// MaxPlannedMemoryBytes on every allocation, and zeroes everything it handed out when the job ends (<see cref="Dispose"/>,
/// after which the allocator may serve another job).
/// </summary>
internal sealed class TensorAllocator : IDisposable
{
    private long _maxElements;
    private long _maxBytes;
    private readonly Dictionary<Array, int> _refCounts = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Array> _owned = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<DataType, List<Array>> _free = [];
    private readonly List<Tensor> _temporaries = [];
    private readonly HashSet<ITensorDeviceData> _deviceData = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Array, DataType> _ownedTypes = new(ReferenceEqualityComparer.Instance);
    private readonly BufferCache? _cache;
    private readonly bool _poison;
    private long _allocatedBytes;

    public TensorAllocator(long maxElements, long maxBytes, BufferCache? cache = null, bool poisonUninitialized = false)
    {
        _poison = poisonUninitialized;
        _maxElements = maxElements;
        _maxBytes = maxBytes;
        _cache = cache;
    }

    /// <summary>Starts another job with this (pooled) allocator; the previous job must have ended with <see cref="Dispose"/>.</summary>
    public void Begin(long maxElements, long maxBytes)
    {
        _maxElements = maxElements;
        _maxBytes = maxBytes;
    }

    /// <summary>Threads that zero the job's buffers when it ends (the job's own thread count).</summary>
    public int ClearThreads { get; set; } = 1;

    /// <summary>Bytes of all arrays this job allocated (live or pooled).</summary>
    public long AllocatedBytes => _allocatedBytes;

    /// <summary>Highest number of arrays reused instead of allocated (for the plan log).</summary>
    public int ReuseCount { get; private set; }

    public Tensor Allocate(DataType type, TensorShape shape, OperatorNode? node, bool clear = true)
    {
        var count = shape.ElementCount;
        if (count > _maxElements)
        {
            throw new ComputeException(ComputeErrorReason.LimitExceeded,
                $"{node?.Display ?? "tensor"}: output {type}{shape} has {count} elements, over MaxTensorElements {_maxElements}");
        }

        var n = shape.Length;
        var array = TakeFree(type, n);
        if (array is null)
        {
            var cached = _cache?.Take(type, n);
            var bytes = (long)(cached?.Length ?? Math.Max(n, 1)) * DataTypes.SizeOf(type);
            if (_allocatedBytes + bytes > _maxBytes)
            {
                if (cached is not null)
                {
                    _cache!.Return(type, cached);
                }

                throw new ComputeException(ComputeErrorReason.LimitExceeded,
                    $"{node?.Display ?? "tensor"}: allocating {type}{shape} would use {_allocatedBytes + bytes} bytes, over MaxPlannedMemoryBytes {_maxBytes}");
            }

            // Cached arrays were zeroed when the previous job ended (Dispose) before going back to the cache.
            array = cached ?? DataTypes.NewArray(type, Math.Max(n, 1));

            _allocatedBytes += bytes;
            _owned.Add(array);
            _ownedTypes[array] = type;
        }
        else
        {
            if (clear)
            {
                Array.Clear(array, 0, n);
            }

            ReuseCount++;
        }

        var tensor = new Tensor(type, shape, array);
        if (!clear && _poison)
        {
            tensor.AsBytes().Fill(0xFF);
        }

        return tensor;
    }

    public Tensor AllocateTemporary(DataType type, TensorShape shape, OperatorNode? node)
    {
        var t = Allocate(type, shape, node, clear: false);
        Retain(t);
        _temporaries.Add(t);
        return t;
    }

    /// <summary>Releases the temporaries of the node that just ran.</summary>
    public void ReleaseTemporaries()
    {
        foreach (var t in _temporaries)
        {
            Release(t);
        }

        _temporaries.Clear();
    }

    /// <summary>One more value refers to <paramref name="tensor"/>'s storage.</summary>
    public void Retain(Tensor tensor)
    {
        var s = tensor.RawStorage;
        _refCounts[s] = _refCounts.GetValueOrDefault(s) + 1;
        if (tensor.IsSequence)
        {
            // A sequence keeps its elements alive: each reference to it is one reference to each element.
            foreach (var e in tensor.SequenceElements)
            {
                Retain(e);
            }

            return;
        }

        if (tensor.DeviceData is { } d)
        {
            _deviceData.Add(d);
        }
    }

    /// <summary>A value referring to <paramref name="tensor"/> died; its array returns to the pool when no value uses it.</summary>
    public void Release(Tensor tensor)
    {
        var s = tensor.RawStorage;
        if (!_refCounts.TryGetValue(s, out var c))
        {
            return;
        }

        if (tensor.IsSequence)
        {
            if (c > 1)
            {
                _refCounts[s] = c - 1;
            }
            else
            {
                _refCounts.Remove(s);
            }

            foreach (var e in tensor.SequenceElements)
            {
                Release(e);
            }

            return;
        }

        if (c > 1)
        {
            _refCounts[s] = c - 1;
            return;
        }

        _refCounts.Remove(s);
        var owned = _owned.Contains(s);
        if (tensor.DeviceData is { } d)
        {
            _deviceData.Remove(d);
            if (owned)
            {
                tensor.DiscardDeviceData(); // dead value: no device → host copy
            }
            else
            {
                tensor.ReleaseDeviceData();
            }
        }

        if (owned)
        {
            if (!_free.TryGetValue(tensor.DataType, out var list))
            {
                _free[tensor.DataType] = list = [];
            }

            list.Add(s);
        }
    }

    /// <summary>Device data attached after the tensor was retained (kernels attach before SetOutput, but be safe).</summary>
    public void Track(Tensor tensor)
    {
        if (tensor.DeviceData is { } d)
        {
            _deviceData.Add(d);
        }
    }

    private Array? TakeFree(DataType type, int n)
    {
        return _free.TryGetValue(type, out var list) ? FreeArrayList.TakeBestFit(list, n) : null;
    }

    public void Dispose()
    {
        foreach (var d in _deviceData)
        {
            d.Dispose();
        }

        _deviceData.Clear();
        if (ClearThreads > 1 && _owned.Count > 1 && _allocatedBytes >= 1 << 20)
        {
            var arrays = _owned.ToArray();
            ParallelLoop.For(arrays.Length, ClearThreads, i => Array.Clear(arrays[i]));
        }
        else
        {
            foreach (var a in _owned)
            {
                Array.Clear(a);
            }
        }

        foreach (var a in _owned)
        {
            _cache?.Return(_ownedTypes[a], a);
        }

        _ownedTypes.Clear();

        _owned.Clear();
        _free.Clear();
        _refCounts.Clear();
        _temporaries.Clear();
        _allocatedBytes = 0;
        ReuseCount = 0;
    }

    public override string ToString() => $"{_allocatedBytes} bytes, {ReuseCount} reuses";
}
