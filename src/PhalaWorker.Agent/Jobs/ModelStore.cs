using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PhalaWorker.Chain.Primitives;
using PhalaWorker.Compute;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// Models uploaded with UploadModel, loaded and planned, held in the TD's memory only (never written to disk), least
/// recently used first out when over <see cref="AgentOptions.MaxCachedModels"/> or <see cref="AgentOptions.MaxCachedModelBytes"/>.
/// An entry is found by the model's content address (keccak256 of the model) together with the uploader's model secret, so
/// knowing a model's hash is not enough to run it. Entries die with the process: after a restart (a new node identity anyway)
/// jobs naming them are refused with <c>MODEL_NOT_CACHED</c> and the SDK uploads again.
/// </summary>
internal sealed class ModelStore(IOptions<AgentOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private long _bytes;
    private long _uploads;

    /// <summary>Models added since start (uploads of a model not held under that secret).</summary>
    public long Uploads => Interlocked.Read(ref _uploads);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(Hash32 modelId, ReadOnlySpan<byte> modelSecret, out CachedModel model)
    {
        var key = Key(modelId, modelSecret);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                model = node.Value.Model;
                return true;
            }
        }

        model = default;
        return false;
    }

    /// <summary>Holds <paramref name="model"/> (of <paramref name="modelBytes"/> serialized bytes), evicting the least recently used as needed.</summary>
    public void Add(Hash32 modelId, ReadOnlySpan<byte> modelSecret, ComputeModel model, long modelBytes)
    {
        var key = Key(modelId, modelSecret);
        var limits = options.Value;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                _recency.Remove(existing);
                _recency.AddFirst(existing);
                return;
            }

            _uploads++;
            var node = _recency.AddFirst(new Entry(key, new CachedModel(model, modelId), modelBytes));
            _entries[key] = node;
            _bytes += modelBytes;
            while (_recency.Count > 1 && (_entries.Count > limits.MaxCachedModels || _bytes > limits.MaxCachedModelBytes))
            {
                var last = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(last.Value.Key);
                _bytes -= last.Value.Bytes;
            }
        }
    }

    private static string Key(Hash32 modelId, ReadOnlySpan<byte> modelSecret)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("phala-worker/v1 model store key"u8);
        hash.AppendData(modelId.AsSpan());
        hash.AppendData(modelSecret);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private sealed record Entry(string Key, CachedModel Model, long Bytes);
}

/// <summary>A loaded model and its content address (keccak256 of the serialized model), computed once.</summary>
internal readonly record struct CachedModel(ComputeModel Model, Hash32 ModelId);
