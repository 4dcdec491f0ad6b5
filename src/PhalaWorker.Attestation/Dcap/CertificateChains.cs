using Org.BouncyCastle.Asn1;
using PhalaWorker.Attestation.Appraisal;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Dcap;

/// <summary>Time-independent chain checks: every signature, names, CA constraints, and the end at a pinned root key.</summary>
internal static class CertificateChains
{
    /// <summary>
    /// Verifies <paramref name="chain"/> (leaf first). On success <paramref name="full"/> is the chain ending with the pinned root
    /// certificate (the carried root is replaced by the pinned one) and <paramref name="root"/> the pinned root.
    /// </summary>
    public static AppraisalFailure? Verify(
        List<ParsedCertificate> chain,
        TrustedRoots roots,
        VerificationCheck check,
        string chainName,
        out ParsedCertificate[] full,
        out TrustedRoot? root)
    {
        full = [];
        root = null;
        if (chain.Count == 0)
        {
            return new AppraisalFailure(check, chainName, $"{chainName} holds no certificate");
        }

        for (var i = 0; i < chain.Count - 1; i++)
        {
            var cert = chain[i];
            var issuer = chain[i + 1];
            if (!issuer.IsCa)
            {
                return new AppraisalFailure(check, issuer.DisplayName, $"{chainName}: issuer {issuer.DisplayName} is not a CA certificate");
            }

            if (!cert.Certificate.IssuerDN.Equivalent(issuer.Certificate.SubjectDN, inOrder: true))
            {
                return new AppraisalFailure(check, cert.DisplayName, $"{chainName}: {cert.DisplayName} is issued by '{cert.Issuer}', not by the next certificate '{issuer.Subject}'");
            }

            if (!issuer.PublicKey.VerifyDer(cert.Tbs, cert.Signature))
            {
                return new AppraisalFailure(check, cert.DisplayName, $"{chainName}: signature of {cert.DisplayName} by {issuer.DisplayName} is invalid");
            }
        }

        var last = chain[^1];
        if (last.IsSelfIssued)
        {
            root = roots.FindByKey(last.SubjectPublicKeyInfoSha256);
            if (root is null)
            {
                return new AppraisalFailure(VerificationCheck.TrustedRoot, last.DisplayName, $"{chainName}: root {last.DisplayName} is not a pinned trusted root (key sha256 {Convert.ToHexStringLower(last.SubjectPublicKeyInfoSha256)})");
            }

            if (!root.Certificate.PublicKey.VerifyDer(last.Tbs, last.Signature))
            {
                return new AppraisalFailure(VerificationCheck.TrustedRoot, last.DisplayName, $"{chainName}: self-signature of root {last.DisplayName} is invalid");
            }

            full = [.. chain.Take(chain.Count - 1), root.Certificate];
        }
        else
        {
            root = roots.FindBySubject(last);
            if (root is null || !last.IsSignedBy(root.Certificate))
            {
                return new AppraisalFailure(VerificationCheck.TrustedRoot, last.DisplayName, $"{chainName}: {last.DisplayName} does not chain to a pinned trusted root");
            }

            full = [.. chain, root.Certificate];
        }

        return null;
    }

    /// <summary>Decodes each DER certificate, failing with <paramref name="check"/> naming the position.</summary>
    public static AppraisalFailure? Parse(IReadOnlyList<byte[]> ders, VerificationCheck check, string chainName, out List<ParsedCertificate> certs)
    {
        certs = new List<ParsedCertificate>(ders.Count);
        for (var i = 0; i < ders.Count; i++)
        {
            try
            {
                certs.Add(ParsedCertificate.Parse(ders[i]));
            }
            catch (FormatException ex)
            {
                return new AppraisalFailure(check, $"{chainName}[{i}]", $"{chainName}: certificate {i} does not decode: {ex.Message}");
            }
        }

        return null;
    }

    public static byte[]? GetExtension(ParsedCertificate cert, string oid) =>
        cert.Certificate.GetExtensionValue(new DerObjectIdentifier(oid))?.GetOctets();
}
