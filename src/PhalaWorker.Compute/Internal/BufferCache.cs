using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Compute.Internal;

/// <summary>
/// Arrays kept between jobs of one loaded model, so steady-state runs allocate nothing large (no LOH churn, no GC pauses).
/// Arrays enter the cache only after the job that used them zeroed them, so one job never sees another's data.
/// </summary>
internal sealed class BufferCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<DataType, List<Array>> _free = [];

    /// <summary>The smallest cached array of <paramref name="type"/> with at least <paramref name="length"/> elements, or null.</summary>
    public Array? Take(DataType type, int length)
    {
        lock (_lock)
        {
            return _free.TryGetValue(type, out var list) ? FreeArrayList.TakeBestFit(list, length) : null;
        }
    }

    /// <summary>Returns zeroed arrays to the cache.</summary>
    public void Return(DataType type, Array array)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(type, out var list))
            {
                _free[type] = list = [];
            }

            list.Add(array);
        }
    }
}
