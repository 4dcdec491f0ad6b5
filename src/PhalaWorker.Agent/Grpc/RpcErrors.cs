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

    /// <summary>A job names a model (ModelReference) the node does not hold: upload it again (UploadModel) and resubmit.</summary>
    public const string ModelNotCached = "MODEL_NOT_CACHED";

    /// <summary>A job carries both an inline model and a model reference.</summary>
    public const string ModelAmbiguous = "MODEL_AMBIGUOUS";

    /// <summary>A ModelReference's model_hash or model_secret, or an upload's model_secret, is not 32 bytes.</summary>
    public const string ModelReferenceLength = "MODEL_REF_LENGTH";

    /// <summary>An UploadModel upload_id is not 32 bytes.</summary>
    public const string UploadIdLength = "UPLOAD_ID_LENGTH";

    /// <summary>Every envelope-opening slot stayed busy for the queue wait.</summary>
    public const string IntakeBusy = "INTAKE_BUSY";

    /// <summary>A job ran longer than the node's per-job wall-clock limit (<c>Agent:JobTimeout</c>); a FAILED job's reason.</summary>
    public const string JobTimeout = "JOB_TIMEOUT";

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
