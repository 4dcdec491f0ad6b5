using System.Security.Cryptography;

namespace PhalaWorker.Attestation.Internal;

/// <summary>A P-256 public key for verification through .NET (OpenSSL). Verification is serialized per key because ECDsa instances are not documented as thread-safe.</summary>
internal sealed class EcdsaP256
{
    private readonly ECDsa _key;

    private EcdsaP256(ECDsa key) => _key = key;

    /// <summary>From a raw X‖Y (64 bytes) point; throws CryptographicException when it is not on the curve.</summary>
    public static EcdsaP256 FromRawPoint(ReadOnlySpan<byte> xy)
    {
        if (xy.Length != 64)
        {
            throw new CryptographicException("P-256 point must be 64 bytes");
        }

        var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = xy[..32].ToArray(), Y = xy[32..].ToArray() },
        });
        return new EcdsaP256(key);
    }

    /// <summary>From a DER SubjectPublicKeyInfo; throws CryptographicException unless it is a P-256 key.</summary>
    public static EcdsaP256 FromSubjectPublicKeyInfo(ReadOnlySpan<byte> spki)
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new CryptographicException("public key is not P-256");
        }

        return new EcdsaP256(key);
    }

    /// <summary>Verifies a raw r‖s signature over SHA-256(data).</summary>
    public bool VerifyRaw(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64)
        {
            return false;
        }

        lock (_key)
        {
            return _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    /// <summary>Verifies a DER (RFC 3279) signature over SHA-256(data).</summary>
    public bool VerifyDer(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            lock (_key)
            {
                return _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
