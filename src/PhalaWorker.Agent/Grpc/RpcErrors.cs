using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using PhalaWorker.Protocol.Wire;

namespace PhalaWorker.Agent.Grpc;

/// <summary>
/// The one way handlers refuse a call: a status code, a stable machine-readable reason from <see cref="ReasonCodes"/>
/// (trailer <see cref="ReasonCodes.Trailer"/>, also prefixed to the detail as <c>REASON: text</c>) and a human-readable
/// detail. Never carries plaintext.
/// </summary>
internal static class RpcErrors
{
    public const string ReasonTrailer = ReasonCodes.Trailer;

    public const string RetryAfterTrailer = ReasonCodes.RetryAfterTrailer;

    public static RpcException Create(StatusCode code, string reason, string detail) =>
        new(new Status(code, ReasonCodes.Format(reason, detail)), new Metadata { { ReasonTrailer, reason } });

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
