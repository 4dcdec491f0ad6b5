using PhalaWorker.Attestation.Gpu.Appraisal;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>What the RIM side of verification found for one GPU: each RIM's status, the measurement comparison, and failures.</summary>
internal sealed record GpuRimOutcome(
    RimStatus DriverRim,
    RimStatus VbiosRim,
    MeasurementStatus Measurements,
    IReadOnlyList<int> MismatchedIndices,
    IReadOnlyList<GpuAppraisalFailure> Failures)
{
    public static GpuRimOutcome Unavailable(string driverRimId, string vbiosRimId, string why) => new(
        RimStatus.Unavailable, RimStatus.Unavailable, MeasurementStatus.Unavailable, [],
        [
            new GpuAppraisalFailure(GpuCheck.DriverRim, driverRimId, $"driver RIM {driverRimId} unavailable: {why}"),
            new GpuAppraisalFailure(GpuCheck.VbiosRim, vbiosRimId, $"VBIOS RIM {vbiosRimId} unavailable: {why}"),
            new GpuAppraisalFailure(GpuCheck.Measurements, "measurements", "measurements not compared: the RIMs are unavailable"),
        ]);
}
