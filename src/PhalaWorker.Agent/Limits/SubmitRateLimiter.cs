using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace PhalaWorker.Agent.Limits;

/// <summary>
/// The per-client token buckets that every job submission spends from (<see cref="LimitsOptions.SubmitPerSecond"/>,
/// <see cref="LimitsOptions.SubmitBurst"/>): one bucket per <see cref="ClientKey"/>, shared by SubmitJob calls (through
/// <see cref="RequestLimiter"/>'s middleware) and each job sent on a RunJobs stream (by the handler, per message), so
/// that a client gets the same job rate whichever way it submits. The empty key is not limited (limits off, or a call
/// that is not a submission).
/// </summary>
internal sealed class SubmitRateLimiter : IDisposable
{
    public SubmitRateLimiter(IOptions<LimitsOptions> options)
        : this(options.Value)
    {
    }

    internal SubmitRateLimiter(LimitsOptions limits)
    {
        Limits = limits;
        Limiter = PartitionedRateLimiter.Create<string, string>(client => client.Length == 0
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetTokenBucketLimiter(client, _ => RequestLimiter.Bucket(limits.SubmitPerSecond, limits.SubmitBurst)));
    }

    public LimitsOptions Limits { get; }

    public PartitionedRateLimiter<string> Limiter { get; }

    /// <summary>One job's token for <paramref name="client"/> (its <see cref="ClientKey"/>); the lease says whether it passed.</summary>
    public RateLimitLease TryAcquire(string client) => Limiter.AttemptAcquire(Limits.RateLimitsEnabled ? client : "");

    public void Dispose() => Limiter.Dispose();
}
