using System.Diagnostics.CodeAnalysis;
using Grpc.Core;

namespace PhalaWorker.Agent.Grpc;

/// <summary>
/// The one way handlers refuse a call: a status code, a stable machine-readable reason (trailer <c>phala-reason</c>,
/// also prefixed to the detail as <c>REASON: text</c>) and a human-readable detail. Never carries plaintext.
/// </summary>
internal static class RpcErrors
{
    public const string ReasonTrailer = "phala-reason";

    /// <summary>Trailer with a refusal's retry hint, in milliseconds (decimal), sent with the abuse-limit refusals below.</summary>
    public const string RetryAfterTrailer = "phala-retry-after-ms";

    /// <summary>RESOURCE_EXHAUSTED: the client (by peer address) called faster than its token bucket allows.</summary>
    public const string RateLimited = "RATE_LIMITED";

    /// <summary>RESOURCE_EXHAUSTED: the client (by peer address) has as many calls in flight as it may.</summary>
    public const string ConcurrencyLimited = "CONCURRENCY_LIMITED";

    /// <summary>RESOURCE_EXHAUSTED: the job has as many WatchJob streams open as one job may.</summary>
    public const string WatchLimitPerJob = "WATCH_LIMIT_PER_JOB";

    /// <summary>RESOURCE_EXHAUSTED: the node has as many WatchJob streams open as it may.</summary>
    public const string WatchLimitTotal = "WATCH_LIMIT_TOTAL";

    public static RpcException Create(StatusCode code, string reason, string detail) =>
        new(new Status(code, $"{reason}: {detail}"), new Metadata { { ReasonTrailer, reason } });

    [DoesNotReturn]
    public static void InvalidArgument(string reason, string detail) => throw Create(StatusCode.InvalidArgument, reason, detail);

    [DoesNotReturn]
    public static void NotFound(string reason, string detail) => throw Create(StatusCode.NotFound, reason, detail);

    [DoesNotReturn]
    public static void AlreadyExists(string reason, string detail) => throw Create(StatusCode.AlreadyExists, reason, detail);

    [DoesNotReturn]
    public static void FailedPrecondition(string reason, string detail) => throw Create(StatusCode.FailedPrecondition, reason, detail);

    [DoesNotReturn]
    public static void PermissionDenied(string reason, string detail) => throw Create(StatusCode.PermissionDenied, reason, detail);

    [DoesNotReturn]
    public static void ResourceExhausted(string reason, string detail) => throw Create(StatusCode.ResourceExhausted, reason, detail);

    [DoesNotReturn]
    public static void Unavailable(string reason, string detail) => throw Create(StatusCode.Unavailable, reason, detail);
}
