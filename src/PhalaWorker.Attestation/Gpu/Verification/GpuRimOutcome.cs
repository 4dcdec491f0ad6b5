using PhalaWorker.Attestation.Gpu.Appraisal;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>What the RIM side of verification found for one GPU: each RIM's status, the measurement comparison, and failures.</summary>
/// <remarks>Failures for an unavailable RIM or comparison are listed too; the verifier drops them when the policy does not require RIMs.</remarks>
internal sealed record GpuRimOutcome(
    RimStatus DriverRim,
    RimStatus VbiosRim,
    MeasurementStatus Measurements,
    IReadOnlyList<int> MismatchedIndices,
    Ocsp.OcspCertificateStatus? DriverRimOcsp,
    Ocsp.OcspCertificateStatus? VbiosRimOcsp,
    IReadOnlyList<GpuAppraisalFailure> Failures);
