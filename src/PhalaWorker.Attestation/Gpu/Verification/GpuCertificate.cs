using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.X509;

namespace PhalaWorker.Attestation.Gpu.Verification;

/// <summary>
/// An X.509 certificate of NVIDIA's device or RIM chains, decoded once: DER, TBS bytes and signature (ECDSA with SHA-256/384/512),
/// names, validity, serial, CA flag, the EC public key (P-256 or P-384, verified through .NET/OpenSSL).
/// </summary>
internal sealed class GpuCertificate
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    private GpuCertificate(byte[] der, X509Certificate cert, byte[] tbs, byte[] signature, HashAlgorithmName hash, ECDsa key, byte[] spki)
    {
        Der = der;
        Certificate = cert;
        Tbs = tbs;
        Signature = signature;
        SignatureHash = hash;
        PublicKey = key;
        SubjectPublicKeyInfo = spki;
        Subject = cert.SubjectDN.ToString();
        Issuer = cert.IssuerDN.ToString();
        SubjectDer = cert.CertificateStructure.Subject.GetDerEncoded();
        IssuerDer = cert.CertificateStructure.Issuer.GetDerEncoded();
        NotBefore = new DateTimeOffset(DateTime.SpecifyKind(cert.NotBefore, DateTimeKind.Utc));
        NotAfter = new DateTimeOffset(DateTime.SpecifyKind(cert.NotAfter, DateTimeKind.Utc));
        SerialHex = Convert.ToHexString(cert.SerialNumber.ToByteArrayUnsigned());
        IsCa = cert.GetBasicConstraints() >= 0;
        IsSelfIssued = SubjectDer.AsSpan().SequenceEqual(IssuerDer);
    }

    public byte[] Der { get; }

    public X509Certificate Certificate { get; }

    public byte[] Tbs { get; }

    /// <summary>DER ECDSA-Sig-Value.</summary>
    public byte[] Signature { get; }

    public HashAlgorithmName SignatureHash { get; }

    public ECDsa PublicKey { get; }

    public byte[] SubjectPublicKeyInfo { get; }

    public string Subject { get; }

    public string Issuer { get; }

    public byte[] SubjectDer { get; }

    public byte[] IssuerDer { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>Serial number, upper-case hex without leading zero bytes (as NVIDIA's tools print it).</summary>
    public string SerialHex { get; }

    public bool IsCa { get; }

    public bool IsSelfIssued { get; }

    /// <summary>The subject CN and serial.</summary>
    public string DisplayName => $"{CommonName(Subject)} (serial {SerialHex})";

    /// <summary>Parses DER; throws <see cref="FormatException"/> for anything but an ECDSA-signed certificate with an EC key.</summary>
    public static GpuCertificate Parse(byte[] der)
    {
        try
        {
            var (tbs, algorithm, signature) = SplitSigned(der);
            var hash = SignatureHashOf(algorithm) ?? throw new FormatException($"certificate signature algorithm {algorithm} is not ECDSA with SHA-256/384/512");
            var cert = new X509CertificateParser().ReadCertificate(der) ?? throw new FormatException("not a certificate");
            var spkiInfo = cert.CertificateStructure.SubjectPublicKeyInfo;
            if (spkiInfo.Algorithm.Algorithm.Id != EcPublicKeyOid)
            {
                throw new FormatException("certificate key is not an EC key");
            }

            var spki = spkiInfo.GetDerEncoded();
            var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(spki, out _);
            return new GpuCertificate(der, cert, tbs, signature, hash, key, spki);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or ArgumentException or InvalidOperationException
                                       or Org.BouncyCastle.Security.Certificates.CertificateException or IOException or InvalidCastException)
        {
            throw new FormatException($"invalid certificate: {ex.Message}", ex);
        }
    }

    /// <summary>True when the names chain and <paramref name="issuer"/>'s key verifies this certificate's signature.</summary>
    public bool IsSignedBy(GpuCertificate issuer) =>
        IssuerDer.AsSpan().SequenceEqual(issuer.SubjectDer) && Verify(issuer.PublicKey, Tbs, Signature, SignatureHash);

    /// <summary>The raw value (OCTET STRING content) of extension <paramref name="oid"/>, or null.</summary>
    public byte[]? ExtensionValue(string oid) => Certificate.GetExtensionValue(new DerObjectIdentifier(oid))?.GetOctets();

    /// <summary>True when the certificate is valid at <paramref name="at"/>.</summary>
    public bool IsValidAt(DateTimeOffset at) => at >= NotBefore && at <= NotAfter;

    public static bool Verify(ECDsa key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> derSignature, HashAlgorithmName hash)
    {
        try
        {
            return key.VerifyData(data, derSignature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public static HashAlgorithmName? SignatureHashOf(string algorithmOid) => algorithmOid switch
    {
        "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
        "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
        "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
        _ => null,
    };

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

    /// <summary>Splits a signed ASN.1 structure into its exact TBS bytes, signature algorithm OID and signature BIT STRING.</summary>
    private static (byte[] Tbs, string Algorithm, byte[] Signature) SplitSigned(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var outer = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var tbs = outer.ReadEncodedValue().ToArray();
        var algorithm = outer.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        var signature = outer.ReadBitString(out var unused);
        outer.ThrowIfNotEmpty();
        if (unused != 0)
        {
            throw new FormatException("signature BIT STRING has unused bits");
        }

        return (tbs, oid, signature);
    }
}
