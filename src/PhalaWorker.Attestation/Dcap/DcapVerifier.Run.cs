using System.Security.Cryptography;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Policy;
using PhalaWorker.Attestation.Tdx;

namespace PhalaWorker.Attestation.Dcap;

public static partial class DcapVerifier
{
    /// <summary>One verification: collects failures; fatal ones stop before checks that would depend on them.</summary>
    private sealed class Run(TdxQuote quote, QuoteCollateral collateral, DateTimeOffset at, AttestationPolicy policy, TrustedRoots roots)
    {
        private readonly List<AppraisalFailure> _failures = [];
        private readonly MeasuredValues _measurements = MeasuredValues.From(quote.Body);
        private bool _emulated;
        private string? _fmspc;
        private DateTimeOffset? _expires;
        private TcbOutcome? _tcb;

        public QuoteAppraisal Execute(ReadOnlySpan<byte> raw)
        {
            _ = RunChecks(raw);
            var first = _failures.Count > 0 ? _failures[0] : null;
            return new QuoteAppraisal
            {
                Valid = _failures.Count == 0,
                TcbStatus = _tcb?.Status,
                AdvisoryIds = _tcb?.AdvisoryIds ?? [],
                PlatformTcbStatus = _tcb?.PlatformStatus,
                TdxModuleTcbStatus = _tcb?.ModuleStatus,
                QeTcbStatus = _tcb?.QeStatus,
                TcbDate = _tcb?.TcbDate,
                Reason = first is null ? null : string.Join("; ", _failures.Select(f => f.Message)),
                FailedCheck = first?.Check,
                FailedItem = first?.Item,
                Failures = [.. _failures],
                Emulated = _emulated,
                QuoteVersion = quote.Version,
                Fmspc = _fmspc,
                Measurements = _measurements,
                VerifiedAt = at,
                CollateralExpiresAt = _expires,
                Quote = quote,
            };
        }

        /// <summary>Returns false when a fatal failure stopped the run.</summary>
        private bool RunChecks(ReadOnlySpan<byte> raw)
        {
            if (!quote.Header.QeVendorId.AsSpan().SequenceEqual(QuoteHeader.IntelQeVendorId))
            {
                return Fatal(VerificationCheck.QuoteHeader, "header.qeVendorId", $"QE vendor id {Convert.ToHexStringLower(quote.Header.QeVendorId)} is not Intel's");
            }

            if (quote.SignatureData.CertificationData is not QeReportCertificationData qe || qe.Inner is not PckCertChainCertificationData pem)
            {
                return Fatal(VerificationCheck.CertificationData, "signatureData.certificationData.type",
                    $"certification data type {quote.SignatureData.CertificationData.Type} is not QE report certification data (6) wrapping a PCK chain (5)");
            }

            // Collateral (cached): chains, CRL and TCB info / QE identity signatures.
            var prepared = GetPrepared(collateral, roots);
            if (prepared.Failure is { } collateralFailure)
            {
                _failures.Add(collateralFailure);
                return false;
            }

            // PCK chain (cached): signatures to a pinned root, SGX extension.
            var pck = GetPckChain(pem.PemChain, roots);
            if (pck.Failure is { } chainFailure)
            {
                _failures.Add(chainFailure);
                return false;
            }

            _fmspc = Convert.ToHexString(pck.Extension.Fmspc);
            _emulated = pck.Root.IsEmulated || prepared.Root.IsEmulated;
            if (!pck.Root.SameKey(prepared.Root))
            {
                return Fatal(VerificationCheck.TrustedRoot, pck.Root.Certificate.DisplayName,
                    $"PCK chain ends at {pck.Root.Certificate.DisplayName} but the collateral at {prepared.Root.Certificate.DisplayName}");
            }

            if (_emulated && !policy.AllowEmulated)
            {
                return Fatal(VerificationCheck.EmulatedRoot, pck.Root.Certificate.DisplayName,
                    $"chain ends at the emulated root {pck.Root.Certificate.DisplayName}; the policy does not allow emulation");
            }

            var crlIssuer = prepared.PckCrlIssuerChain[0];
            if (!pck.LeafIssuer.SubjectPublicKeyInfoSha256.AsSpan().SequenceEqual(crlIssuer.SubjectPublicKeyInfoSha256)
                || !pck.LeafIssuer.SubjectDer.AsSpan().SequenceEqual(crlIssuer.SubjectDer))
            {
                return Fatal(VerificationCheck.PckCrl, "pck_crl",
                    $"PCK CRL is issued by {crlIssuer.DisplayName}, which did not issue the PCK leaf (issuer {pck.LeafIssuer.DisplayName})");
            }

            // The quote's own signatures, over the exact input bytes.
            var qeReportOffset = quote.SignedLength + 4 + 64 + 64 + 6;
            var qeReportBytes = raw.Slice(qeReportOffset, SgxReportBody.Size);
            if (!pck.Leaf.PublicKey.VerifyRaw(qeReportBytes, qe.QeReportSignature))
            {
                return Fatal(VerificationCheck.QeReportSignature, "signatureData.certificationData.qeReportSignature",
                    $"QE report signature by the PCK leaf {pck.Leaf.DisplayName} is invalid");
            }

            Span<byte> binding = stackalloc byte[32];
            var keyAndAuth = 64 + qe.QeAuthData.Length <= 512 ? stackalloc byte[64 + qe.QeAuthData.Length] : new byte[64 + qe.QeAuthData.Length];
            quote.SignatureData.AttestationKey.CopyTo(keyAndAuth);
            qe.QeAuthData.CopyTo(keyAndAuth[64..]);
            SHA256.HashData(keyAndAuth, binding);

            var qeReportData = qe.QeReport.ReportData;
            if (!binding.SequenceEqual(qeReportData.AsSpan(0, 32)) || !IsAllZero(qeReportData.AsSpan(32)))
            {
                return Fatal(VerificationCheck.QeReportDataBinding, "signatureData.attestationKey",
                    "QE report data is not SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes: the attestation key or QE auth data was not certified by the QE");
            }

            var attestationKey = GetAttestationKey(quote.SignatureData.AttestationKey);
            if (attestationKey is null)
            {
                return Fatal(VerificationCheck.QuoteSignature, "signatureData.attestationKey", "attestation key is not a valid P-256 point");
            }

            if (!attestationKey.VerifyRaw(raw[..quote.SignedLength], quote.SignatureData.Signature))
            {
                return Fatal(VerificationCheck.QuoteSignature, "signatureData.signature", "quote signature over header ‖ TD report body by the attestation key is invalid");
            }

            // Time windows (all reported).
            CheckWindows(prepared, pck);

            // Revocation of every certificate in every chain.
            CheckRevocation(prepared, pck);

            // Platform identity.
            if (!pck.Extension.Fmspc.AsSpan().SequenceEqual(prepared.Fmspc))
            {
                return Fatal(VerificationCheck.Fmspc, "pckCertificate.fmspc",
                    $"PCK FMSPC {Convert.ToHexString(pck.Extension.Fmspc)} differs from TCB info FMSPC {Convert.ToHexString(prepared.Fmspc)}");
            }

            if (!pck.Extension.PceId.AsSpan().SequenceEqual(prepared.PceId))
            {
                return Fatal(VerificationCheck.PceId, "pckCertificate.pceId",
                    $"PCK PCE-ID {Convert.ToHexString(pck.Extension.PceId)} differs from TCB info PCE-ID {Convert.ToHexString(prepared.PceId)}");
            }

            // QE identity.
            if (!CheckQeIdentity(prepared, qe.QeReport, out var qeLevel))
            {
                return false;
            }

            // TDX module and platform TCB.
            if (!EvaluateTcb(prepared, pck.Extension, qeLevel!))
            {
                return false;
            }

            CheckTdAndPolicy();
            return _failures.Count == 0;
        }

        private void CheckWindows(PreparedCollateral prepared, PreparedPckChain pck)
        {
            var expires = prepared.ExpiresAt;
            foreach (var cert in pck.Chain.Concat(prepared.CollateralCertificates).DistinctBy(c => c.Identity))
            {
                if (cert.NotAfter < expires)
                {
                    expires = cert.NotAfter;
                }

                if (at < cert.NotBefore || at > cert.NotAfter)
                {
                    Add(VerificationCheck.CertificateValidity, cert.DisplayName, $"certificate {cert.DisplayName} is valid {cert.NotBefore:O} .. {cert.NotAfter:O}, not at {at:O}");
                }
            }

            _expires = expires;
            Window(VerificationCheck.RootCaCrl, "root_ca_crl", "root CA CRL", prepared.RootCrl.ThisUpdate, prepared.RootCrl.NextUpdate!.Value);
            Window(VerificationCheck.PckCrl, "pck_crl", "PCK CRL", prepared.PckCrl.ThisUpdate, prepared.PckCrl.NextUpdate!.Value);
            Window(VerificationCheck.TcbInfoValidity, "tcb_info", "TCB info", prepared.TcbInfo.IssueDate, prepared.TcbInfo.NextUpdate);
            Window(VerificationCheck.QeIdentityValidity, "qe_identity", "QE identity", prepared.QeIdentity.IssueDate, prepared.QeIdentity.NextUpdate);

            if (policy.MaxCollateralAge is { } maxAge)
            {
                foreach (var (item, issued) in new[] { ("tcb_info", prepared.TcbInfo.IssueDate), ("qe_identity", prepared.QeIdentity.IssueDate), ("pck_crl", prepared.PckCrl.ThisUpdate) })
                {
                    if (at - issued > maxAge)
                    {
                        Add(VerificationCheck.CollateralAge, item, $"{item} issued {issued:O} is older than the policy's maximum collateral age {maxAge} at {at:O}");
                    }
                }
            }
        }

        private void Window(VerificationCheck check, string item, string name, DateTimeOffset from, DateTimeOffset until)
        {
            if (at < from)
            {
                Add(check, item, $"{name} is not yet valid at {at:O} (issued {from:O})");
            }
            else if (at > until)
            {
                Add(check, item, $"{name} expired at {until:O} (nextUpdate), verification time {at:O}");
            }
        }

        private void CheckRevocation(PreparedCollateral prepared, PreparedPckChain pck)
        {
            if (prepared.PckCrl.IsRevoked(pck.Leaf))
            {
                Add(VerificationCheck.CertificateRevoked, pck.Leaf.DisplayName, $"PCK leaf {pck.Leaf.DisplayName} is revoked by the PCK CRL");
            }

            foreach (var cert in pck.Chain.Skip(1).Concat(prepared.CollateralCertificates).DistinctBy(c => c.Identity))
            {
                if (cert.IsSelfIssued)
                {
                    continue;
                }

                if (cert.IssuerDer.AsSpan().SequenceEqual(prepared.RootCrl.IssuerDer) && prepared.RootCrl.IsRevoked(cert))
                {
                    Add(VerificationCheck.CertificateRevoked, cert.DisplayName, $"{cert.DisplayName} is revoked by the root CA CRL");
                }
            }
        }

        private bool CheckQeIdentity(PreparedCollateral prepared, SgxReportBody report, out SvnLevel? level)
        {
            level = null;
            const string item = "signatureData.certificationData.qeReport";
            if (!report.MrSigner.AsSpan().SequenceEqual(prepared.QeMrSigner))
            {
                return Fatal(VerificationCheck.QeIdentity, item + ".mrSigner", $"QE MRSIGNER {Convert.ToHexString(report.MrSigner)} is not the QE identity's {Convert.ToHexString(prepared.QeMrSigner)}");
            }

            if (report.IsvProdId != prepared.QeIdentity.IsvProdId)
            {
                return Fatal(VerificationCheck.QeIdentity, item + ".isvProdId", $"QE ISVPRODID {report.IsvProdId} is not the QE identity's {prepared.QeIdentity.IsvProdId}");
            }

            if ((report.MiscSelect & prepared.QeMiscSelectMask) != (prepared.QeMiscSelect & prepared.QeMiscSelectMask))
            {
                return Fatal(VerificationCheck.QeIdentity, item + ".miscSelect", $"QE MISCSELECT {report.MiscSelect:x8} does not match {prepared.QeMiscSelect:x8} under mask {prepared.QeMiscSelectMask:x8}");
            }

            for (var i = 0; i < 16; i++)
            {
                if ((report.Attributes[i] & prepared.QeAttributesMask[i]) != (prepared.QeAttributes[i] & prepared.QeAttributesMask[i]))
                {
                    return Fatal(VerificationCheck.QeIdentity, item + ".attributes", $"QE ATTRIBUTES {Convert.ToHexString(report.Attributes)} do not match {Convert.ToHexString(prepared.QeAttributes)} under mask {Convert.ToHexString(prepared.QeAttributesMask)}");
                }
            }

            foreach (var candidate in prepared.QeLevels)
            {
                if (candidate.IsvSvn <= report.IsvSvn)
                {
                    level = candidate;
                    return true;
                }
            }

            return Fatal(VerificationCheck.QeTcb, item + ".isvSvn", $"QE ISVSVN {report.IsvSvn} is below every QE identity TCB level");
        }

        private bool EvaluateTcb(PreparedCollateral prepared, SgxPckExtension ext, SvnLevel qeLevel)
        {
            var body = quote.Body;
            var teeTcbSvn = body.TeeTcbSvn;
            var moduleVersion = teeTcbSvn[1];
            ModuleIdentity? module;
            var usesModuleIdentities = prepared.ModuleIdentities.Count > 0 && moduleVersion > 0;
            if (usesModuleIdentities)
            {
                var id = $"TDX_{moduleVersion:X2}";
                if (!prepared.ModuleIdentities.TryGetValue(id, out module))
                {
                    return Fatal(VerificationCheck.TdxModuleIdentity, "body.teeTcbSvn", $"TCB info has no TDX module identity {id} (TEE_TCB_SVN[1] = {moduleVersion})");
                }
            }
            else
            {
                module = prepared.DefaultModule;
            }

            if (module is not null)
            {
                if (!body.MrSignerSeam.AsSpan().SequenceEqual(module.MrSigner))
                {
                    return Fatal(VerificationCheck.TdxModuleIdentity, "body.mrSignerSeam", $"MRSIGNERSEAM {Convert.ToHexStringLower(body.MrSignerSeam)} is not {module.Id}'s {Convert.ToHexStringLower(module.MrSigner)}");
                }

                for (var i = 0; i < 8; i++)
                {
                    if ((body.SeamAttributes[i] & module.AttributesMask[i]) != module.Attributes[i])
                    {
                        return Fatal(VerificationCheck.TdxModuleIdentity, "body.seamAttributes", $"SEAMATTRIBUTES {Convert.ToHexStringLower(body.SeamAttributes)} under mask {Convert.ToHexStringLower(module.AttributesMask)} are not {module.Id}'s {Convert.ToHexStringLower(module.Attributes)}");
                    }
                }
            }

            SvnLevel? moduleLevel = null;
            if (usesModuleIdentities && module!.Levels is { } moduleLevels)
            {
                moduleLevel = moduleLevels.FirstOrDefault(l => l.IsvSvn <= teeTcbSvn[0]);
                if (moduleLevel is null)
                {
                    return Fatal(VerificationCheck.TdxModuleTcb, "body.teeTcbSvn", $"TDX module SVN {teeTcbSvn[0]} is below every {module.Id} TCB level");
                }
            }

            // Platform TCB level: the first level the SGX components, PCESVN and TDX components all reach.
            var tdxStart = usesModuleIdentities ? 2 : 0;
            PlatformLevel? platform = null;
            foreach (var level in prepared.PlatformLevels)
            {
                if (Reaches(ext.ComponentSvns, level.SgxComponents, 0) && ext.PceSvn >= level.PceSvn && Reaches(teeTcbSvn, level.TdxComponents, tdxStart))
                {
                    platform = level;
                    break;
                }
            }

            if (platform is null)
            {
                return Fatal(VerificationCheck.TcbLevel, "pckCertificate.tcb",
                    $"no TCB level matches SGX components [{string.Join(',', ext.ComponentSvns)}], PCESVN {ext.PceSvn}, TEE_TCB_SVN {Convert.ToHexStringLower(teeTcbSvn)}");
            }

            var status = Converge(Converge(platform.Status, moduleLevel?.Status), qeLevel.Status);
            var advisories = platform.AdvisoryIds.Concat(moduleLevel?.AdvisoryIds ?? []).Concat(qeLevel.AdvisoryIds)
                .Distinct(StringComparer.Ordinal).ToArray();
            _tcb = new TcbOutcome(status, platform.Status, moduleLevel?.Status, qeLevel.Status, platform.TcbDate, advisories);
            return true;
        }

        private void CheckTdAndPolicy()
        {
            var tcb = _tcb!;
            if (tcb.Status == TcbStatus.Revoked)
            {
                Add(VerificationCheck.TcbRevoked, "tcbStatus", "TCB status is Revoked");
            }
            else if (!policy.Accepts(tcb.Status))
            {
                Add(VerificationCheck.TcbStatusPolicy, "tcbStatus", $"TCB status {tcb.Status} is below the policy minimum {policy.MinimumTcbStatus}");
            }

            var notAllowed = tcb.AdvisoryIds.Where(a => !policy.AllowedAdvisoryIds.Contains(a, StringComparer.OrdinalIgnoreCase)).ToArray();
            if (notAllowed.Length > 0)
            {
                Add(VerificationCheck.AdvisoryPolicy, "advisoryIds", $"advisories not allowed by the policy: {string.Join(", ", notAllowed)}");
            }

            var body = quote.Body;
            if ((body.TdAttributes[0] & 0xFF) != 0 && !policy.AllowDebug)
            {
                Add(VerificationCheck.DebugTd, "body.tdAttributes", body.IsDebug
                    ? $"TD_ATTRIBUTES {Convert.ToHexStringLower(body.TdAttributes)} has DEBUG set: a debug TD's memory and state are visible to the host"
                    : $"TD_ATTRIBUTES {Convert.ToHexStringLower(body.TdAttributes)} has reserved TUD bits set");
            }

            if (body.MrServiceTd is { } serviceTd && !IsAllZero(serviceTd) && !policy.AllowMrServiceTd)
            {
                Add(VerificationCheck.MrServiceTd, "body.mrServiceTd", $"MRSERVICETD {Convert.ToHexStringLower(serviceTd)} is non-zero and the policy does not allow service TDs");
            }

            Allowed("body.mrTd", "MRTD", _measurements.MrTd, policy.AllowedMrTd);
            Allowed("body.rtmr0", "RTMR0", _measurements.Rtmr0, policy.AllowedRtmr0);
            Allowed("body.rtmr1", "RTMR1", _measurements.Rtmr1, policy.AllowedRtmr1);
            Allowed("body.rtmr2", "RTMR2", _measurements.Rtmr2, policy.AllowedRtmr2);
            Allowed("body.rtmr3", "RTMR3", _measurements.Rtmr3, policy.AllowedRtmr3);
            Allowed("body.mrConfigId", "MRCONFIGID", _measurements.MrConfigId, policy.AllowedMrConfigId);
        }

        private void Allowed(string item, string name, string value, IReadOnlyList<string>? allowed)
        {
            if (allowed is { Count: > 0 } && !allowed.Any(a => string.Equals(Normalize(a), value, StringComparison.OrdinalIgnoreCase)))
            {
                Add(VerificationCheck.MeasurementPolicy, item, $"{name} {value} is not among the policy's {allowed.Count} allowed values");
            }
        }

        private static string Normalize(string hex) => hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;

        private static bool Reaches(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> required, int start)
        {
            for (var i = start; i < required.Length; i++)
            {
                if (actual[i] < required[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Intel QVL convergence of the platform status with a TDX module or QE status.</summary>
        private static TcbStatus Converge(TcbStatus platform, TcbStatus? other) => other switch
        {
            TcbStatus.Revoked => TcbStatus.Revoked,
            TcbStatus.OutOfDate or TcbStatus.OutOfDateConfigurationNeeded => platform switch
            {
                TcbStatus.UpToDate or TcbStatus.SWHardeningNeeded => TcbStatus.OutOfDate,
                TcbStatus.ConfigurationNeeded or TcbStatus.ConfigurationAndSWHardeningNeeded => TcbStatus.OutOfDateConfigurationNeeded,
                _ => platform,
            },
            _ => platform,
        };

        private void Add(VerificationCheck check, string item, string message) => _failures.Add(new AppraisalFailure(check, item, message));

        private bool Fatal(VerificationCheck check, string item, string message)
        {
            Add(check, item, message);
            return false;
        }
    }

    private sealed record TcbOutcome(
        TcbStatus Status,
        TcbStatus PlatformStatus,
        TcbStatus? ModuleStatus,
        TcbStatus QeStatus,
        DateTimeOffset TcbDate,
        IReadOnlyList<string> AdvisoryIds);
}
