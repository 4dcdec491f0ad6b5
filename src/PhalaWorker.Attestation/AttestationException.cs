namespace PhalaWorker.Attestation;

/// <summary>Why an attestation operation could not run (a negative verdict is a <c>QuoteAppraisal</c>, not an exception).</summary>
public enum AttestationErrorReason
{
    Unknown = 0,

    /// <summary>The quote bytes cannot be decoded.</summary>
    QuoteFormat,

    /// <summary>The collateral (JSON, PEM, DER, hex) cannot be decoded.</summary>
    CollateralFormat,

    /// <summary>Collateral could not be fetched from a PCCS / PCS.</summary>
    CollateralUnavailable,

    /// <summary>No quote provider (TEE device) is usable.</summary>
    ProviderUnavailable,

    /// <summary>The TEE returned an error or malformed output.</summary>
    ProviderFailed,

    /// <summary>A policy file cannot be decoded.</summary>
    PolicyFormat,

    /// <summary>NVIDIA GPU evidence (SPDM report, remote-evidence JSON, certificate chain, OCSP response) cannot be decoded.</summary>
    GpuEvidenceFormat,

    /// <summary>The node's GPU evidence did not pass the fail-closed GPU gate (CC gate, verification under the agent's GPU policy, provider/backend mismatch).</summary>
    GpuEvidenceRejected,

    /// <summary>Fresh GPU evidence could not be collected (NVML failed or did not answer in time).</summary>
    GpuEvidenceUnavailable,
}

/// <summary>The Attestation library's domain exception, carrying a <see cref="AttestationErrorReason"/>.</summary>
public class AttestationException : Exception
{
    public AttestationException()
    {
    }

    public AttestationException(string message)
        : base(message)
    {
    }

    public AttestationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AttestationException(AttestationErrorReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public AttestationErrorReason Reason { get; }

    /// <summary>True when retrying later can help (network fetches).</summary>
    public bool IsTransient { get; init; }
}
