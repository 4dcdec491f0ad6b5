using System.Security.Cryptography;
using PhalaWorker.Attestation.Gpu.Appraisal;
using PhalaWorker.Attestation.Gpu.Evidence;
using PhalaWorker.Attestation.Gpu.Ocsp;
using PhalaWorker.Attestation.Gpu.Policy;
using PhalaWorker.Attestation.Gpu.Spdm;

namespace PhalaWorker.Attestation.Gpu.Verification;

public static partial class GpuVerifier
{
    /// <summary>One GPU's verification: runs every check it can, collecting failures in order.</summary>
    private sealed class Run(int index, GpuEvidenceItem item, GpuVerificationContext context)
    {
        private readonly List<GpuAppraisalFailure> _failures = [];

        /// <summary>SubjectPublicKeyInfo of the device leaf, when the chain decoded (for the duplicate-device check).</summary>
        public byte[]? LeafKey { get; private set; }

        public GpuDeviceAppraisal Execute()
        {
            var policy = context.Policy;
            GpuAttestationReport report;
            try
            {
                report = GpuAttestationReportParser.Parse(item.Report);
            }
            catch (GpuEvidenceFormatException ex)
            {
                Fail(GpuCheck.EvidenceFormat, "evidence." + ex.Field, $"attestation report does not decode: {ex.Message}");
                return Result(new GpuDeviceAppraisal { Index = index, Arch = item.Arch, Uuid = item.Uuid, CcMode = item.CcMode, Valid = false });
            }

            // Identity and freshness.
            var chip = GpuAttestationReport.ChipFamily(item.Arch);
            if (chip is null)
            {
                Fail(GpuCheck.Architecture, "arch", $"architecture {item.Arch} is not HOPPER or BLACKWELL");
            }

            var expectedNonce = context.ExpectedNonce ?? item.Nonce;
            var nonceMatch = expectedNonce.Length == report.Request.Nonce.Length && CryptographicOperations.FixedTimeEquals(expectedNonce, report.Request.Nonce);
            if (!nonceMatch)
            {
                Fail(GpuCheck.Nonce, "request.nonce",
                    $"report was requested with nonce {Convert.ToHexStringLower(report.Request.Nonce)}, expected {Convert.ToHexStringLower(expectedNonce)}");
            }

            bool? driverMatch = item.DriverVersion is { } nvmlDriver ? string.Equals(nvmlDriver, report.DriverVersion, StringComparison.Ordinal) : null;
            if (driverMatch == false)
            {
                Fail(GpuCheck.DriverVersion, "opaqueData.driverVersion", $"report driver version {report.DriverVersion ?? "(none)"} differs from NVML's {item.DriverVersion}");
            }

            bool? vbiosMatch = item.VbiosVersion is { } nvmlVbios ? string.Equals(nvmlVbios, report.VbiosVersion, StringComparison.OrdinalIgnoreCase) : null;
            if (vbiosMatch == false)
            {
                Fail(GpuCheck.VbiosVersion, "opaqueData.vbiosVersion", $"report VBIOS version {report.VbiosVersion ?? "(none)"} differs from NVML's {item.VbiosVersion}");
            }

            // Device chain, report signature, FWID.
            var (chainOk, emulated, chain) = CheckChain();
            var leaf = chain.Count > 0 ? chain[0] : null;
            LeafKey = leaf?.SubjectPublicKeyInfo;
            var signatureOk = leaf is not null && VerifyReportSignature(leaf, item.Report, report.SignedLength);
            if (!signatureOk)
            {
                Fail(GpuCheck.ReportSignature, "response.signature", leaf is null
                    ? "report signature not checked: the device leaf certificate does not decode"
                    : $"report signature over bytes [0, {report.SignedLength}) does not verify with the key of {leaf.DisplayName}");
            }

            bool? fwidMatch = null;
            if (report.Fwid is { } fwid)
            {
                var extension = leaf?.ExtensionValue(FwidExtensionOid);
                fwidMatch = extension is { Length: >= 48 } && CryptographicOperations.FixedTimeEquals(extension.AsSpan(extension.Length - 48), fwid);
                if (fwidMatch == false)
                {
                    Fail(GpuCheck.Fwid, "certificateChain[0]." + FwidExtensionOid, extension is null
                        ? "the device leaf has no FWID extension (2.23.133.5.4.1) but the report carries a FWID"
                        : $"device leaf FWID differs from the report's FWID {Convert.ToHexStringLower(fwid)}");
                }
            }

            // OCSP of device chain indices 1..n-2.
            var ocsp = chain.Count == DeviceChainLength
                ? OcspChecker.CheckChain(chain, 1, chain.Count - 2, context.Ocsp, context.OcspOptions)
                : new OcspChainResult(OcspCertificateStatus.Unavailable, []);
            if (chain.Count == DeviceChainLength)
            {
                CheckOcsp(ocsp, policy);
            }

            // RIMs and measurements.
            var driverRimId = chip is null ? $"NV_GPU_DRIVER_{item.Arch}_{report.DriverVersion}" : report.DriverRimId(item.Arch) ?? "(no driver version in the report)";
            var vbiosRimId = report.VbiosRimId ?? "(no VBIOS identity in the report)";
            var rim = GpuRimAppraiser.Appraise(report, driverRimId, vbiosRimId, context);
            foreach (var failure in rim.Failures)
            {
                var unavailable = failure.Check switch
                {
                    GpuCheck.DriverRim => rim.DriverRim == RimStatus.Unavailable,
                    GpuCheck.VbiosRim => rim.VbiosRim == RimStatus.Unavailable,
                    GpuCheck.Measurements => rim.Measurements == MeasurementStatus.Unavailable,
                    _ => false,
                };
                if (!unavailable || policy.RequireRims)
                {
                    _failures.Add(failure);
                }
            }

            // Policy.
            var featureFlag = report.FeatureFlag switch
            {
                null => null,
                0 => "SPT",
                1 => "MPT",
                2 => "PPCIE",
                var other => $"UNKNOWN_{other}",
            };
            CheckPolicy(report, featureFlag, policy);

            return Result(new GpuDeviceAppraisal
            {
                Index = index,
                Arch = item.Arch,
                Uuid = item.Uuid,
                DriverVersion = report.DriverVersion,
                VbiosVersion = report.VbiosVersion,
                DriverRimId = driverRimId,
                VbiosRimId = vbiosRimId,
                ReportParsed = true,
                NonceMatch = nonceMatch,
                DriverVersionMatch = driverMatch,
                VbiosVersionMatch = vbiosMatch,
                SignatureVerified = signatureOk,
                CertChainVerified = chainOk,
                FwidMatch = fwidMatch,
                Ocsp = ocsp.Status,
                OcspCertificates = ocsp.Certificates,
                DriverRim = rim.DriverRim,
                VbiosRim = rim.VbiosRim,
                Measurements = rim.Measurements,
                MismatchedIndices = rim.MismatchedIndices,
                FeatureFlag = featureFlag,
                CcMode = item.CcMode,
                Emulated = emulated,
                Valid = false,
            });
        }

        private (bool Ok, bool Emulated, IReadOnlyList<GpuCertificate> Chain) CheckChain()
        {
            List<byte[]> ders;
            try
            {
                ders = SplitChain(item.CertificateChainPem);
            }
            catch (FormatException ex)
            {
                Fail(GpuCheck.CertificateChain, "certificateChain", $"device certificate chain is not PEM: {ex.Message}");
                return (false, false, []);
            }

            var outcome = GpuCertificateChain.Verify(ders, context.Roots, context.At, DeviceChainLength, "device certificate chain");
            if (!outcome.Valid)
            {
                var where = outcome.FailedIndex is { } i ? $"certificateChain[{i}]" : "certificateChain";
                var check = outcome.Root is null && outcome.Certificates.Count == ders.Count ? GpuCheck.TrustedRoot : GpuCheck.CertificateChain;
                Fail(check, where, outcome.Reason!);
                return (false, outcome.Emulated, outcome.Certificates.Count == ders.Count ? outcome.Certificates : outcome.Certificates.Take(1).ToList());
            }

            if (outcome.Emulated && !context.Policy.AllowEmulated)
            {
                Fail(GpuCheck.EmulatedRoot, "certificateChain[4]", $"device chain ends at the emulated root {outcome.Certificates[^1].DisplayName}; the policy does not allow emulation");
            }

            return (true, outcome.Emulated, outcome.Certificates);
        }

        private void CheckOcsp(OcspChainResult ocsp, GpuAttestationPolicy policy)
        {
            foreach (var cert in ocsp.Certificates)
            {
                if (cert.Status == OcspCertificateStatus.Good || (cert.Status == OcspCertificateStatus.Unavailable && policy.AllowMissingOcsp))
                {
                    continue;
                }

                Fail(GpuCheck.Ocsp, $"certificateChain[{cert.ChainIndex}]", $"OCSP {GpuDeviceAppraisal.OcspName(cert.Status)}: {cert.Reason}");
            }
        }

        private void CheckPolicy(GpuAttestationReport report, string? featureFlag, GpuAttestationPolicy policy)
        {
            if (item.CcMode == "off" && policy.RequireCcMode)
            {
                Fail(GpuCheck.CcMode, "ccMode", "NVML reports CC mode off; the policy requires it on");
            }

            if (item.CcMode == "devtools" && !policy.AllowDevTools)
            {
                Fail(GpuCheck.DevTools, "ccMode", "NVML reports CC DevTools mode; the policy forbids it");
            }

            if (policy.MinimumDriverVersion is { } minDriver && !AtLeast(report.DriverVersion, minDriver, GpuVersion.Kind.Driver))
            {
                Fail(GpuCheck.DriverVersionPolicy, "opaqueData.driverVersion", $"driver version {report.DriverVersion ?? "(none)"} is below the policy minimum {minDriver}");
            }

            if (policy.MinimumVbiosVersion is { } minVbios && !AtLeast(report.VbiosVersion, minVbios, GpuVersion.Kind.Vbios))
            {
                Fail(GpuCheck.VbiosVersionPolicy, "opaqueData.vbiosVersion", $"VBIOS version {report.VbiosVersion ?? "(none)"} is below the policy minimum {minVbios}");
            }

            if (featureFlag == "PPCIE" && !policy.AllowPpcie)
            {
                Fail(GpuCheck.Ppcie, "opaqueData.featureFlag", "the report is in PPCIe (protected PCIe) mode; the policy does not allow it");
            }
            else if (featureFlag is not null && featureFlag.StartsWith("UNKNOWN", StringComparison.Ordinal))
            {
                Fail(GpuCheck.Ppcie, "opaqueData.featureFlag", $"feature flag {featureFlag} is not SPT, MPT or PPCIE");
            }
        }

        private static bool AtLeast(string? version, string minimum, GpuVersion.Kind kind) =>
            version is not null && GpuVersion.TryParse(version, kind) is { } have && GpuVersion.TryParse(minimum, kind) is { } need && GpuVersion.Compare(have, need) >= 0;

        private void Fail(GpuCheck check, string item, string message) => _failures.Add(new GpuAppraisalFailure(check, item, message));

        private GpuDeviceAppraisal Result(GpuDeviceAppraisal appraisal)
        {
            var first = _failures.Count > 0 ? _failures[0] : null;
            return appraisal with
            {
                Valid = first is null,
                Reason = first is null ? null : string.Join("; ", _failures.Select(f => f.Message)),
                FailedCheck = first?.Check,
                FailedItem = first?.Item,
                Failures = [.. _failures],
            };
        }
    }
}
