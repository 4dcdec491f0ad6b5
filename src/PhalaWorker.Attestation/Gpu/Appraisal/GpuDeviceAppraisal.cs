using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PhalaWorker.Attestation.Gpu.Ocsp;

namespace PhalaWorker.Attestation.Gpu.Appraisal;

/// <summary>
/// The verdict for one GPU: each check's own result (nonce, NVML versions, report signature, device chain, FWID, OCSP,
/// driver and VBIOS RIMs, measurements), the decoded identity (architecture, versions, RIM ids, feature flag), and for a
/// rejection every failed check with the certificate, RIM or field concerned.
/// </summary>
public sealed record GpuDeviceAppraisal
{
    /// <summary>Position of the GPU in the evidence list.</summary>
    public required int Index { get; init; }

    public required string Arch { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Uuid { get; init; }

    /// <summary>Driver version from the signed report.</summary>
    public string? DriverVersion { get; init; }

    /// <summary>VBIOS version from the signed report.</summary>
    public string? VbiosVersion { get; init; }

    /// <summary>Driver RIM id derived from the report (<c>NV_GPU_DRIVER_GH100_550.90.07</c>).</summary>
    public string? DriverRimId { get; init; }

    /// <summary>VBIOS RIM id derived from the report (<c>NV_GPU_VBIOS_1010_0200_882_96009F0001</c>).</summary>
    public string? VbiosRimId { get; init; }

    public bool ReportParsed { get; init; }

    public bool NonceMatch { get; init; }

    /// <summary>Report driver version = NVML's; null when NVML's was not given.</summary>
    public bool? DriverVersionMatch { get; init; }

    /// <summary>Report VBIOS version = NVML's; null when NVML's was not given.</summary>
    public bool? VbiosVersionMatch { get; init; }

    public bool SignatureVerified { get; init; }

    public bool CertChainVerified { get; init; }

    /// <summary>Leaf FWID extension = report FWID; null (skipped) when the report has no FWID.</summary>
    public bool? FwidMatch { get; init; }

    /// <summary>Worst OCSP status of the device chain (indices 1..n−2).</summary>
    public OcspCertificateStatus Ocsp { get; init; } = OcspCertificateStatus.Unavailable;

    public IReadOnlyList<OcspCertificateResult> OcspCertificates { get; init; } = [];

    public RimStatus DriverRim { get; init; }

    public RimStatus VbiosRim { get; init; }

    public MeasurementStatus Measurements { get; init; }

    /// <summary>RIM indices whose golden values the SPDM measurements do not match.</summary>
    public IReadOnlyList<int> MismatchedIndices { get; init; } = [];

    /// <summary>SPT, MPT, PPCIE, or null for legacy reports without the flag.</summary>
    public string? FeatureFlag { get; init; }

    /// <summary>NVML's CC mode as reported by the node, when given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CcMode { get; init; }

    /// <summary>The chain ends at the emulated root.</summary>
    public bool Emulated { get; init; }

    /// <summary>Every check and the policy passed for this GPU.</summary>
    public required bool Valid { get; init; }

    public string? Reason { get; init; }

    public GpuCheck? FailedCheck { get; init; }

    public string? FailedItem { get; init; }

    public IReadOnlyList<GpuAppraisalFailure> Failures { get; init; } = [];

    /// <summary>This GPU's result as NVIDIA-style EAT claims (<c>measres</c>, <c>x-nvidia-*</c>).</summary>
    public JsonObject ToClaims()
    {
        var claims = new JsonObject
        {
            ["measres"] = Measurements == MeasurementStatus.Match ? "success" : "fail",
            ["x-nvidia-gpu-arch-check"] = Failures.All(f => f.Check != GpuCheck.Architecture),
            ["x-nvidia-gpu-driver-version"] = DriverVersion,
            ["x-nvidia-gpu-vbios-version"] = VbiosVersion,
            ["x-nvidia-gpu-attestation-report-parsed"] = ReportParsed,
            ["x-nvidia-gpu-attestation-report-nonce-match"] = NonceMatch,
            ["x-nvidia-gpu-attestation-report-signature-verified"] = SignatureVerified,
            ["x-nvidia-gpu-attestation-report-cert-chain-validated"] = CertChainVerified,
            ["x-nvidia-gpu-attestation-report-cert-chain-fwid-match"] = FwidMatch,
            ["x-nvidia-gpu-attestation-report-cert-chain-ocsp-status"] = OcspName(Ocsp),
            ["x-nvidia-gpu-driver-rim-fetched"] = DriverRim != RimStatus.Unavailable,
            ["x-nvidia-gpu-driver-rim-signature-verified"] = DriverRim == RimStatus.Verified,
            ["x-nvidia-gpu-driver-rim-version-match"] = DriverVersionMatch,
            ["x-nvidia-gpu-vbios-rim-fetched"] = VbiosRim != RimStatus.Unavailable,
            ["x-nvidia-gpu-vbios-rim-signature-verified"] = VbiosRim == RimStatus.Verified,
            ["x-nvidia-gpu-vbios-rim-version-match"] = VbiosVersionMatch,
            ["x-nvidia-gpu-driver-rim-id"] = DriverRimId,
            ["x-nvidia-gpu-vbios-rim-id"] = VbiosRimId,
        };
        if (Measurements == MeasurementStatus.Mismatch)
        {
            claims["x-nvidia-mismatch-measurement-records"] = new JsonArray([.. MismatchedIndices.Select(i => (JsonNode?)i)]);
        }

        return claims;
    }

    internal static string OcspName(OcspCertificateStatus status) => status.ToString().ToLowerInvariant();
}
