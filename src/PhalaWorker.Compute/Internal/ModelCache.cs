namespace PhalaWorker.Compute.Internal;

/// <summary>
/// Least-recently-used cache of loaded models keyed by the SHA-256 of their bytes, bounded by entry count and by the
/// constant bytes the models hold. Thread-safe.
/// </summary>
internal sealed class ModelCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, ComputeModel Model)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, ComputeModel Model)> _order = new(); // most recent first
    private readonly int _maxEntries;
    private readonly long _maxBytes;
    private long _bytes;

    public ModelCache(int maxEntries, long maxBytes)
    {
        _maxEntries = maxEntries;
        _maxBytes = maxBytes;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(string key, out ComputeModel model)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                model = node.Value.Model;
                return true;
            }
        }

        model = null!;
        return false;
    }

    /// <summary>Adds <paramref name="model"/> (evicting the least recently used) unless it alone is over the byte bound.</summary>
    public void Add(string key, ComputeModel model)
    {
        if (_maxEntries <= 0 || model.ConstantBytes > _maxBytes)
        {
            return;
        }

        lock (_lock)
        {
            if (_entries.ContainsKey(key))
            {
                return;
            }

            _entries[key] = _order.AddFirst((key, model));
            _bytes += model.ConstantBytes;
            while (_entries.Count > _maxEntries || _bytes > _maxBytes)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _entries.Remove(last.Value.Key);
                _bytes -= last.Value.Model.ConstantBytes;
            }
        }
    }
}
