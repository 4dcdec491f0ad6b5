using System.Collections.Concurrent;
using System.Threading.Channels;
using PhalaWorker.Protocol.V1;

namespace PhalaWorker.Agent.Jobs;

/// <summary>In-process fan-out of job state changes to WatchJob streams.</summary>
internal sealed class JobEvents
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<JobEvent>, byte>> _watchers = new(StringComparer.Ordinal);

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
    public Subscription Subscribe(ReadOnlySpan<byte> jobId)
    {
        var key = Key(jobId);
        var channel = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });
        var set = _watchers.GetOrAdd(key, _ => new ConcurrentDictionary<Channel<JobEvent>, byte>());
        set[channel] = 0;
        return new Subscription(this, key, channel);
    }

    private void Unsubscribe(string key, Channel<JobEvent> channel)
    {
        if (_watchers.TryGetValue(key, out var set))
        {
            set.TryRemove(channel, out _);
            if (set.IsEmpty)
            {
                _watchers.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Channel<JobEvent>, byte>>(key, set));
            }
        }
    }

    private static string Key(ReadOnlySpan<byte> jobId) => Convert.ToHexString(jobId);

    internal sealed class Subscription(JobEvents owner, string key, Channel<JobEvent> channel) : IDisposable
    {
        public ChannelReader<JobEvent> Reader => channel.Reader;

        public void Dispose() => owner.Unsubscribe(key, channel);
    }
}
