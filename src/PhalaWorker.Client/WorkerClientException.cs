namespace PhalaWorker.Client;

/// <summary>Why the SDK refused a node, a job or a result.</summary>
public enum WorkerClientErrorReason
{
    /// <summary>The node could not be reached or answered with a transport error.</summary>
    Unreachable,

    /// <summary>The node refused the call (gRPC status; <see cref="WorkerClientException.RpcReason"/> holds its reason).</summary>
    Refused,

    /// <summary>The attestation bundle is malformed (lengths, versions, missing fields).</summary>
    MalformedAttestation,

    /// <summary>The nonce was not echoed or its signature does not recover to the node address.</summary>
    NonceSignatureInvalid,

    /// <summary>The quote's report_data does not equal the binding of the node's keys.</summary>
    BindingMismatch,

    /// <summary>The quote failed DCAP verification or the attestation policy.</summary>
    QuoteRejected,

    /// <summary>The node's measurements (MRTD, RTMR0–2, agent digest, settings) match no accepted profile, or its event log is malformed.</summary>
    MeasurementRejected,

    /// <summary>The node runs an emulated TEE and the caller did not allow emulation.</summary>
    EmulatedNotAllowed,

    /// <summary>The node is not registered in the registry, or its record differs from what it attests.</summary>
    RegistrationMismatch,

    /// <summary>The node ran the job and reported a failure.</summary>
    JobFailed,

    /// <summary>The sealed result does not open with the submitter's key or does not parse.</summary>
    ResultInvalid,

    /// <summary>The receipt's fields or signature do not match the job, the node or the chain.</summary>
    ReceiptInvalid,

    /// <summary>The Merkle inclusion proof does not verify off chain or on chain.</summary>
    InclusionInvalid,

    /// <summary>The chain could not be read.</summary>
    ChainUnavailable,

    /// <summary>Waiting for the job or its inclusion took longer than allowed.</summary>
    TimedOut,

    /// <summary>
    /// The node's fresh GPU evidence is missing (a <c>cuda</c> node must send it), not signed by the node key, not for the
    /// derived nonce, or rejected by GPU verification under <see cref="NodeVerifierOptions.GpuPolicy"/>.
    /// </summary>
    GpuEvidenceRejected,

    /// <summary>
    /// RA-TLS: the TLS key the endpoint presented is not the key the node's attestation binds (or no longer the pinned one): a
    /// TLS terminator or another server answers at the endpoint, or the node restarted with new keys.
    /// </summary>
    TlsKeyMismatch,

    /// <summary>
    /// The transport is not RA-TLS pinned to the attestation: the node's measured <c>tls.mode</c> is not <c>ra-tls</c>, the
    /// endpoint is cleartext, or the channel is the caller's; refused unless <see cref="NodeVerifierOptions.InsecureTransport"/>.
    /// </summary>
    InsecureTransport,
}

/// <summary>The SDK's one exception: a reason, a message that names the failed check, and for refusals the node's reason.</summary>
public sealed class WorkerClientException : Exception
{
    public WorkerClientException(WorkerClientErrorReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public WorkerClientException()
        : this(WorkerClientErrorReason.Refused, "the node refused the call")
    {
    }

    public WorkerClientException(string message)
        : this(WorkerClientErrorReason.Refused, message)
    {
    }

    public WorkerClientException(string message, Exception innerException)
        : this(WorkerClientErrorReason.Refused, message, innerException)
    {
    }

    public WorkerClientErrorReason Reason { get; }

    /// <summary>The node's machine-readable refusal reason (trailer <c>phala-reason</c>), when it refused a call.</summary>
    public string? RpcReason { get; init; }

    /// <summary>The gRPC status code of a refusal.</summary>
    public Grpc.Core.StatusCode? StatusCode { get; init; }

    /// <summary>True when a claim of the node failed a check (as opposed to unusable input or an unreachable node).</summary>
    public bool IsVerificationFailure => Reason is WorkerClientErrorReason.NonceSignatureInvalid or WorkerClientErrorReason.BindingMismatch
        or WorkerClientErrorReason.QuoteRejected or WorkerClientErrorReason.EmulatedNotAllowed or WorkerClientErrorReason.RegistrationMismatch
        or WorkerClientErrorReason.ResultInvalid or WorkerClientErrorReason.ReceiptInvalid or WorkerClientErrorReason.InclusionInvalid
        or WorkerClientErrorReason.MalformedAttestation or WorkerClientErrorReason.MeasurementRejected or WorkerClientErrorReason.GpuEvidenceRejected
        or WorkerClientErrorReason.TlsKeyMismatch or WorkerClientErrorReason.InsecureTransport;
}
