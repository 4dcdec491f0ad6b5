namespace PhalaWorker.Compute.Internal;

/// <summary>
/// Parallel loops over fixed partitions: work item i always computes the same outputs with the same reduction order,
/// so results never depend on the thread count.
/// </summary>
internal static class ParallelLoop
{
    /// <summary>Runs <paramref name="body"/> for 0..count-1 on up to <paramref name="threads"/> threads (inline when 1 or tiny).</summary>
    public static void For(int count, int threads, Action<int> body, CancellationToken cancellationToken = default)
    {
        if (threads <= 1 || count <= 1)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        if (SpinPool.TryRun(count, Math.Min(threads, count), body, cancellationToken))
        {
            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken }, body);
    }

    /// <summary>Splits [0, total) into chunks of at least <paramref name="minChunk"/> and runs them in parallel.</summary>
    public static void ForRange(long total, int threads, long minChunk, Action<long, long> body)
    {
        if (threads <= 1 || total <= minChunk)
        {
            body(0, total);
            return;
        }

        var chunks = (int)Math.Min(threads * 4L, (total + minChunk - 1) / minChunk);
        var size = (total + chunks - 1) / chunks;
        For(chunks, threads, c =>
        {
            var start = c * size;
            var end = Math.Min(total, start + size);
            if (start < end)
            {
                body(start, end);
            }
        });
    }

    /// <summary>
    /// Persistent worker threads that spin for a short while after each loop before they block, so the many short
    /// back-to-back loops of one inference (a fork per operator) do not pay a thread wake-up each, and a busy machine
    /// does not deschedule them between operators. One loop at a time; a concurrent or nested loop uses Parallel.For.
    /// The caller always takes part, so a loop completes even if no worker joins.
    /// </summary>
    private static class SpinPool
    {
        /// <summary>How long a worker spins for the next loop before it blocks (Stopwatch ticks for 200 µs).</summary>
        private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000;

        private static readonly Lock CreateLock = new();
        private static Worker[] _workers = [];
        private static int _busy;
        private static Job? _job;
        private static int _epoch;

        public static bool TryRun(int count, int threads, Action<int> body, CancellationToken cancellationToken)
        {
            if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            {
                return false;
            }

            try
            {
                var workers = EnsureWorkers(Math.Min(threads, Environment.ProcessorCount) - 1);
                var job = new Job(body, count, Math.Min(threads - 1, workers.Length), cancellationToken);
                Volatile.Write(ref _job, job);
                Interlocked.Increment(ref _epoch);
                for (var w = 0; w < job.MaxWorkers; w++)
                {
                    if (Interlocked.Exchange(ref workers[w].Sleeping, 0) == 1)
                    {
                        workers[w].Wake.Release();
                    }
                }

                job.Run();
                var spin = default(SpinWait);
                while (Volatile.Read(ref job.Done) < count)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                Volatile.Write(ref _job, null);
                if (job.Errors is { } errors)
                {
                    throw new AggregateException(errors);
                }

                cancellationToken.ThrowIfCancellationRequested();
                return true;
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }

        private static Worker[] EnsureWorkers(int wanted)
        {
            if (_workers.Length >= wanted)
            {
                return _workers;
            }

            lock (CreateLock)
            {
                if (_workers.Length < wanted)
                {
                    var grown = new Worker[wanted];
                    _workers.CopyTo(grown, 0);
                    for (var i = _workers.Length; i < wanted; i++)
                    {
                        var worker = new Worker();
                        grown[i] = worker;
                        new Thread(() => Loop(worker)) { IsBackground = true, Name = $"PhalaWorker.Compute loop {i}" }.Start();
                    }

                    _workers = grown;
                }

                return _workers;
            }
        }

        private static void Loop(Worker worker)
        {
            var seen = 0;
            while (true)
            {
                var spinUntil = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref _epoch) == seen)
                {
                    if (System.Diagnostics.Stopwatch.GetTimestamp() < spinUntil)
                    {
                        Thread.SpinWait(8);
                        continue;
                    }

                    // Announce the sleep with a full fence, then re-check: a caller that published after our check
                    // sees Sleeping = 1 and releases us; one that published before is seen here.
                    Interlocked.Exchange(ref worker.Sleeping, 1);
                    if (Volatile.Read(ref _epoch) != seen)
                    {
                        if (Interlocked.Exchange(ref worker.Sleeping, 0) == 0)
                        {
                            worker.Wake.Wait(); // the caller already released us: consume it
                        }

                        break;
                    }

                    worker.Wake.Wait();
                    spinUntil = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
                }

                seen = Volatile.Read(ref _epoch);
                if (Volatile.Read(ref _job) is { } job && Interlocked.Increment(ref job.Joined) <= job.MaxWorkers)
                {
                    job.Run();
                }
            }
        }

        /// <summary>A worker's wake-up handle.</summary>
        private sealed class Worker
        {
            public readonly SemaphoreSlim Wake = new(0);
            public int Sleeping;
        }

        /// <summary>One loop: items are claimed one at a time by the caller and up to MaxWorkers workers.</summary>
        private sealed class Job(Action<int> body, int count, int maxWorkers, CancellationToken cancellationToken)
        {
            public readonly int MaxWorkers = maxWorkers;
            public int Joined;
            public int Done;
            public List<Exception>? Errors;
            private readonly Lock _errorLock = new();
            private int _next;

            public void Run()
            {
                int i;
                while ((i = Interlocked.Increment(ref _next) - 1) < count)
                {
                    try
                    {
                        if (!cancellationToken.IsCancellationRequested)
                        {
                            body(i);
                        }
                    }
                    catch (Exception ex)
                    {
                        lock (_errorLock)
                        {
                            (Errors ??= []).Add(ex);
                        }
                    }
                    finally
                    {
                        Interlocked.Increment(ref Done);
                    }
                }
            }
        }
    }
}
