namespace PhalaWorker.Compute.Internal;

/// <summary>
/// The kernel threads all running jobs of one engine share (<see cref="ComputeOptions.EffectiveThreadBudget"/>). Each job
/// leases up to <see cref="ComputeOptions.EffectiveThreads"/> of them when it starts and returns them when it ends: one job
/// alone gets every core it may use, several concurrent jobs split the cores instead of each starting a thread per core
/// (N workers × N threads on N cores would oversubscribe the machine N-fold). A job never waits for threads: when the budget
/// is spent it runs on its own (worker) thread alone, so the threads of all running jobs together stay at most
/// max(budget, running jobs).
/// </summary>
internal sealed class IntraOpThreadBudget
{
    private readonly Lock _lock = new();
    private int _available;

    public IntraOpThreadBudget(int total)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        Total = total;
        _available = total;
    }

    /// <summary>The threads the budget holds.</summary>
    public int Total { get; }

    /// <summary>Threads leased at this moment (may exceed <see cref="Total"/> by the jobs that run on one thread each).</summary>
    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return Total - _available;
            }
        }
    }

    /// <summary>Leases at most <paramref name="wanted"/> threads, at least one; dispose the lease to return them.</summary>
    public Lease Acquire(int wanted)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1);
        lock (_lock)
        {
            var granted = Math.Max(1, Math.Min(wanted, _available));
            _available -= granted;
            return new Lease(this, granted);
        }
    }

    private void Release(int threads)
    {
        lock (_lock)
        {
            _available += threads;
        }
    }

    /// <summary>Threads one job holds until disposed.</summary>
    public sealed class Lease : IDisposable
    {
        private IntraOpThreadBudget? _budget;

        internal Lease(IntraOpThreadBudget budget, int threads)
        {
            _budget = budget;
            Threads = threads;
        }

        public int Threads { get; }

        public void Dispose() => Interlocked.Exchange(ref _budget, null)?.Release(Threads);
    }
}
