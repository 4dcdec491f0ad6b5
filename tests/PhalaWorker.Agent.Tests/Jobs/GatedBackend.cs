using PhalaWorker.Compute;
using PhalaWorker.Compute.Backends;
using PhalaWorker.Compute.Graph;

namespace PhalaWorker.Agent.Tests.Jobs;

/// <summary>
/// The real CPU backend, with a gate at the start of every job's execution: the test decides when jobs may compute, and
/// sees how many are inside at once. A hand-written fake at a true edge (the compute device), CONVENTIONS.md 20.
/// </summary>
internal sealed class GatedBackend(ComputeOptions options) : IComputeBackend
{
    private readonly IComputeBackend _inner = ComputeBackendRegistry.Create("cpu", options);
    private readonly SemaphoreSlim _gate = new(0);
    private int _inside;
    private int _maxInside;
    private int _entered;

    public string Name => _inner.Name;

    /// <summary>Jobs that reached the gate so far.</summary>
    public int Entered => Volatile.Read(ref _entered);

    /// <summary>Most jobs inside (waiting at the gate or computing) at once.</summary>
    public int MaxInside => Volatile.Read(ref _maxInside);

    public IOperatorKernel? TryCreateKernel(OperatorNode node) => _inner.TryCreateKernel(node);

    public IDisposable BeginJob()
    {
        var inside = Interlocked.Increment(ref _inside);
        int max;
        while (inside > (max = Volatile.Read(ref _maxInside)) && Interlocked.CompareExchange(ref _maxInside, inside, max) != max)
        {
        }

        Interlocked.Increment(ref _entered);
        _gate.Wait();
        var job = _inner.BeginJob();
        return new Exit(this, job);
    }

    /// <summary>Lets <paramref name="count"/> jobs through (or every job from now on with <see cref="Open"/>).</summary>
    public void Release(int count) => _gate.Release(count);

    public void Open() => _gate.Release(100_000);

    public async Task WaitEnteredAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (Entered < count)
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        _inner.Dispose();
    }

    private sealed class Exit(GatedBackend owner, IDisposable job) : IDisposable
    {
        public void Dispose()
        {
            job.Dispose();
            Interlocked.Decrement(ref owner._inside);
        }
    }
}
