using PhalaWorker.Attestation.Gpu.Spdm;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>
/// The RIM side of GPU verification (driver and VBIOS RIM signature, chain and its OCSP, id/version, and the comparison of
/// golden values with the SPDM measurements). Until RIM verification is wired in, every RIM is "unavailable", which the
/// strict policy rejects.
/// </summary>
internal static class GpuRimAppraiser
{
    public static GpuRimOutcome Appraise(GpuAttestationReport report, string driverRimId, string vbiosRimId, GpuVerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        return GpuRimOutcome.Unavailable(driverRimId, vbiosRimId,
            context.Rims.Count == 0 ? "no RIM supplied" : "RIM verification is not available in this build");
    }
}
