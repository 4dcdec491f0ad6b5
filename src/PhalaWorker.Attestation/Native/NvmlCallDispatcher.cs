using System.Collections.Concurrent;
using System.Globalization;
using PhalaWorker.Attestation.Gpu.Nvml;

namespace PhalaWorker.Attestation.Native;

/// <summary>
/// Runs every NVML call of one <see cref="NvmlLibrary"/> on a dedicated background thread and waits for it with a
/// deadline. A driver call that hangs (a wedged GPU, a stuck RM) cannot be interrupted, so on a timeout the caller gets
/// <see cref="NvmlErrorReason.Timeout"/>, the thread is abandoned where it is, and every later call fails at once: the
/// agent never blocks on NVML and never issues a second call into a driver that is already stuck. Native buffers are
/// allocated and freed inside the work item, so an abandoned call never writes into freed memory.
/// </summary>
internal sealed class NvmlCallDispatcher : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new(boundedCapacity: 64);
    private readonly Thread _thread;
    private readonly TimeSpan _timeout;
    private volatile string? _hungOperation;
    private int _disposed;

    public NvmlCallDispatcher(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
        _thread = new Thread(Run) { IsBackground = true, Name = "NVML" };
        _thread.Start();
    }

    /// <summary>The per-call deadline.</summary>
    public TimeSpan Timeout => _timeout;

    /// <summary>The operation that exceeded its deadline (after which no call is made), or null.</summary>
    public string? HungOperation => _hungOperation;

    /// <summary>Runs <paramref name="call"/> on the NVML thread; throws <see cref="NvmlException"/> (Timeout) past the deadline.</summary>
    public T Invoke<T>(string operation, Func<T> call, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_hungOperation is { } hung)
        {
            throw new NvmlException(NvmlErrorReason.Timeout, $"{operation}: not called, an earlier NVML call ({hung}) is still running past its {Seconds(_timeout)} deadline; NVML is treated as hung.");
        }

        var item = new WorkItem<T>(call);
        if (!_queue.TryAdd(item.Run))
        {
            item.Dispose();
            throw new NvmlException(NvmlErrorReason.Timeout, $"{operation}: the NVML call queue is full.");
        }

        if (!item.Done.Wait(_timeout, ct))
        {
            // The item stays referenced by the NVML thread and is left to the GC (its event may still be set).
            _hungOperation ??= operation;
            throw new NvmlException(NvmlErrorReason.Timeout, $"{operation} did not return within {Seconds(_timeout)}; NVML is treated as hung and no further calls are made.");
        }

        using (item)
        {
            item.Error?.Throw();
            return item.Result!;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.CompleteAdding();
        // A thread stuck in the driver is left behind (background); its queue stays alive for it.
        if (_hungOperation is null && _thread.Join(_timeout))
        {
            _queue.Dispose();
        }
    }

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private sealed class WorkItem<T>(Func<T> call) : IDisposable
    {
        public ManualResetEventSlim Done { get; } = new();

        public T? Result { get; private set; }

        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Error { get; private set; }

        public void Run()
        {
            try
            {
                Result = call();
            }
            catch (Exception ex)
            {
                Error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                Done.Set();
            }
        }

        public void Dispose() => Done.Dispose();
    }

    private void Run()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            item();
        }
    }
}
