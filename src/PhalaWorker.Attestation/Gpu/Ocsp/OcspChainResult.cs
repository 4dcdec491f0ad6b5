namespace PhalaWorker.Attestation.Gpu.Ocsp;

/// <summary>The OCSP outcome of a chain: the worst certificate status (revoked, invalid, unknown, unavailable, good) and each certificate's.</summary>
public sealed record OcspChainResult(OcspCertificateStatus Status, IReadOnlyList<OcspCertificateResult> Certificates)
{
    /// <summary>The first certificate with <see cref="Status"/>, when not good.</summary>
    public OcspCertificateResult? Worst => Status == OcspCertificateStatus.Good ? null : Certificates.FirstOrDefault(c => c.Status == Status);

    internal static OcspChainResult From(List<OcspCertificateResult> results)
    {
        var status = OcspCertificateStatus.Good;
        foreach (var result in results)
        {
            if (result.Status > status)
            {
                status = result.Status;
            }
        }

        return new OcspChainResult(status, results);
    }
}
