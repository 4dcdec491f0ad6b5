namespace PhalaWorker.Attestation.Gpu.Nvml;

/// <summary>One GPU's evidence as NVML returned it.</summary>
/// <param name="Architecture"><c>HOPPER</c> or <c>BLACKWELL</c>.</param>
/// <param name="CertificateChain">The attestation certificate chain (PEM, leaf first) from nvmlDeviceGetConfComputeGpuCertificate.</param>
/// <param name="Report">The SPDM report (request ‖ signed response) from nvmlDeviceGetConfComputeGpuAttestationReport.</param>
/// <param name="Nonce">The 32-byte nonce the report was requested for.</param>
/// <param name="DriverVersion">nvmlSystemGetDriverVersion.</param>
/// <param name="VbiosVersion">nvmlDeviceGetVbiosVersion.</param>
/// <param name="Uuid">nvmlDeviceGetUUID.</param>
public sealed record NvmlGpuEvidence(
    string Architecture, byte[] CertificateChain, byte[] Report, byte[] Nonce, string DriverVersion, string VbiosVersion, string Uuid);
