using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.X509;

namespace PhalaWorker.Attestation.Internal;

/// <summary>An X.509 certificate decoded once: original TBS bytes, names, validity, serial, P-256 key.</summary>
internal sealed class ParsedCertificate
{
    private ParsedCertificate(byte[] der, X509Certificate cert, byte[] tbs, byte[] signature, EcdsaP256 key, byte[] spki)
    {
        Der = der;
        Certificate = cert;
        Tbs = tbs;
        Signature = signature;
        PublicKey = key;
        SubjectPublicKeyInfo = spki;
        SubjectPublicKeyInfoSha256 = SHA256.HashData(spki);
        Subject = cert.SubjectDN.ToString();
        Issuer = cert.IssuerDN.ToString();
        NotBefore = new DateTimeOffset(DateTime.SpecifyKind(cert.NotBefore, DateTimeKind.Utc));
        NotAfter = new DateTimeOffset(DateTime.SpecifyKind(cert.NotAfter, DateTimeKind.Utc));
        Serial = cert.SerialNumber.ToByteArrayUnsigned();
        IsCa = cert.GetBasicConstraints() >= 0;
        SerialHex = Convert.ToHexStringLower(Serial);
        SubjectDer = cert.CertificateStructure.Subject.GetDerEncoded();
        IssuerDer = cert.CertificateStructure.Issuer.GetDerEncoded();
        IsSelfIssued = cert.IssuerDN.Equivalent(cert.SubjectDN, inOrder: true);
        Identity = SerialHex + "/" + Convert.ToHexStringLower(IssuerDer);
    }

    public byte[] Der { get; }

    public X509Certificate Certificate { get; }

    public byte[] Tbs { get; }

    public byte[] Signature { get; }

    public EcdsaP256 PublicKey { get; }

    public byte[] SubjectPublicKeyInfo { get; }

    public byte[] SubjectPublicKeyInfoSha256 { get; }

    public string Subject { get; }

    public string Issuer { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>Serial number, unsigned big-endian without leading zeros.</summary>
    public byte[] Serial { get; }

    public bool IsCa { get; }

    public string SerialHex { get; }

    /// <summary>DER of the subject name (exact-match comparisons on the hot path).</summary>
    public byte[] SubjectDer { get; }

    /// <summary>DER of the issuer name.</summary>
    public byte[] IssuerDer { get; }

    /// <summary>Serial and issuer: identifies the certificate for revocation and de-duplication.</summary>
    public string Identity { get; }

    /// <summary>A short human name: the subject CN and serial.</summary>
    public string DisplayName => $"{CommonName(Subject)} (serial {SerialHex})";

    public bool IsSelfIssued { get; }

    /// <summary>Parses DER; throws FormatException on anything that is not an ECDSA-SHA256-signed certificate with a P-256 key.</summary>
    public static ParsedCertificate Parse(byte[] der)
    {
        try
        {
            var (tbs, alg, signature) = SignedAsn1.Split(der);
            if (alg != SignedAsn1.EcdsaWithSha256Oid)
            {
                throw new FormatException($"certificate signature algorithm {alg} is not ecdsa-with-SHA256");
            }

            var cert = new X509CertificateParser().ReadCertificate(der)
                ?? throw new FormatException("not a certificate");
            var spkiInfo = cert.CertificateStructure.SubjectPublicKeyInfo;
            if (spkiInfo.Algorithm.Algorithm.Id != "1.2.840.10045.2.1" || spkiInfo.Algorithm.Parameters?.ToString() != "1.2.840.10045.3.1.7")
            {
                throw new FormatException("certificate key is not an EC P-256 key");
            }

            var spki = spkiInfo.GetDerEncoded();
            return new ParsedCertificate(der, cert, tbs, signature, EcdsaP256.FromSubjectPublicKeyInfo(spki), spki);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or ArgumentException or InvalidOperationException
                                       or Org.BouncyCastle.Security.Certificates.CertificateException or IOException)
        {
            throw new FormatException($"invalid certificate: {ex.Message}", ex);
        }
    }

    /// <summary>True when <paramref name="issuer"/>'s key signed this certificate and the names chain.</summary>
    public bool IsSignedBy(ParsedCertificate issuer) =>
        Certificate.IssuerDN.Equivalent(issuer.Certificate.SubjectDN, inOrder: true) && issuer.PublicKey.VerifyDer(Tbs, Signature);

    public static string CommonName(string dn)
    {
        foreach (var part in dn.Split(','))
        {
            var trimmed = part.Trim();
            if (trimmed.StartsWith("CN=", StringComparison.OrdinalIgnoreCase))
            {
                return trimmed[3..];
            }
        }

        return dn;
    }
}
