using System.Globalization;
using System.Threading.RateLimiting;
using Grpc.Core;
using Microsoft.AspNetCore.RateLimiting;
using PhalaWorker.Agent.Grpc;
using PhalaWorker.Agent.Telemetry;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Limits;

/// <summary>
/// The per-client limits on the gRPC services, as one <see cref="PartitionedRateLimiter{TResource}"/> for ASP.NET Core's rate
/// limiting middleware, which runs before the request body is read (a refused SubmitJob costs no 64 MiB parse). Two limiters
/// are chained, both partitioned by <see cref="ClientKey"/> and by method class (SubmitJob, or any other gRPC method): a
/// concurrency limiter (calls in flight, no queue) and a token bucket (calls per second, with a burst). gRPC health and the
/// HTTP/1.1 metrics and probe endpoints are not limited. A refusal is answered as gRPC does (trailers-only:
/// <c>RESOURCE_EXHAUSTED</c>, <c>phala-reason</c> <see cref="ReasonCodes.RateLimited"/> or <see cref="ReasonCodes.ConcurrencyLimited"/>,
/// and the retry hint <see cref="RpcErrors.RetryAfterTrailer"/> in milliseconds).
/// </summary>
internal static class RequestLimiter
{
    /// <summary>The refill step of the token buckets.</summary>
    public static readonly TimeSpan ReplenishmentPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>The hint given with a concurrency refusal (one call of the client's has to finish first).</summary>
    public static readonly TimeSpan ConcurrencyRetryAfter = TimeSpan.FromMilliseconds(250);

    private static readonly string SubmitJobPath = "/" + Protocol.V1.Jobs.Descriptor.FullName + "/SubmitJob";

    /// <summary>RunJobs: one call of the Submit class (its concurrency permit held while it is open); each job on it spends a submit token.</summary>
    internal static readonly string RunJobsPath = "/" + Protocol.V1.Jobs.Descriptor.FullName + "/RunJobs";

    private static readonly string HealthPrefix = "/" + global::Grpc.Health.V1.Health.Descriptor.FullName + "/";

    private enum MethodClass
    {
        None,
        Submit,
        Other,
    }

    /// <summary>Configures the middleware from <paramref name="limits"/>.</summary>
    public static void Configure(RateLimiterOptions options, LimitsOptions limits, SubmitRateLimiter submitRate, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(limits);
        var logger = loggerFactory.CreateLogger(typeof(RequestLimiter).FullName!);
        options.RejectionStatusCode = StatusCodes.Status200OK; // gRPC carries its status in grpc-status
        options.GlobalLimiter = Create(limits, submitRate);
        options.OnRejected = (context, _) =>
        {
            Reject(context.HttpContext, context.Lease, logger);
            return ValueTask.CompletedTask;
        };
    }

    /// <summary>The limiter with submit buckets of its own (tests).</summary>
    internal static PartitionedRateLimiter<HttpContext> Create(LimitsOptions limits) => Create(limits, new SubmitRateLimiter(limits), ownsSubmitRate: true);

    internal static PartitionedRateLimiter<HttpContext> Create(LimitsOptions limits, SubmitRateLimiter submitRate, bool ownsSubmitRate = false)
    {
        var concurrency = PartitionedRateLimiter.Create<HttpContext, string>(context => Classify(context, limits) switch
        {
            (MethodClass.Submit, var client) => RateLimitPartition.GetConcurrencyLimiter("submit " + client, _ => Concurrency(limits.SubmitConcurrency)),
            (MethodClass.Other, var client) => RateLimitPartition.GetConcurrencyLimiter("other " + client, _ => Concurrency(limits.OtherConcurrency)),
            _ => RateLimitPartition.GetNoLimiter(""),
        });
        var rate = PartitionedRateLimiter.Create<HttpContext, string>(context => Classify(context, limits) switch
        {
            (MethodClass.Other, var client) => RateLimitPartition.GetTokenBucketLimiter("other " + client, _ => Bucket(limits.OtherPerSecond, limits.OtherBurst)),
            _ => RateLimitPartition.GetNoLimiter(""),
        });
        // The submit buckets are the ones RunJobs spends from per job (SubmitRateLimiter), shared, not owned here.
        var submit = submitRate.Limiter.WithTranslatedKey<HttpContext>(context => Classify(context, limits) is (MethodClass.Submit, var client) ? client : "", leaveOpen: !ownsSubmitRate);

        // Concurrency first: a call refused for being one too many spends no token.
        return PartitionedRateLimiter.CreateChained(concurrency, rate, submit);
    }

    private static (MethodClass Class, string Client) Classify(HttpContext context, LimitsOptions limits)
    {
        if (!limits.RateLimitsEnabled)
        {
            return (MethodClass.None, "");
        }

        var path = context.Request.Path.Value ?? "";
        var isGrpc = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
        if (!isGrpc || path.StartsWith(HealthPrefix, StringComparison.Ordinal))
        {
            return (MethodClass.None, "");
        }

        var client = ClientKey.Of(context.Connection.RemoteIpAddress, limits.Ipv6PrefixLength);
        var submits = string.Equals(path, SubmitJobPath, StringComparison.Ordinal) || string.Equals(path, RunJobsPath, StringComparison.Ordinal);
        return (submits ? MethodClass.Submit : MethodClass.Other, client);
    }

    private static ConcurrencyLimiterOptions Concurrency(int permits) =>
        new() { PermitLimit = permits, QueueLimit = 0, QueueProcessingOrder = QueueProcessingOrder.OldestFirst };

    /// <summary>
    /// A bucket of <paramref name="burst"/> tokens refilled at <paramref name="perSecond"/>: every 100 ms, or, below 10 per
    /// second, one token every 1/<paramref name="perSecond"/> s (a 100 ms step of one token would be 10 per second).
    /// </summary>
    internal static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(perSecond * ReplenishmentPeriod.TotalSeconds)),
        ReplenishmentPeriod = perSecond * ReplenishmentPeriod.TotalSeconds < 1 ? TimeSpan.FromSeconds(1.0 / perSecond) : ReplenishmentPeriod,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static void Reject(HttpContext context, RateLimitLease lease, ILogger logger)
    {
        var rateLimited = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);
        var reason = rateLimited ? ReasonCodes.RateLimited : ReasonCodes.ConcurrencyLimited;
        var wait = rateLimited ? retryAfter : ConcurrencyRetryAfter;
        var waitMs = Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds));
        var client = ClientKey.Of(context.Connection.RemoteIpAddress, 128);
        var detail = rateLimited
            ? $"too many calls from this client; retry after {waitMs} ms"
            : $"too many calls from this client in flight at once; retry after {waitMs} ms or once one finishes";

        // Trailers-only response (what Grpc.AspNetCore itself sends for an error before any message): status in the headers.
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)StatusCode.ResourceExhausted).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = $"{reason}: {detail}";
        response.Headers[RpcErrors.ReasonTrailer] = reason;
        response.Headers[RpcErrors.RetryAfterTrailer] = waitMs.ToString(CultureInfo.InvariantCulture);

        // A flood must not flood the log: Debug only, and a metric.
        AgentLog.CallLimited(logger, context.Request.Path.Value ?? "", client, reason, waitMs);
        AgentTelemetry.RpcRefusals.Add(1, new KeyValuePair<string, object?>("code", nameof(StatusCode.ResourceExhausted)));
    }
}
