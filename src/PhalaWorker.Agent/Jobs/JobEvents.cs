using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using PhalaWorker.Agent.Limits;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// In-process fan-out of job state changes to WatchJob streams, bounded three ways (<see cref="LimitsOptions"/>): streams per
/// job, streams in total, and events buffered per stream (a slow reader loses the oldest, never grows memory; states only
/// move forward, so it still sees the latest and the terminal one).
/// </summary>
internal sealed class JobEvents(IOptions<LimitsOptions> options)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<JobEvent>, byte>> _watchers = new(StringComparer.Ordinal);
    private readonly LimitsOptions _limits = options.Value;
    private readonly Lock _gate = new();
    private int _count;

    public JobEvents()
        : this(Options.Create(new LimitsOptions()))
    {
    }

    /// <summary>WatchJob streams subscribed now.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Publish(JobEvent jobEvent)
    {
        ArgumentNullException.ThrowIfNull(jobEvent);
        if (_watchers.TryGetValue(Key(jobEvent.JobId.Span), out var set))
        {
            foreach (var channel in set.Keys)
            {
                channel.Writer.TryWrite(jobEvent);
            }
        }
    }

    /// <summary>Subscribes before reading the current state, so no change between the two is missed.</summary>
    /// <exception cref="InvalidOperationException">A limit is reached (use <see cref="TrySubscribe"/> to tell which).</exception>
    public Subscription Subscribe(ReadOnlySpan<byte> jobId) =>
        TrySubscribe(jobId, out var refusal) ?? throw new InvalidOperationException($"watcher limit reached: {refusal}");

    /// <summary>
    /// Subscribes a job sent on a RunJobs call to its own end, outside the WatchJob limits: those jobs are bounded by
    /// <see cref="LimitsOptions.MaxJobsPerStream"/> per call and the calls by the per-client limits.
    /// </summary>
    public Subscription SubscribeStreamed(ReadOnlySpan<byte> jobId)
    {
        var key = Key(jobId);
        lock (_gate)
        {
            var channel = NewChannel();
            _watchers.GetOrAdd(key, _ => new ConcurrentDictionary<Channel<JobEvent>, byte>())[channel] = 0;
            return new Subscription(this, key, channel, counted: false);
        }
    }

    private Channel<JobEvent> NewChannel() => Channel.CreateBounded<JobEvent>(new BoundedChannelOptions(_limits.WatcherBuffer)
    {
        SingleReader = true,
        SingleWriter = false,
        FullMode = BoundedChannelFullMode.DropOldest,
    });

    /// <summary>Subscribes, or returns null with the limit that refused it.</summary>
    public Subscription? TrySubscribe(ReadOnlySpan<byte> jobId, out WatchRefusal refusal)
    {
        var key = Key(jobId);
        lock (_gate)
        {
            if (_count >= _limits.MaxWatchers)
            {
                refusal = WatchRefusal.NodeLimit;
                return null;
            }

            var set = _watchers.GetOrAdd(key, _ => new ConcurrentDictionary<Channel<JobEvent>, byte>());
            if (set.Count >= _limits.MaxWatchersPerJob)
            {
                refusal = WatchRefusal.JobLimit;
                return null;
            }

            var channel = NewChannel();
            set[channel] = 0;
            _count++;
            refusal = WatchRefusal.None;
            return new Subscription(this, key, channel, counted: true);
        }
    }

    private void Unsubscribe(string key, Channel<JobEvent> channel, bool counted)
    {
        lock (_gate)
        {
            if (_watchers.TryGetValue(key, out var set) && set.TryRemove(channel, out _))
            {
                if (counted)
                {
                    _count--;
                }

                if (set.IsEmpty)
                {
                    _watchers.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Channel<JobEvent>, byte>>(key, set));
                }
            }
        }
    }

    private static string Key(ReadOnlySpan<byte> jobId) => Convert.ToHexString(jobId);

    /// <summary>Why <see cref="TrySubscribe"/> refused.</summary>
    internal enum WatchRefusal
    {
        None,
        JobLimit,
        NodeLimit,
    }

    internal sealed class Subscription(JobEvents owner, string key, Channel<JobEvent> channel, bool counted) : IDisposable
    {
        private int _disposed;

        public ChannelReader<JobEvent> Reader => channel.Reader;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(key, channel, counted);
            }
        }
    }
}
