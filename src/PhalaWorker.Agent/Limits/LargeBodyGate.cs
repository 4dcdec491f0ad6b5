using System.Runtime;
using Microsoft.Extensions.Options;

namespace PhalaWorker.Agent.Limits;

/// <summary>
/// The <see cref="LimitsOptions.MaxLargeBodies"/> slots large request bodies take while they are read and handled; and,
/// once the last large body is done and none came for <see cref="IdleDelay"/>, one compacting collection that gives the
/// freed memory back to the system (<see cref="LimitsOptions.ReleaseMemoryAfterLargeBodies"/>). Without it the buffers of a
/// burst of large messages (large-object heap, pooled arrays) stay committed until allocations trigger the next full
/// collection, which on an idle node is never: the agent stayed at 2.8–3 GB resident after four rounds of twenty 60 MiB calls.
/// </summary>
internal sealed class LargeBodyGate : IDisposable
{
    /// <summary>Quiet time after the last large body before memory is given back (back-to-back large calls collect once).</summary>
    public static readonly TimeSpan IdleDelay = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _slots;
    private readonly TimeProvider _timeProvider;
    private long _generation;
    private int _collections;

    public LargeBodyGate(IOptions<LimitsOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Options = options.Value;
        _timeProvider = timeProvider;
        _slots = new SemaphoreSlim(Options.MaxLargeBodies, Options.MaxLargeBodies);
    }

    public LimitsOptions Options { get; }

    /// <summary>Large bodies being read or handled at this moment.</summary>
    public int InUse => Options.MaxLargeBodies - _slots.CurrentCount;

    /// <summary>Collections made after large bodies (for tests and the README's figures).</summary>
    public int IdleCollections => Volatile.Read(ref _collections);

    /// <summary>Waits up to <see cref="LimitsOptions.LargeBodyWait"/> for a slot; false when none came free.</summary>
    public async Task<bool> TryEnterAsync(CancellationToken cancellationToken)
    {
        if (!await _slots.WaitAsync(Options.LargeBodyWait, cancellationToken))
        {
            return false;
        }

        Interlocked.Increment(ref _generation); // a pending idle collection waits for this body too
        return true;
    }

    public void Exit()
    {
        _slots.Release();
        if (Options.ReleaseMemoryAfterLargeBodies && InUse == 0)
        {
            _ = CollectWhenIdleAsync(Interlocked.Read(ref _generation));
        }
    }

    public void Dispose() => _slots.Dispose();

    private async Task CollectWhenIdleAsync(long generation)
    {
        await Task.Delay(IdleDelay, _timeProvider);
        // Only the last exit before a quiet period collects: a body that entered since has its own exit.
        if (InUse != 0 || Interlocked.CompareExchange(ref _generation, generation + 1, generation) != generation)
        {
            return;
        }

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Interlocked.Increment(ref _collections);
    }
}
