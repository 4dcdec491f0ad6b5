using Nethereum.Signer;
using PhalaWorker.Chain.Signing;

namespace PhalaWorker.Chain.Tests.Signing;

internal static class Secp256k1BackendExtensions
{
    // n: a key at or above it is not a scalar (EthECKey would reduce it silently).
    private static readonly System.Numerics.BigInteger s_order = System.Numerics.BigInteger.Parse(
        "0fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    public static void RequireAvailable(this Secp256k1Backend backend)
    {
        if (backend == Secp256k1Backend.Native)
        {
            Assume.That(NativeSecp256k1.IsAvailable, "libsecp256k1 (libsecp256k1.so.1) is not installed on this machine");
        }
    }

    public static (byte[] R, byte[] S, int RecoveryId) Sign(this Secp256k1Backend backend, ReadOnlySpan<byte> key, ReadOnlySpan<byte> hash)
    {
        if (backend == Secp256k1Backend.Native)
        {
            var signature = new byte[64];
            Assert.That(NativeSecp256k1.TrySign(key, hash, signature, out var recoveryId), Is.True, "signing failed");
            return (signature[..32], signature[32..], recoveryId);
        }

        var ethKey = new EthECKey(key.ToArray(), isPrivate: true);
        var nethereum = ethKey.SignAndCalculateV(hash.ToArray());
        return (Pad(nethereum.R), Pad(nethereum.S), nethereum.V[0] - 27);
    }

    public static byte[]? Recover(this Secp256k1Backend backend, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature64, int recoveryId)
    {
        if (backend == Secp256k1Backend.Native)
        {
            var publicKey = new byte[64];
            return NativeSecp256k1.TryRecover(hash, signature64, recoveryId, publicKey) ? publicKey : null;
        }

        try
        {
            var signature = EthECDSASignatureFactory.FromComponents(signature64[..32].ToArray(), signature64[32..].ToArray(), (byte)(27 + recoveryId));
            return EthECKey.RecoverFromSignature(signature, hash.ToArray()).GetPubKeyNoPrefix();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public static byte[]? PublicKey(this Secp256k1Backend backend, ReadOnlySpan<byte> key)
    {
        if (backend == Secp256k1Backend.Native)
        {
            var publicKey = new byte[64];
            return NativeSecp256k1.TryGetPublicKey(key, publicKey) ? publicKey : null;
        }

        return backend.IsValidPrivateKey(key) ? new EthECKey(key.ToArray(), isPrivate: true).GetPubKeyNoPrefix() : null;
    }

    public static bool IsValidPrivateKey(this Secp256k1Backend backend, ReadOnlySpan<byte> key)
    {
        if (backend == Secp256k1Backend.Native)
        {
            return NativeSecp256k1.IsValidPrivateKey(key);
        }

        // EthECKey takes any bytes; the range check a caller of it must do itself.
        if (key.Length != 32)
        {
            return false;
        }

        var scalar = new System.Numerics.BigInteger(key, isUnsigned: true, isBigEndian: true);
        return !scalar.IsZero && scalar < s_order;
    }

    private static byte[] Pad(byte[] value)
    {
        var scalar = new byte[32];
        value.AsSpan(Math.Max(0, value.Length - 32)).CopyTo(scalar.AsSpan(32 - Math.Min(32, value.Length)));
        return scalar;
    }
}
