using System.Text.Json.Serialization;

namespace PhalaWorker.Attestation.Gpu.Appraisal;

/// <summary>The checks of GPU evidence verification; a rejection names the one that failed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GpuCheck>))]
public enum GpuCheck
{
    /// <summary>The evidence (report, chain PEM, remote-evidence JSON) does not decode, or there is no GPU.</summary>
    EvidenceFormat,

    /// <summary>The architecture is not one the verifier knows (HOPPER, BLACKWELL).</summary>
    Architecture,

    /// <summary>The request nonce differs from the expected nonce.</summary>
    Nonce,

    /// <summary>The report's driver version differs from NVML's.</summary>
    DriverVersion,

    /// <summary>The report's VBIOS version differs from NVML's.</summary>
    VbiosVersion,

    /// <summary>The P-384 signature over request ‖ response (without the signature) does not verify with the leaf key.</summary>
    ReportSignature,

    /// <summary>The device certificate chain: count, decoding, signatures, CA flags, validity.</summary>
    CertificateChain,

    /// <summary>The device chain does not end at the NVIDIA Device Identity CA (subject + key).</summary>
    TrustedRoot,

    /// <summary>The chain ends at the emulated root and the policy does not allow emulation.</summary>
    EmulatedRoot,

    /// <summary>The leaf's FWID extension differs from the report's FWID field.</summary>
    Fwid,

    /// <summary>OCSP of the device chain: revoked, unknown, invalid, or unavailable under a policy that requires it.</summary>
    Ocsp,

    /// <summary>The driver RIM: missing, wrong id, signature, chain, OCSP, version.</summary>
    DriverRim,

    /// <summary>The VBIOS RIM: missing, wrong id, signature, chain, OCSP, version.</summary>
    VbiosRim,

    /// <summary>The SPDM measurements do not match the RIM golden values, or cannot be compared.</summary>
    Measurements,

    /// <summary>Policy: CC mode is off.</summary>
    CcMode,

    /// <summary>Policy: CC DevTools mode.</summary>
    DevTools,

    /// <summary>Policy: the driver version is below the minimum.</summary>
    DriverVersionPolicy,

    /// <summary>Policy: the VBIOS version is below the minimum.</summary>
    VbiosVersionPolicy,

    /// <summary>Policy: the report's feature flag is PPCIe.</summary>
    Ppcie,
}
