namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>
/// Verifies an NVIDIA certificate chain (device chain from NVML, or a RIM's embedded chain), leaf first: optionally an exact
/// length, each certificate signed by the next with chaining names, CA flags on issuers, every certificate valid at the
/// verification time, and the last certificate anchored (subject + public key) on a trusted root and self-signed.
/// </summary>
internal static class GpuCertificateChain
{
    /// <summary>The result: the decoded chain (as far as it decoded), the anchor, and the first failure.</summary>
    internal sealed record Outcome(IReadOnlyList<GpuCertificate> Certificates, GpuTrustedRoot? Root, int? FailedIndex, string? Reason)
    {
        public bool Valid => Reason is null;

        public bool Emulated => Root?.IsEmulated ?? false;
    }

    public static Outcome Verify(IReadOnlyList<byte[]> ders, GpuTrustedRoots roots, DateTimeOffset at, int? exactCount, string chainName)
    {
        ArgumentNullException.ThrowIfNull(ders);
        ArgumentNullException.ThrowIfNull(roots);
        var certificates = new List<GpuCertificate>(ders.Count);
        if (exactCount is { } expected && ders.Count != expected)
        {
            return new Outcome(certificates, null, null, $"{chainName} has {ders.Count} certificates; exactly {expected} (leaf first, root last) are required");
        }

        if (ders.Count < 2)
        {
            return new Outcome(certificates, null, null, $"{chainName} has {ders.Count} certificate(s); a leaf and a root are required");
        }

        for (var i = 0; i < ders.Count; i++)
        {
            try
            {
                certificates.Add(GpuCertificate.Parse(ders[i]));
            }
            catch (FormatException ex)
            {
                return new Outcome(certificates, null, i, $"{chainName} certificate {i} does not decode: {ex.Message}");
            }
        }

        var root = roots.Find(certificates[^1]);
        if (root is null)
        {
            return new Outcome(certificates, null, certificates.Count - 1,
                $"{chainName} ends at {certificates[^1].DisplayName}, which is not a trusted root (subject and key must match)");
        }

        if (!certificates[^1].IsSignedBy(certificates[^1]))
        {
            return new Outcome(certificates, root, certificates.Count - 1, $"{chainName} root {certificates[^1].DisplayName} is not validly self-signed");
        }

        for (var i = 0; i < certificates.Count - 1; i++)
        {
            var cert = certificates[i];
            var issuer = certificates[i + 1];
            if (!issuer.IsCa)
            {
                return new Outcome(certificates, root, i + 1, $"{chainName} certificate {i + 1} {issuer.DisplayName} issues certificate {i} but is not a CA");
            }

            if (!cert.IsSignedBy(issuer))
            {
                return new Outcome(certificates, root, i, $"{chainName} certificate {i} {cert.DisplayName} is not signed by certificate {i + 1} {issuer.DisplayName}");
            }
        }

        for (var i = 0; i < certificates.Count; i++)
        {
            if (!certificates[i].IsValidAt(at))
            {
                return new Outcome(certificates, root, i,
                    $"{chainName} certificate {i} {certificates[i].DisplayName} is valid {certificates[i].NotBefore:O} .. {certificates[i].NotAfter:O}, not at {at:O}");
            }
        }

        return new Outcome(certificates, root, null, null);
    }
}
