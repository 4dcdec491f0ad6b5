namespace PhalaWorker.Attestation.Gpu.Evidence;

/// <summary>
/// One GPU's evidence: architecture, the device certificate chain (PEM, leaf first), the raw attestation report, the nonce
/// it was requested with, and what NVML reported alongside (driver / VBIOS version, UUID), which the verifier compares with
/// the signed report.
/// </summary>
public sealed record GpuEvidenceItem
{
    /// <summary>GPU architecture (<c>HOPPER</c>, <c>BLACKWELL</c>).</summary>
    public required string Arch { get; init; }

    /// <summary>The device certificate chain, concatenated PEM.</summary>
    public required byte[] CertificateChainPem { get; init; }

    /// <summary>The raw SPDM attestation report.</summary>
    public required byte[] Report { get; init; }

    /// <summary>The nonce the node says it requested the report with (32 bytes).</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>NVML's driver version, when the node reported it.</summary>
    public string? DriverVersion { get; init; }

    /// <summary>NVML's VBIOS version, when the node reported it.</summary>
    public string? VbiosVersion { get; init; }

    /// <summary>NVML's GPU UUID, when the node reported it.</summary>
    public string? Uuid { get; init; }

    /// <summary>NVML's confidential-computing mode (<c>on</c>, <c>off</c>, <c>devtools</c>), when the node reported it.</summary>
    public string? CcMode { get; init; }
}
