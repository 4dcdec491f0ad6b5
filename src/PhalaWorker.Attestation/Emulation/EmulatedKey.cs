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

namespace PhalaWorker.Attestation.Emulation;

/// <summary>
/// A P-256 key of the emulated TEE, derived from the emulation seed with HKDF-SHA256 so that a seed reproduces every key,
/// and signing with RFC 6979 deterministic ECDSA (.NET's ECDsa cannot be seeded; BouncyCastle's HMacDsaKCalculator can).
/// </summary>
internal sealed class EmulatedKey
{
    private static readonly X9ECParameters Curve = ECNamedCurveTable.GetByName("P-256");
    private static readonly ECDomainParameters Domain = new ECNamedDomainParameters(SecObjectIdentifiers.SecP256r1, Curve);
    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("phala-worker/emulated-tee/v1");

    private EmulatedKey(BigInteger d)
    {
        PrivateKey = new ECPrivateKeyParameters(d, Domain);
        var q = Domain.G.Multiply(d).Normalize();
        PublicKey = new ECPublicKeyParameters(q, Domain);
        PublicKeyRaw = new byte[64];
        var x = q.AffineXCoord.ToBigInteger().ToByteArrayUnsigned();
        x.CopyTo(PublicKeyRaw.AsSpan(32 - x.Length));
        var y = q.AffineYCoord.ToBigInteger().ToByteArrayUnsigned();
        y.CopyTo(PublicKeyRaw.AsSpan(64 - y.Length));
    }

    public ECPrivateKeyParameters PrivateKey { get; }

    public ECPublicKeyParameters PublicKey { get; }

    /// <summary>Uncompressed point without the 0x04 prefix: X(32) ‖ Y(32), the form a quote carries.</summary>
    public byte[] PublicKeyRaw { get; }

    /// <summary>A signature factory for certificates and CRLs (ecdsa-with-SHA256, deterministic k).</summary>
    public ISignatureFactory SignatureFactory => new DeterministicSignatureFactory(PrivateKey);

    /// <summary>Derives the key named <paramref name="label"/> from <paramref name="seed"/>: HKDF-SHA256 to 48 bytes, reduced to [1, n-1].</summary>
    public static EmulatedKey Derive(ReadOnlySpan<byte> seed, string label)
    {
        Span<byte> okm = stackalloc byte[48];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, okm, Salt, Encoding.ASCII.GetBytes(label));
        var d = new BigInteger(1, okm.ToArray()).Mod(Domain.N.Subtract(BigInteger.One)).Add(BigInteger.One);
        CryptographicOperations.ZeroMemory(okm);
        return new EmulatedKey(d);
    }

    /// <summary>Derives <paramref name="length"/> pseudo-random bytes named <paramref name="label"/> from <paramref name="seed"/> (serial numbers, ids).</summary>
    public static byte[] DeriveBytes(ReadOnlySpan<byte> seed, string label, int length)
    {
        var output = new byte[length];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, output, Salt, Encoding.ASCII.GetBytes(label));
        return output;
    }

    /// <summary>ECDSA-P256-SHA256 over <paramref name="data"/> as raw r ‖ s (64 bytes), the encoding quotes and collateral use.</summary>
    public byte[] SignRaw(ReadOnlySpan<byte> data)
    {
        var hash = SHA256.HashData(data);
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, PrivateKey);
        var rs = signer.GenerateSignature(hash);
        var result = new byte[64];
        var r = rs[0].ToByteArrayUnsigned();
        var s = rs[1].ToByteArrayUnsigned();
        r.CopyTo(result.AsSpan(32 - r.Length));
        s.CopyTo(result.AsSpan(64 - s.Length));
        return result;
    }

    private sealed class DeterministicSignatureFactory(ECPrivateKeyParameters key) : ISignatureFactory
    {
        public object AlgorithmDetails { get; } = new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha256);

        public IStreamCalculator<IBlockResult> CreateCalculator()
        {
            var signer = new DsaDigestSigner(new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest())), new Sha256Digest());
            signer.Init(true, key);
            return new DefaultSignatureCalculator(signer);
        }
    }
}
