using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PhalaWorker.Agent.Jobs;

/// <summary>
/// Accepted jobs already opened, waiting for the runner, bounded by <see cref="AgentOptions.MaxOpenedJobBytes"/> of plaintext:
/// a job that does not fit is not kept, and the runner opens its journaled envelope again when it gets to it (a large job,
/// where opening costs little next to running it).
/// </summary>
internal sealed class OpenedJobs(IOptions<AgentOptions> options)
{
    private readonly ConcurrentDictionary<string, OpenedJob> _jobs = new(StringComparer.Ordinal);
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Keeps <paramref name="job"/> until the runner takes it; false when it would go over the budget.</summary>
    public bool TryAdd(OpenedJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (Interlocked.Add(ref _bytes, job.Bytes) > options.Value.MaxOpenedJobBytes || !_jobs.TryAdd(Key(job.JobId), job))
        {
            Interlocked.Add(ref _bytes, -job.Bytes);
            return false;
        }

        return true;
    }

    public OpenedJob? TryTake(byte[] jobId)
    {
        if (_jobs.TryRemove(Key(jobId), out var job))
        {
            Interlocked.Add(ref _bytes, -job.Bytes);
            return job;
        }

        return null;
    }

    private static string Key(byte[] jobId) => Convert.ToHexString(jobId);
}
