using Grpc.Core;

namespace PhalaWorker.Protocol.Wire;

/// <summary>
/// The node API's reason codes, defined once for the agent (which refuses and fails jobs with them) and the SDK (which
/// classifies what it is told). On the wire:
/// <code>
/// a refused call : gRPC status (see <see cref="Refusals"/>), trailer "phala-reason" = CODE, status detail = "CODE: human text"
/// a FAILED job   : JobResult.error = JobEvent.detail = "CODE: human text"   (CODE from <see cref="Failures"/>)
/// </code>
/// A code is upper case ASCII letters, digits and underscores; it never changes meaning, and one code always comes with
/// the same status. The human text never names anything from inside an encrypted job. <c>proto/README.md</c> carries the
/// same tables (a test compares them).
/// </summary>
public static class ReasonCodes
{
    /// <summary>The response trailer that carries a refusal's code.</summary>
    public const string Trailer = "phala-reason";

    /// <summary>The response trailer with an abuse-limit refusal's retry hint, in milliseconds (decimal ASCII).</summary>
    public const string RetryAfterTrailer = "phala-retry-after-ms";

    /// <summary>The prefix of the codes of an envelope that does not open: <c>ENVELOPE_</c> + the crypto failure in upper snake case.</summary>
    public const string EnvelopePrefix = "ENVELOPE_";

    /// <summary>The prefix of the codes of a model that is refused or fails: <c>MODEL_</c> + the compute failure in upper snake case.</summary>
    public const string ModelPrefix = "MODEL_";

    // GetAttestation
    public const string NonceLength = "NONCE_LENGTH";
    public const string NotAttested = "NOT_ATTESTED";
    public const string GpuEvidenceUnavailable = "GPU_EVIDENCE_UNAVAILABLE";
    public const string QuoteFormat = "QUOTE_FORMAT";

    // SubmitJob: the call and the envelope's framing
    public const string NodeStopping = "NODE_STOPPING";
    public const string NotRegistered = "NOT_REGISTERED";
    public const string JobIdLength = "JOB_ID_LENGTH";
    public const string JobIdInUse = "JOB_ID_IN_USE";
    public const string QueueFull = "QUEUE_FULL";
    public const string NodeKeyChanged = "NODE_KEY_CHANGED";
    public const string EnvelopeMissing = "ENVELOPE_MISSING";
    public const string EnvelopeVersion = "ENVELOPE_VERSION";
    public const string EnvelopeSuite = "ENVELOPE_SUITE";
    public const string EnvelopeEncLength = "ENVELOPE_ENC_LENGTH";

    // SubmitJob: opening the envelope (ENVELOPE_ + the crypto failure)
    public const string EnvelopeDecryptionFailed = "ENVELOPE_DECRYPTION_FAILED";
    public const string EnvelopeCiphertextTooShort = "ENVELOPE_CIPHERTEXT_TOO_SHORT";
    public const string EnvelopeInvalidEncapsulatedKey = "ENVELOPE_INVALID_ENCAPSULATED_KEY";
    public const string EnvelopeInvalidPublicKey = "ENVELOPE_INVALID_PUBLIC_KEY";
    public const string EnvelopeInvalidPrivateKey = "ENVELOPE_INVALID_PRIVATE_KEY";
    public const string EnvelopeUnsupportedAead = "ENVELOPE_UNSUPPORTED_AEAD";
    public const string EnvelopeInvalidPskInputs = "ENVELOPE_INVALID_PSK_INPUTS";
    public const string EnvelopeMessageLimitReached = "ENVELOPE_MESSAGE_LIMIT_REACHED";
    public const string EnvelopeExportLengthTooLarge = "ENVELOPE_EXPORT_LENGTH_TOO_LARGE";

    // SubmitJob: the opened JobRequest
    public const string MalformedProtobuf = "MALFORMED_PROTOBUF";
    public const string ResultKeyLength = "RESULT_KEY_LENGTH";
    public const string JobSecretLength = "JOB_SECRET_LENGTH";
    public const string ModelMissing = "MODEL_MISSING";
    public const string InputDuplicate = "INPUT_DUPLICATE";

    // Models by reference (UploadModel, JobRequest.model_ref) and the intake
    public const string ModelAmbiguous = "MODEL_AMBIGUOUS";
    public const string ModelReferenceLength = "MODEL_REF_LENGTH";
    public const string UploadIdLength = "UPLOAD_ID_LENGTH";
    public const string ModelNotCached = "MODEL_NOT_CACHED";
    public const string IntakeBusy = "INTAKE_BUSY";

    // SubmitJob (model validation) and FAILED jobs (running): MODEL_ + the compute failure
    public const string ModelInvalidModel = "MODEL_INVALID_MODEL";
    public const string ModelLimitExceeded = "MODEL_LIMIT_EXCEEDED";
    public const string ModelUnsupportedOperator = "MODEL_UNSUPPORTED_OPERATOR";
    public const string ModelUnsupportedDataType = "MODEL_UNSUPPORTED_DATA_TYPE";
    public const string ModelInvalidInput = "MODEL_INVALID_INPUT";
    public const string ModelBackendUnavailable = "MODEL_BACKEND_UNAVAILABLE";
    public const string ModelExecutionFailed = "MODEL_EXECUTION_FAILED";
    public const string ModelDeviceFailed = "MODEL_DEVICE_FAILED";

    // Abuse limits (README "Limits"): any call, by the client's peer address; WatchJob streams
    public const string RateLimited = "RATE_LIMITED";
    public const string ConcurrencyLimited = "CONCURRENCY_LIMITED";
    public const string WatchLimitPerJob = "WATCH_LIMIT_PER_JOB";
    public const string WatchLimitTotal = "WATCH_LIMIT_TOTAL";

    // WatchJob, GetResult
    public const string AccessTokenMissing = "ACCESS_TOKEN_MISSING";
    public const string AccessDenied = "ACCESS_DENIED";
    public const string JobNotFound = "JOB_NOT_FOUND";

    // Any call
    public const string MalformedFrame = "MALFORMED_FRAME";
    public const string MessageTooLarge = "MESSAGE_TOO_LARGE";
    public const string ChainUnavailable = "CHAIN_UNAVAILABLE";
    public const string Cancelled = "CANCELLED";

    // FAILED only
    public const string JobTimeout = "JOB_TIMEOUT";
    public const string Internal = "INTERNAL";

    private const string ModelWithheld = "; the detail is withheld (it would describe the encrypted job)";
    private const string CryptoUnreachable = " (HPKE failure not reachable from a job envelope; listed because every crypto failure maps to a code)";

    /// <summary>Every code a call can be refused with, with its status: the refusal table of <c>proto/README.md</c>.</summary>
    public static IReadOnlyList<Refusal> Refusals { get; } =
    [
        new(NonceLength, StatusCode.InvalidArgument, "GetAttestation: the nonce is not 32 bytes"),
        new(JobIdLength, StatusCode.InvalidArgument, "job_id is not 32 bytes"),
        new(EnvelopeMissing, StatusCode.InvalidArgument, "SubmitJob: no envelope"),
        new(EnvelopeVersion, StatusCode.InvalidArgument, "SubmitJob: envelope version is not 1"),
        new(EnvelopeSuite, StatusCode.InvalidArgument, "SubmitJob: HPKE suite is not kem 0x0020, kdf 0x0001, aead 0x0001..0x0003"),
        new(EnvelopeEncLength, StatusCode.InvalidArgument, "SubmitJob: enc is not 32 bytes"),
        new(EnvelopeDecryptionFailed, StatusCode.InvalidArgument, "SubmitJob: the AEAD tag does not verify: tampered enc/ciphertext, sealed to another key (another node, or this node's previous identity), wrong job_id or node address in the AAD, or another AEAD"),
        new(EnvelopeCiphertextTooShort, StatusCode.InvalidArgument, "SubmitJob: the ciphertext is shorter than the AEAD tag (16 bytes)"),
        new(EnvelopeInvalidEncapsulatedKey, StatusCode.InvalidArgument, "SubmitJob: enc is a small-order X25519 point (the shared secret would be all zeros)"),
        new(EnvelopeInvalidPublicKey, StatusCode.InvalidArgument, "SubmitJob: a public key has the wrong length or is a small-order point" + CryptoUnreachable),
        new(EnvelopeInvalidPrivateKey, StatusCode.InvalidArgument, "SubmitJob: a private key is malformed" + CryptoUnreachable),
        new(EnvelopeUnsupportedAead, StatusCode.InvalidArgument, "SubmitJob: the AEAD id is not 0x0001..0x0003" + CryptoUnreachable),
        new(EnvelopeInvalidPskInputs, StatusCode.InvalidArgument, "SubmitJob: PSK inputs do not match the HPKE mode" + CryptoUnreachable),
        new(EnvelopeMessageLimitReached, StatusCode.InvalidArgument, "SubmitJob: the HPKE sequence number would overflow" + CryptoUnreachable),
        new(EnvelopeExportLengthTooLarge, StatusCode.InvalidArgument, "SubmitJob: an HPKE export longer than 255 * 32 bytes" + CryptoUnreachable),
        new(MalformedProtobuf, StatusCode.InvalidArgument, "SubmitJob: the opened plaintext is not a JobRequest (or a message does not parse)"),
        new(MalformedFrame, StatusCode.InvalidArgument, "any call: the request body is not one gRPC message frame (it ends inside the frame, or the frame is compressed without a supported grpc-encoding)"),
        new(ResultKeyLength, StatusCode.InvalidArgument, "SubmitJob: result_public_key is not 32 bytes"),
        new(JobSecretLength, StatusCode.InvalidArgument, "SubmitJob: job_secret is not 32 bytes"),
        new(ModelMissing, StatusCode.InvalidArgument, "SubmitJob: the JobRequest has no model"),
        new(InputDuplicate, StatusCode.InvalidArgument, "SubmitJob: two inputs have the same name (named by index in the detail)"),
        new(ModelAmbiguous, StatusCode.InvalidArgument, "SubmitJob: the JobRequest carries both `model` and `model_ref`; set exactly one"),
        new(ModelReferenceLength, StatusCode.InvalidArgument, "SubmitJob/UploadModel: a `model_ref`'s `model_hash` or `model_secret`, or an upload's `model_secret`, is not 32 bytes"),
        new(UploadIdLength, StatusCode.InvalidArgument, "UploadModel: `upload_id` is not 32 bytes"),
        new(ModelInvalidModel, StatusCode.InvalidArgument, "SubmitJob: the model is not a valid ONNX model (protobuf, graph, cycle, attribute)" + ModelWithheld),
        new(ModelUnsupportedOperator, StatusCode.InvalidArgument, "SubmitJob: the model uses an operator the node does not run" + ModelWithheld),
        new(ModelUnsupportedDataType, StatusCode.InvalidArgument, "SubmitJob: a tensor has a data type the node does not run" + ModelWithheld),
        new(ModelInvalidInput, StatusCode.InvalidArgument, "SubmitJob: a tensor the model carries is malformed or does not fit the graph (the job's inputs are checked when it runs: FAILED)" + ModelWithheld),
        new(ModelBackendUnavailable, StatusCode.InvalidArgument, "SubmitJob: the node's compute backend cannot load the model" + ModelWithheld),
        new(ModelExecutionFailed, StatusCode.InvalidArgument, "SubmitJob: an operator failed while the model was checked" + ModelWithheld),
        new(ModelDeviceFailed, StatusCode.InvalidArgument, "SubmitJob: the accelerator failed while the model was checked" + ModelWithheld),
        new(ModelLimitExceeded, StatusCode.ResourceExhausted, "SubmitJob: model bytes, tensor elements, planned memory or node count over the node's limits"),
        new(MessageTooLarge, StatusCode.ResourceExhausted, "any call: the request message is larger than the node's limit (Agent:MaxMessageBytes, default 64 MiB); on RunJobs, a job larger than Agent:Limits:LargeBodyBytes (1 MiB; it ends the call)"),
        new(QueueFull, StatusCode.ResourceExhausted, "SubmitJob: the node's job queue is full; retry later or elsewhere"),
        new(RateLimited, StatusCode.ResourceExhausted, "this client (its peer address; IPv6 by /64) called (or, on RunJobs, sent jobs) faster than its token bucket allows (README *Limits*; a refused job on RunJobs is answered as a message and the call goes on); trailer `phala-retry-after-ms` says when a call would pass"),
        new(ConcurrencyLimited, StatusCode.ResourceExhausted, "this client has as many calls in flight as it may (open `WatchJob` streams count); `phala-retry-after-ms` is a hint (250)"),
        new(WatchLimitPerJob, StatusCode.ResourceExhausted, "WatchJob: the job has as many `WatchJob` streams open as it may; close one or poll `GetResult`"),
        new(WatchLimitTotal, StatusCode.ResourceExhausted, "WatchJob: the node has as many `WatchJob` streams open as it may; close one or poll `GetResult`"),
        new(IntakeBusy, StatusCode.ResourceExhausted, "SubmitJob/UploadModel: every envelope-opening slot stayed busy for `Agent:QueueWait`, or every large-message slot (`Agent:Limits:MaxLargeBodies`) for `Agent:Limits:LargeBodyWait`; retry later"),
        new(NodeKeyChanged, StatusCode.FailedPrecondition, "SubmitJob: the job id is journaled under the node's previous identity (it restarted); verify the node again and submit a new job"),
        new(ModelNotCached, StatusCode.FailedPrecondition, "SubmitJob: the job's `model_ref` names a model the node does not hold (never uploaded, evicted, or the node restarted): `UploadModel` it and submit again"),
        new(QuoteFormat, StatusCode.FailedPrecondition, "GetAttestation: the node's own quote does not parse (a fault of the node's TEE, not of the caller)"),
        new(JobIdInUse, StatusCode.AlreadyExists, "SubmitJob: the job id was submitted before with another envelope"),
        new(AccessTokenMissing, StatusCode.PermissionDenied, "WatchJob/GetResult: no access_token"),
        new(AccessDenied, StatusCode.PermissionDenied, "WatchJob/GetResult: the access_token is not the job's"),
        new(JobNotFound, StatusCode.NotFound, "WatchJob/GetResult: the node has no job with this id"),
        new(NotAttested, StatusCode.Unavailable, "the node has not finished attesting (starting); retry"),
        new(GpuEvidenceUnavailable, StatusCode.Unavailable, "GetAttestation: the node's GPUs did not produce fresh evidence; retry or pick another node"),
        new(NodeStopping, StatusCode.Unavailable, "SubmitJob: the node is draining before it stops; submit to another node"),
        new(NotRegistered, StatusCode.Unavailable, "SubmitJob: the node's registration has not reached the chain yet (the chain may be down; its `/healthz/ready` says why); retry later or submit elsewhere"),
        new(ChainUnavailable, StatusCode.Unavailable, "the node's chain RPC did not answer"),
        new(Cancelled, StatusCode.Cancelled, "the caller cancelled the call (or its deadline passed) before the node answered"),
    ];

    /// <summary>Every code a FAILED job's <c>JobResult.error</c> can start with: the FAILED table of <c>proto/README.md</c>.</summary>
    public static IReadOnlyList<Failure> Failures { get; } =
    [
        new(NodeKeyChanged, "the job was accepted by the node's previous identity, or its envelope no longer opens with the node's key; submit a new job"),
        new(ModelNotCached, "a job re-opened from the journal names a model the node no longer holds (evicted, or the node restarted); submit again"),
        new(MalformedProtobuf, "the opened plaintext is not a JobRequest"),
        new(EnvelopeMissing, "the journaled envelope is missing (the node's storage was altered)"),
        new(EnvelopeVersion, "the journaled envelope's version is not 1 (the node's storage was altered)"),
        new(EnvelopeSuite, "the journaled envelope's HPKE suite is not supported (the node's storage was altered)"),
        new(EnvelopeEncLength, "the journaled envelope's enc is not 32 bytes (the node's storage was altered)"),
        new(ResultKeyLength, "result_public_key is not 32 bytes"),
        new(JobSecretLength, "job_secret is not 32 bytes"),
        new(ModelMissing, "the JobRequest has no model"),
        new(InputDuplicate, "two inputs have the same name"),
        new(ModelInvalidModel, "the model is not a valid ONNX model"),
        new(ModelLimitExceeded, "tensor elements, planned memory or node count went over the node's limits while running"),
        new(ModelUnsupportedOperator, "an operator the node does not run"),
        new(ModelUnsupportedDataType, "a data type the node does not run"),
        new(ModelInvalidInput, "an input tensor is missing, malformed or does not fit the graph (e.g. a wrong shape)"),
        new(ModelBackendUnavailable, "the node's compute backend cannot run the model"),
        new(ModelExecutionFailed, "an operator failed while running (a shape mismatch found at run time, a bad index)"),
        new(ModelDeviceFailed, "the accelerator failed (out of device memory, kernel compilation or launch); the node does not fall back to the CPU"),
        new(JobTimeout, "the job ran longer than the node's per-job wall-clock limit (`Agent:JobTimeout`, default 5 minutes, counted from when it starts running)"),
        new(Internal, "an unexpected error in the node (logged there without job data)"),
    ];

    private static readonly Dictionary<string, Refusal> RefusalsByCode = Refusals.ToDictionary(r => r.Code, StringComparer.Ordinal);

    /// <summary>The refusal with this code, or null when the code is not one of <see cref="Refusals"/>.</summary>
    public static Refusal? FindRefusal(string? code) => code is not null && RefusalsByCode.TryGetValue(code, out var refusal) ? refusal : null;

    /// <summary>The text of a refusal's status detail or a FAILED job's error: <c>CODE: human text</c>.</summary>
    public static string Format(string code, string text) => $"{code}: {text}";

    /// <summary>
    /// The code that starts <paramref name="detail"/> (a status detail or <c>JobResult.error</c> written by
    /// <see cref="Format"/>), or null when it starts with none.
    /// </summary>
    public static string? CodeOf(string? detail)
    {
        if (string.IsNullOrEmpty(detail))
        {
            return null;
        }

        var end = detail.IndexOf(':', StringComparison.Ordinal);
        if (end <= 0)
        {
            return null;
        }

        for (var i = 0; i < end; i++)
        {
            if (detail[i] is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_'))
            {
                return null;
            }
        }

        return detail[..end];
    }
}
