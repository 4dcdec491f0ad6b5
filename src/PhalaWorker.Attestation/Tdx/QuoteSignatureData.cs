namespace PhalaWorker.Attestation.Tdx;

/// <summary>ECDSA-256 quote signature data: signature (r‖s) over header‖body, attestation key (X‖Y), certification data.</summary>
public sealed record QuoteSignatureData(byte[] Signature, byte[] AttestationKey, CertificationData CertificationData)
{
    /// <summary>The QE report certification data (type 6), or null when the quote carries another type.</summary>
    public QeReportCertificationData? QeReportCertification => CertificationData as QeReportCertificationData;
}
