using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Rim;
using PhalaWorker.Attestation.Gpu.Spdm;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>
/// The RIM side of GPU verification, per GPU: finds the driver and VBIOS RIMs by the ids derived from the report; verifies
/// each (<see cref="RimVerifier"/>: XML-DSig digest and signature, chain to the NVIDIA CoRIM signing root, validity at the
/// verification time), its version against the report's, and OCSP of its chain indices 0..n−2 (<see cref="OcspChecker"/>);
/// then, only when both RIMs verified, compares the golden values with the SPDM measurements
/// (<see cref="RimMeasurementComparer"/>). A missing RIM is "unavailable", never a pass.
/// </summary>
internal static class GpuRimAppraiser
{
    public static GpuRimOutcome Appraise(GpuAttestationReport report, string driverRimId, string vbiosRimId, GpuVerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        var failures = new List<GpuAppraisalFailure>();
        var verifier = new RimVerifier(context.RimRoots);

        var (driverStatus, driver, driverOcsp) = AppraiseOne(GpuCheck.DriverRim, "driver", driverRimId, report.DriverVersion, context, verifier, failures);
        var (vbiosStatus, vbios, vbiosOcsp) = AppraiseOne(GpuCheck.VbiosRim, "VBIOS", vbiosRimId, report.VbiosVersion, context, verifier, failures);

        var measurements = MeasurementStatus.Unavailable;
        IReadOnlyList<int> mismatched = [];
        if (driver is not null && vbios is not null)
        {
            var blocks = new Dictionary<int, ReadOnlyMemory<byte>>();
            foreach (var block in report.Response.Blocks)
            {
                blocks.TryAdd(block.Index, block.Value);
            }

            var comparison = RimMeasurementComparer.Compare(driver, vbios, blocks, report.Nvdec0Status);
            switch (comparison.Status)
            {
                case RimComparisonStatus.Match:
                    measurements = MeasurementStatus.Match;
                    break;
                case RimComparisonStatus.Mismatch:
                    measurements = MeasurementStatus.Mismatch;
                    mismatched = comparison.MismatchedRimIndices;
                    failures.Add(new GpuAppraisalFailure(GpuCheck.Measurements, "measurements[" + string.Join(",", mismatched) + "]", comparison.Reason ?? "measurements do not match the RIM golden values"));
                    break;
                default:
                    // Conflicting RIM indices or an unknown NVDEC0 status: the comparison cannot pass.
                    measurements = MeasurementStatus.Mismatch;
                    mismatched = comparison.ConflictingRimIndices;
                    failures.Add(new GpuAppraisalFailure(GpuCheck.Measurements, "measurements", comparison.Reason ?? "measurements cannot be compared"));
                    break;
            }
        }
        else
        {
            failures.Add(new GpuAppraisalFailure(GpuCheck.Measurements, "measurements",
                $"measurements not compared: the driver RIM is {Name(driverStatus)} and the VBIOS RIM is {Name(vbiosStatus)}"));
        }

        return new GpuRimOutcome(driverStatus, vbiosStatus, measurements, mismatched, driverOcsp, vbiosOcsp, failures);
    }

    /// <summary>One RIM: returns its status, the manifest when it may be compared (verified), and its chain's OCSP status.</summary>
    private static (RimStatus Status, ReferenceIntegrityManifest? Rim, OcspCertificateStatus? Ocsp) AppraiseOne(
        GpuCheck check, string kind, string id, string? reportVersion, GpuVerificationContext context, RimVerifier verifier, List<GpuAppraisalFailure> failures)
    {
        var rim = context.Rims.FirstOrDefault(r => string.Equals(r.Id.Value, id, StringComparison.Ordinal));
        if (rim is null)
        {
            failures.Add(new GpuAppraisalFailure(check, id, context.Rims.Count == 0
                ? $"{kind} RIM {id} unavailable: no RIM supplied"
                : $"{kind} RIM {id} unavailable: none of the {context.Rims.Count} supplied RIMs ({string.Join(", ", context.Rims.Select(r => r.Id.Value))}) has this id"));
            return (RimStatus.Unavailable, null, null);
        }

        var result = verifier.Verify(rim, context.At);
        if (!result.Valid)
        {
            failures.Add(new GpuAppraisalFailure(check, $"{id}.{result.FailedCheck}" + (result.FailedItem is { } item ? $".{item}" : string.Empty),
                $"{kind} RIM {id} invalid: {result.FailedCheck}: {result.Reason}"));
            return (RimStatus.Invalid, null, null);
        }

        if (result.Emulated && !context.Policy.AllowEmulated)
        {
            failures.Add(new GpuAppraisalFailure(GpuCheck.EmulatedRoot, id, $"{kind} RIM {id} chains to the emulated RIM root; the policy does not allow emulation"));
            return (RimStatus.Invalid, null, null);
        }

        if (reportVersion is null || !rim.MatchesVersion(reportVersion))
        {
            failures.Add(new GpuAppraisalFailure(check, id + ".version", $"{kind} RIM {id} is for version {rim.Version}, the report says {reportVersion ?? "(none)"}"));
            return (RimStatus.Invalid, null, null);
        }

        var chain = result.VerifiedChain.Select(c => c.Der).ToList();
        var ocsp = OcspChecker.CheckChain(chain, 0, chain.Count - 2, context.Ocsp, context.OcspOptions);
        foreach (var cert in ocsp.Certificates)
        {
            if (cert.Status == OcspCertificateStatus.Good || (cert.Status == OcspCertificateStatus.Unavailable && context.Policy.AllowMissingOcsp))
            {
                continue;
            }

            failures.Add(new GpuAppraisalFailure(GpuCheck.Ocsp, $"{id}.certificateChain[{cert.ChainIndex}]", $"{kind} RIM chain OCSP {GpuDeviceAppraisal.OcspName(cert.Status)}: {cert.Reason}"));
        }

        // A revoked, unknown or invalid OCSP answer disqualifies the RIM's golden values; a missing one is a policy matter.
        var usable = ocsp.Status is OcspCertificateStatus.Good or OcspCertificateStatus.Unavailable;
        return usable ? (RimStatus.Verified, rim, ocsp.Status) : (RimStatus.Invalid, null, ocsp.Status);
    }

    private static string Name(RimStatus status) => status.ToString().ToLowerInvariant();
}
