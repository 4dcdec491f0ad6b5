using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PhalaWorker.Attestation.Binding;

/// <summary>
/// RA-TLS: how the TLS key the agent serves gRPC with is bound to its attestation. The agent generates the key in the TD at
/// every start (never from disk or configuration) and self-signs a certificate for it; the SHA-256 of the certificate's DER
/// SubjectPublicKeyInfo goes into report_data (<see cref="ReportDataBinding"/> v2) and into
/// <c>AttestationBundle.tls_spki_sha256</c>. A client accepts the TLS connection without CA validation, verifies the quote
/// and then requires that the key the endpoint presented is this one (and pins it for every later connection). One
/// definition for the agent and the SDK.
/// </summary>
public static class RaTlsBinding
{
    /// <summary>Length of <see cref="SpkiDigest(ReadOnlySpan{byte})"/>.</summary>
    public const int SpkiDigestLength = 32;

    /// <summary>The measured <c>tls.mode</c> of an agent serving RA-TLS (the default).</summary>
    public const string RaTlsMode = "ra-tls";

    /// <summary>The measured <c>tls.mode</c> of an agent serving cleartext h2c (<c>Agent:TlsMode=plaintext</c>): default clients refuse it.</summary>
    public const string PlaintextMode = "plaintext";

    /// <summary>The SHA-256 of a DER SubjectPublicKeyInfo.</summary>
    public static byte[] SpkiDigest(ReadOnlySpan<byte> subjectPublicKeyInfoDer) => SHA256.HashData(subjectPublicKeyInfoDer);

    /// <summary>The SHA-256 of the certificate's DER SubjectPublicKeyInfo (the key, not the certificate, is what is bound).</summary>
    public static byte[] SpkiDigest(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return SpkiDigest(certificate.PublicKey.ExportSubjectPublicKeyInfo());
    }

    /// <summary>True for a digest of the right length that is not the all-zero "no RA-TLS key" value.</summary>
    public static bool IsBound(ReadOnlySpan<byte> spkiSha256) => spkiSha256.Length == SpkiDigestLength && spkiSha256.ContainsAnyExcept((byte)0);

    /// <summary>The digest as clients print it: <c>sha256:</c> and lowercase hex.</summary>
    public static string Format(ReadOnlySpan<byte> spkiSha256) => "sha256:" + Convert.ToHexStringLower(spkiSha256);
}
