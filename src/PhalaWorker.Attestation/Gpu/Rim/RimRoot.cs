namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>A trusted RIM root: its DER, subject, SubjectPublicKeyInfo and whether it is emulated.</summary>
internal sealed class RimRoot
{
    private RimRoot(RimCertificate certificate, bool isEmulated)
    {
        Certificate = certificate;
        IsEmulated = isEmulated;
    }

    public RimCertificate Certificate { get; }

    public byte[] Der => Certificate.Der;

    public byte[] SubjectDer => Certificate.SubjectDer;

    public byte[] SubjectPublicKeyInfo => Certificate.SubjectPublicKeyInfo;

    public bool IsEmulated { get; }

    public static RimRoot? Create(byte[] der, bool isEmulated, out string? error)
    {
        RimCertificate certificate;
        try
        {
            certificate = RimCertificate.Parse(der);
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }

        if (!certificate.IsSelfIssued || !certificate.IsCa || !certificate.IsSignedBy(certificate))
        {
            error = "not a self-signed CA certificate";
            return null;
        }

        error = null;
        return new RimRoot(certificate, isEmulated);
    }
}
