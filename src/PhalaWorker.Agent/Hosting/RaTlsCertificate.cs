using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PhalaWorker.Attestation.Binding;

namespace PhalaWorker.Agent.Hosting;

/// <summary>
/// The RA-TLS certificate the gRPC listener serves: an ECDSA P-256 key generated in memory when the agent starts (like the
/// node keys: never read from disk or configuration, a new one at every start) and a self-signed certificate for it. Its
/// SubjectPublicKeyInfo digest is bound into report_data (<see cref="ReportDataBinding"/> v2), which is what clients check;
/// the certificate's names and validity carry no trust (clients do no CA validation), so it is issued once for the
/// process's life.
/// </summary>
internal sealed class RaTlsCertificate : IDisposable
{
    private readonly ECDsa _key;

    public RaTlsCertificate(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=phala-worker node (RA-TLS)", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        var now = timeProvider.GetUtcNow();
        Certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        SpkiSha256 = RaTlsBinding.SpkiDigest(Certificate);
    }

    /// <summary>The certificate with its private key (which exists only in this process).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the certificate's DER SubjectPublicKeyInfo: what report_data and the bundle bind.</summary>
    public byte[] SpkiSha256 { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
