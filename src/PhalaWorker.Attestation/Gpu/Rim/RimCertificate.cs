using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PhalaWorker.Attestation.Internal;

namespace PhalaWorker.Attestation.Gpu.Rim;

/// <summary>
/// A certificate of a RIM chain decoded once: the original TBS bytes and signature, names as DER, validity, CA constraints
/// and an EC public key (NVIDIA's RIM chains are P-384 with ecdsa-with-SHA384).
/// </summary>
internal sealed class RimCertificate
{
    private static readonly Dictionary<string, HashAlgorithmName> SignatureAlgorithms = new(StringComparer.Ordinal)
    {
        ["1.2.840.10045.4.3.2"] = HashAlgorithmName.SHA256,
        ["1.2.840.10045.4.3.3"] = HashAlgorithmName.SHA384,
        ["1.2.840.10045.4.3.4"] = HashAlgorithmName.SHA512,
    };

    // Extensions this verifier understands; any other critical extension makes the certificate unusable (RFC 5280 4.2).
    private static readonly HashSet<string> KnownCritical = new(StringComparer.Ordinal) { "2.5.29.19", "2.5.29.15", "2.5.29.37" };

    private readonly ECDsa _key;

    private RimCertificate(byte[] der, X509Certificate2 certificate, byte[] tbs, HashAlgorithmName hash, byte[] signature, ECDsa key)
    {
        Der = der;
        Tbs = tbs;
        SignatureHash = hash;
        Signature = signature;
        _key = key;
        SubjectDer = certificate.SubjectName.RawData;
        IssuerDer = certificate.IssuerName.RawData;
        SubjectPublicKeyInfo = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        KeySize = key.KeySize;
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        SerialHex = UnsignedSerial(certificate.SerialNumber);
        CommonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        Subject = certificate.Subject;
        foreach (var extension in certificate.Extensions)
        {
            switch (extension)
            {
                case X509BasicConstraintsExtension basic:
                    IsCa = basic.CertificateAuthority;
                    PathLength = basic.HasPathLengthConstraint ? basic.PathLengthConstraint : null;
                    break;
                case X509KeyUsageExtension usage:
                    KeyUsage = usage.KeyUsages;
                    break;
                default:
                    break;
            }

            if (extension.Critical && !KnownCritical.Contains(extension.Oid?.Value ?? string.Empty))
            {
                UnknownCriticalExtension = extension.Oid?.Value ?? "?";
            }
        }
    }

    public byte[] Der { get; }

    public byte[] Tbs { get; }

    public HashAlgorithmName SignatureHash { get; }

    /// <summary>DER (RFC 3279) ECDSA signature of the issuer over <see cref="Tbs"/>.</summary>
    public byte[] Signature { get; }

    public byte[] SubjectDer { get; }

    public byte[] IssuerDer { get; }

    public byte[] SubjectPublicKeyInfo { get; }

    public int KeySize { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>Serial number, unsigned hex without leading zero bytes.</summary>
    public string SerialHex { get; }

    public string CommonName { get; }

    public string Subject { get; }

    public bool IsCa { get; }

    public int? PathLength { get; }

    /// <summary>Key usage bits, or null when the extension is absent.</summary>
    public X509KeyUsageFlags? KeyUsage { get; }

    /// <summary>The OID of a critical extension this verifier does not process, or null.</summary>
    public string? UnknownCriticalExtension { get; }

    public bool IsSelfIssued => SubjectDer.AsSpan().SequenceEqual(IssuerDer);

    /// <summary>The subject CN and serial, how results name a certificate.</summary>
    public string DisplayName => $"{CommonName} (serial {SerialHex})";

    /// <summary>Serial number as unsigned hex without leading zero bytes (how OCSP responders and NVIDIA's tools print it).</summary>
    private static string UnsignedSerial(string hex)
    {
        var serial = hex.ToLowerInvariant();
        while (serial.Length > 2 && serial.StartsWith("00", StringComparison.Ordinal))
        {
            serial = serial[2..];
        }

        return serial;
    }

    /// <summary>Decodes DER; throws FormatException unless it is an ECDSA-signed certificate with an EC key.</summary>
    public static RimCertificate Parse(byte[] der)
    {
        try
        {
            var (tbs, algorithm, signature) = SignedAsn1.Split(der);
            if (!SignatureAlgorithms.TryGetValue(algorithm, out var hash))
            {
                throw new FormatException($"signature algorithm {algorithm} is not ecdsa-with-SHA256/384/512");
            }

            using var certificate = X509CertificateLoader.LoadCertificate(der);
            var key = certificate.GetECDsaPublicKey() ?? throw new FormatException("the public key is not an EC key");
            return new RimCertificate(der, certificate, tbs, hash, signature, key);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or ArgumentException)
        {
            throw new FormatException($"invalid certificate: {ex.Message}", ex);
        }
    }

    /// <summary>True when <paramref name="issuer"/>'s key verifies this certificate's signature and the names chain.</summary>
    public bool IsSignedBy(RimCertificate issuer) =>
        IssuerDer.AsSpan().SequenceEqual(issuer.SubjectDer) && issuer.Verify(Tbs, Signature, SignatureHash, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>Verifies an ECDSA signature with this certificate's key.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hash, DSASignatureFormat format)
    {
        try
        {
            lock (_key)
            {
                return _key.VerifyData(data, signature, hash, format);
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
