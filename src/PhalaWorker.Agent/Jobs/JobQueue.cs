using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// Hands accepted jobs from the gRPC handlers to the <see cref="JobRunner"/>'s workers (CONVENTIONS.md 13).
/// Bounded: a full queue makes SubmitJob wait at most <see cref="AgentOptions.QueueWait"/>, then answer RESOURCE_EXHAUSTED.
/// </summary>
internal sealed class JobQueue
{
    private readonly Channel<byte[]> _channel;
    private readonly TimeSpan _wait;

    public int Capacity { get; }

    public JobQueue(IOptions<AgentOptions> options)
    {
        var value = options.Value;
        _wait = value.QueueWait;
        Capacity = value.MaxQueuedJobs;
        _channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(value.MaxQueuedJobs)
        {
            SingleReader = false,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<byte[]> Reader => _channel.Reader;

    /// <summary>Queues a job id; false when the queue stayed full for the configured wait.</summary>
    public async ValueTask<bool> TryEnqueueAsync(byte[] jobId, CancellationToken cancellationToken)
    {
        if (_channel.Writer.TryWrite(jobId))
        {
            return true;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_wait);
        try
        {
            await _channel.Writer.WriteAsync(jobId, timeout.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Queues a job recovered from the journal at start, waiting as long as needed.</summary>
    public ValueTask RequeueAsync(byte[] jobId, CancellationToken cancellationToken) => _channel.Writer.WriteAsync(jobId, cancellationToken);
}
