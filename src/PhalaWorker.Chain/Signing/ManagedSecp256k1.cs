using CryptographicOperations = System.Security.Cryptography.CryptographicOperations;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// secp256k1 in managed code (BouncyCastle), for platforms without libsecp256k1. RFC 6979 nonces (HMAC-SHA256),
/// low-s normalised with the recovery id flipped, so it produces the same signatures as the native path.
/// BouncyCastle's BigInteger is immutable and cannot be wiped; prefer the native path where secrets matter.
/// </summary>
internal static class ManagedSecp256k1
{
    private static readonly X9ECParameters s_curve = CustomNamedCurves.GetByName("secp256k1");
    private static readonly BigInteger s_n = s_curve.N;
    private static readonly BigInteger s_halfN = s_curve.N.ShiftRight(1);
    private static readonly BigInteger s_p = s_curve.Curve.Field.Characteristic;
    private static readonly FixedPointCombMultiplier s_multiplier = new();

    public static bool IsValidPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32)
        {
            return false;
        }

        var copy = privateKey.ToArray();
        try
        {
            var d = new BigInteger(1, copy);
            return d.SignValue > 0 && d.CompareTo(s_n) < 0;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    public static bool TryGetPublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey64)
    {
        if (!IsValidPrivateKey(privateKey))
        {
            return false;
        }

        var copy = privateKey.ToArray();
        try
        {
            var q = s_multiplier.Multiply(s_curve.G, new BigInteger(1, copy)).Normalize();
            WritePoint(q, publicKey64);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    public static bool TrySign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> hash32, Span<byte> signature64, out int recoveryId)
    {
        recoveryId = 0;
        if (hash32.Length != 32 || !IsValidPrivateKey(privateKey))
        {
            return false;
        }

        var keyCopy = privateKey.ToArray();
        var d = new BigInteger(1, keyCopy);
        CryptographicOperations.ZeroMemory(keyCopy);
        var message = hash32.ToArray();
        var e = new BigInteger(1, message);

        // The same computation as ECDsaSigner(HMacDsaKCalculator(Sha256Digest)), done here so that R's y parity
        // (the recovery id) is known without trial recovery.
        var kCalculator = new HMacDsaKCalculator(new Sha256Digest());
        kCalculator.Init(s_n, d, message);
        while (true)
        {
            var k = kCalculator.NextK();
            var point = s_multiplier.Multiply(s_curve.G, k).Normalize();
            var x = point.AffineXCoord.ToBigInteger();
            var r = x.Mod(s_n);
            if (r.SignValue == 0)
            {
                continue;
            }

            var s = k.ModInverse(s_n).Multiply(e.Add(d.Multiply(r))).Mod(s_n);
            if (s.SignValue == 0)
            {
                continue;
            }

            var recid = (point.AffineYCoord.TestBitZero() ? 1 : 0) | (x.CompareTo(s_n) >= 0 ? 2 : 0);
            if (s.CompareTo(s_halfN) > 0)
            {
                s = s_n.Subtract(s);
                recid ^= 1;
            }

            WriteScalar(r, signature64[..32]);
            WriteScalar(s, signature64[32..64]);
            recoveryId = recid;
            return true;
        }
    }

    public static bool TryRecover(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> signature64, int recoveryId, Span<byte> publicKey64)
    {
        if (hash32.Length != 32 || signature64.Length != 64 || recoveryId is < 0 or > 3)
        {
            return false;
        }

        var r = new BigInteger(1, signature64[..32].ToArray());
        var s = new BigInteger(1, signature64[32..].ToArray());
        if (r.SignValue == 0 || r.CompareTo(s_n) >= 0 || s.SignValue == 0 || s.CompareTo(s_n) >= 0)
        {
            return false;
        }

        // SEC 1 v2 §4.1.6: R from (x = r + j·n, y parity), then Q = r⁻¹(sR − eG).
        var x = (recoveryId & 2) != 0 ? r.Add(s_n) : r;
        if (x.CompareTo(s_p) >= 0)
        {
            return false;
        }

        var encoded = new byte[33];
        encoded[0] = (byte)(0x02 | (recoveryId & 1));
        WriteScalar(x, encoded.AsSpan(1));
        ECPoint bigR;
        try
        {
            bigR = s_curve.Curve.DecodePoint(encoded);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var e = new BigInteger(1, hash32.ToArray());
        var rInverse = r.ModInverse(s_n);
        var u1 = e.Negate().Mod(s_n).Multiply(rInverse).Mod(s_n);
        var u2 = s.Multiply(rInverse).Mod(s_n);
        var q = ECAlgorithms.SumOfTwoMultiplies(s_curve.G, u1, bigR, u2).Normalize();
        if (q.IsInfinity)
        {
            return false;
        }

        WritePoint(q, publicKey64);
        return true;
    }

    private static void WritePoint(ECPoint point, Span<byte> destination)
    {
        WriteScalar(point.AffineXCoord.ToBigInteger(), destination[..32]);
        WriteScalar(point.AffineYCoord.ToBigInteger(), destination[32..64]);
    }

    private static void WriteScalar(BigInteger value, Span<byte> destination32)
    {
        var bytes = value.ToByteArrayUnsigned();
        destination32.Clear();
        bytes.CopyTo(destination32[(32 - bytes.Length)..]);
    }
}
