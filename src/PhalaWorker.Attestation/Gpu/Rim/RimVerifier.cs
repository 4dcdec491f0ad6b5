using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// Verifies a RIM the way NVIDIA's verifier does, fail-closed: the enveloped XML-DSig (Reference digest over the document
/// without its Signature, C14N, SHA-384; SignedInfo signed ecdsa-sha384 with raw r‖s by the first embedded certificate), the
/// embedded chain exactly as embedded (signer first) to a trusted RIM root anchored on subject and public key, and every
/// certificate's validity at the verification time. Each check is reported (<see cref="RimVerificationResult.Checks"/>);
/// the verdict is <see cref="RimVerificationResult.Valid"/> only when all pass. Revocation (OCSP) is the caller's, over
/// <see cref="RimVerificationResult.VerifiedChain"/>.
/// </summary>
public sealed class RimVerifier
{
    private readonly RimTrustedRoots _roots;
    private readonly TimeProvider _time;

    /// <summary>A verifier trusting <paramref name="roots"/> (default: the NVIDIA CoRIM signing Root CA only), with validity at <paramref name="time"/>'s now.</summary>
    public RimVerifier(RimTrustedRoots? roots = null, TimeProvider? time = null)
    {
        _roots = roots ?? RimTrustedRoots.Nvidia;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Verifies at the time provider's current time.</summary>
    public RimVerificationResult Verify(ReferenceIntegrityManifest rim) => Verify(rim, _time.GetUtcNow());

    /// <summary>Verifies with certificate validity evaluated at <paramref name="at"/>.</summary>
    public RimVerificationResult Verify(ReferenceIntegrityManifest rim, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(rim);
        var certificates = new List<RimCertificate>(rim.CertificateChain.Count);
        string? decodeError = null;
        for (var i = 0; i < rim.CertificateChain.Count && decodeError is null; i++)
        {
            try
            {
                certificates.Add(RimCertificate.Parse(rim.CertificateChain[i]));
            }
            catch (FormatException ex)
            {
                decodeError = $"X509Certificate[{i + 1}]: {ex.Message}";
            }
        }

        var digest = CheckDigest(rim);
        var signature = CheckSignature(rim, certificates.Count > 0 ? certificates[0] : null);
        var chain = decodeError is null
            ? CheckChain(certificates, out var root)
            : Fail(RimCheck.Chain, decodeError.Split(':')[0], $"certificate {decodeError}", out root);
        var validity = CheckValidity(certificates, root, decodeError is null, at);

        var checks = new[] { digest, signature, chain, validity };
        var failures = checks.Where(c => !c.Passed).ToList();
        IReadOnlyList<RimChainCertificate> verified = [];
        if (chain.Passed && root is not null)
        {
            var full = certificates.Take(certificates.Count - 1).Append(root.Certificate).ToList();
            verified = full.Select((c, i) => new RimChainCertificate(i, c.DisplayName, c.SerialHex, c.NotBefore, c.NotAfter, c.Der)).ToList();
        }

        return new RimVerificationResult
        {
            Id = rim.Id,
            Valid = failures.Count == 0,
            Checks = checks,
            FailedCheck = failures.Count > 0 ? failures[0].Check : null,
            FailedItem = failures.Count > 0 ? failures[0].Item : null,
            Reason = failures.Count > 0 ? string.Join("; ", failures.Select(f => $"{f.Check}: {f.Detail}")) : null,
            VerifiedChain = verified,
            Emulated = chain.Passed && root is { IsEmulated: true },
            VerifiedAt = at,
            ValidUntil = decodeError is null && certificates.Count > 0 ? certificates.Min(c => c.NotAfter) : null,
        };
    }

    private static RimCheckResult CheckDigest(ReferenceIntegrityManifest rim)
    {
        var computed = RimCanonicalizer.ReferenceDigest(rim);
        return CryptographicOperations.FixedTimeEquals(computed, rim.Signature.DigestValue)
            ? new RimCheckResult(RimCheck.Digest, true, null, $"SHA-384 {Convert.ToHexStringLower(computed)}")
            : new RimCheckResult(RimCheck.Digest, false, "Signature/SignedInfo/Reference/DigestValue",
                $"the document's SHA-384 {Convert.ToHexStringLower(computed)} is not the signed DigestValue {Convert.ToHexStringLower(rim.Signature.DigestValue)}");
    }

    private static RimCheckResult CheckSignature(ReferenceIntegrityManifest rim, RimCertificate? signer)
    {
        if (signer is null)
        {
            return new RimCheckResult(RimCheck.Signature, false, "X509Certificate[1]", "the signer certificate does not decode");
        }

        if (signer.KeySize != 384)
        {
            return new RimCheckResult(RimCheck.Signature, false, signer.DisplayName, $"ecdsa-sha384 needs a P-384 key; {signer.DisplayName} has a {signer.KeySize}-bit key");
        }

        var signedInfo = RimCanonicalizer.SignedInfo(rim);
        return signer.Verify(signedInfo, rim.Signature.SignatureValue, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? new RimCheckResult(RimCheck.Signature, true, signer.DisplayName, $"SignedInfo signed by {signer.DisplayName}")
            : new RimCheckResult(RimCheck.Signature, false, "Signature/SignatureValue", $"SignatureValue does not verify over SignedInfo with the key of {signer.DisplayName}");
    }

    private RimCheckResult CheckChain(List<RimCertificate> chain, out RimRoot? root)
    {
        root = null;
        if (chain.Count < 2)
        {
            return Fail(RimCheck.Chain, "Signature/KeyInfo/X509Data", $"{chain.Count} certificate(s): a RIM chain holds the signer and at least its root", out root);
        }

        foreach (var certificate in chain)
        {
            if (certificate.UnknownCriticalExtension is { } oid)
            {
                return Fail(RimCheck.Chain, certificate.DisplayName, $"{certificate.DisplayName} has an unsupported critical extension {oid}", out root);
            }
        }

        var signer = chain[0];
        if (signer.IsCa)
        {
            return Fail(RimCheck.Chain, signer.DisplayName, $"signer {signer.DisplayName} is a CA certificate", out root);
        }

        if (signer.KeyUsage is { } signerUsage && !signerUsage.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            return Fail(RimCheck.Chain, signer.DisplayName, $"signer {signer.DisplayName} lacks the digitalSignature key usage", out root);
        }

        for (var i = 0; i < chain.Count - 1; i++)
        {
            var certificate = chain[i];
            var issuer = chain[i + 1];
            if (!issuer.IsCa || issuer.KeyUsage is { } usage && !usage.HasFlag(X509KeyUsageFlags.KeyCertSign))
            {
                return Fail(RimCheck.Chain, issuer.DisplayName, $"issuer {issuer.DisplayName} is not a CA certificate allowed to sign certificates", out root);
            }

            // CA certificates between this issuer and the signer: chain[1..i].
            if (issuer.PathLength is { } pathLength && i > pathLength)
            {
                return Fail(RimCheck.Chain, issuer.DisplayName, $"issuer {issuer.DisplayName} allows {pathLength} intermediate CA(s) below it, the chain has {i}", out root);
            }

            if (!certificate.IssuerDer.AsSpan().SequenceEqual(issuer.SubjectDer))
            {
                return Fail(RimCheck.Chain, certificate.DisplayName, $"{certificate.DisplayName} is not issued by the next certificate {issuer.DisplayName}", out root);
            }

            if (!certificate.IsSignedBy(issuer))
            {
                return Fail(RimCheck.Chain, certificate.DisplayName, $"signature of {certificate.DisplayName} by {issuer.DisplayName} does not verify", out root);
            }
        }

        var last = chain[^1];
        var trusted = _roots.Find(last.SubjectDer, last.SubjectPublicKeyInfo);
        if (!last.IsSelfIssued || trusted is null)
        {
            return Fail(RimCheck.Chain, last.DisplayName, $"the chain ends at {last.DisplayName}, which is not a trusted RIM root (subject and key)", out root);
        }

        if (!last.IsSignedBy(trusted.Certificate))
        {
            return Fail(RimCheck.Chain, last.DisplayName, $"self-signature of root {last.DisplayName} does not verify", out root);
        }

        root = trusted;
        var kind = trusted.IsEmulated ? "emulated RIM root" : "trusted RIM root";
        return new RimCheckResult(RimCheck.Chain, true, trusted.Certificate.DisplayName, $"{chain.Count} certificates to the {kind} {trusted.Certificate.DisplayName}");
    }

    private static RimCheckResult CheckValidity(List<RimCertificate> chain, RimRoot? root, bool decoded, DateTimeOffset at)
    {
        if (!decoded || chain.Count == 0)
        {
            return new RimCheckResult(RimCheck.Validity, false, "Signature/KeyInfo/X509Data", "the chain does not decode");
        }

        // The trusted root's window counts, not only the embedded copy's (they may differ when the root was re-issued).
        var all = root is null ? chain : [.. chain, root.Certificate];
        var outside = all.Where(c => at < c.NotBefore || at > c.NotAfter).ToList();
        if (outside.Count == 0)
        {
            return new RimCheckResult(RimCheck.Validity, true, null, $"every certificate is valid at {at:O}");
        }

        var detail = string.Join(", ", outside.Select(c => at > c.NotAfter
            ? $"{c.DisplayName} expired {c.NotAfter:O}"
            : $"{c.DisplayName} is not valid before {c.NotBefore:O}"));
        return new RimCheckResult(RimCheck.Validity, false, outside[0].DisplayName, $"at {at:O}: {detail}");
    }

    private static RimCheckResult Fail(RimCheck check, string item, string detail, out RimRoot? root)
    {
        root = null;
        return new RimCheckResult(check, false, item, detail);
    }
}
