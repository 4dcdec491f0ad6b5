using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace PhalaWorker.Attestation.Gpu.Emulation;

/// <summary>
/// The seeded P-384 keys and certificates the emulated GPU (<see cref="EmulatedGpu"/>) and the emulated RIM authority
/// (<see cref="Rim.EmulatedRimAuthority"/>) are made of: keys from HKDF-SHA384 of the seed (per-purpose salt, per-key
/// label), certificates with serials from the same HKDF, all signed with deterministic ECDSA (RFC 6979), so one seed always
/// gives the same bytes.
/// </summary>
internal static class EmulatedP384
{
    public static readonly ECDomainParameters Domain = new ECNamedDomainParameters(SecObjectIdentifiers.SecP384r1, ECNamedCurveTable.GetByName("P-384"));

    /// <summary>The key labelled <paramref name="label"/>: d = 1 + (72 HKDF bytes mod (n − 1)).</summary>
    public static (ECPrivateKeyParameters Private, ECPublicKeyParameters Public) Derive(ReadOnlySpan<byte> seed, byte[] salt, string label)
    {
        var okm = Bytes(seed, salt, label, 72);
        var d = new BigInteger(1, okm).Mod(Domain.N.Subtract(BigInteger.One)).Add(BigInteger.One);
        CryptographicOperations.ZeroMemory(okm);
        var key = new ECPrivateKeyParameters(d, Domain);
        return (key, PublicOf(key));
    }

    public static ECPublicKeyParameters PublicOf(ECPrivateKeyParameters key) => new(Domain.G.Multiply(key.D).Normalize(), Domain);

    /// <summary><paramref name="length"/> HKDF-SHA384 bytes of the seed for <paramref name="label"/>.</summary>
    public static byte[] Bytes(ReadOnlySpan<byte> seed, byte[] salt, string label, int length)
    {
        var output = new byte[length];
        HKDF.DeriveKey(HashAlgorithmName.SHA384, seed, output, salt, Encoding.ASCII.GetBytes(label));
        return output;
    }

    /// <summary>
    /// A certificate for <paramref name="subjectKey"/> signed by <paramref name="issuerKey"/>: SKI, AKI, the given basic
    /// constraints, key usage (CA: certificate and CRL signing; else digital signature), then <paramref name="extensions"/>.
    /// </summary>
    public static X509Certificate Issue(
        ReadOnlySpan<byte> seed,
        byte[] salt,
        string label,
        X509Name issuer,
        (ECPrivateKeyParameters Private, ECPublicKeyParameters Public) issuerKey,
        X509Name subject,
        ECPublicKeyParameters subjectKey,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        BasicConstraints basicConstraints,
        Action<X509V3CertificateGenerator>? extensions = null)
    {
        var serial = Bytes(seed, salt, label + "/serial", 9);
        serial[0] &= 0x7F;
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(1, serial).Add(BigInteger.One));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(notBefore.UtcDateTime);
        generator.SetNotAfter(notAfter.UtcDateTime);
        generator.SetPublicKey(subjectKey);
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(subjectKey));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerKey.Public));
        generator.AddExtension(X509Extensions.BasicConstraints, true, basicConstraints);
        generator.AddExtension(X509Extensions.KeyUsage, true, basicConstraints.IsCA() ? new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign) : new KeyUsage(KeyUsage.DigitalSignature));
        extensions?.Invoke(generator);
        return generator.Generate(SignatureFactory(issuerKey.Private));
    }

    /// <summary>ECDSA-SHA384 with RFC 6979 nonces (deterministic: the same seed gives the same certificates and responses).</summary>
    public static ISignatureFactory SignatureFactory(ECPrivateKeyParameters key) => new DeterministicSha384SignatureFactory(key);

    private sealed class DeterministicSha384SignatureFactory(ECPrivateKeyParameters key) : ISignatureFactory
    {
        public object AlgorithmDetails { get; } = new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha384);

        public IStreamCalculator<IBlockResult> CreateCalculator()
        {
            var signer = new DsaDigestSigner(new ECDsaSigner(new HMacDsaKCalculator(new Sha384Digest())), new Sha384Digest());
            signer.Init(true, key);
            return new DefaultSignatureCalculator(signer);
        }
    }
}
