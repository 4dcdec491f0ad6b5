using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// secp256k1 ECDSA as Ethereum uses it: RFC 6979 deterministic nonces, low-s signatures with a recovery id,
/// public-key recovery, on libsecp256k1 (Debian <c>libsecp256k1-1</c>): constant time, because in a TEE the host can
/// time us. There is no managed fallback: without the library, key operations throw <see cref="PlatformNotSupportedException"/>.
/// </summary>
public static class Secp256k1
{
    /// <summary>The size of a private key, a message hash and each of r, s.</summary>
    public const int ScalarSize = 32;

    /// <summary>The size of an uncompressed public key without its 0x04 prefix (X‖Y).</summary>
    public const int PublicKeySize = 64;

    // n/2: signatures with s above it are malleable duplicates (EIP-2) and are refused.
    private static ReadOnlySpan<byte> HalfOrder =>
    [
        0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0,
    ];

    /// <summary>Whether libsecp256k1 loaded (key operations throw <see cref="PlatformNotSupportedException"/> otherwise).</summary>
    public static bool IsAvailable => NativeSecp256k1.IsAvailable;

    /// <summary>The implementation in use.</summary>
    public static string Implementation => "libsecp256k1";

    /// <summary>Whether <paramref name="privateKey"/> is 32 bytes and a scalar in [1, n−1].</summary>
    public static bool IsValidPrivateKey(ReadOnlySpan<byte> privateKey) =>
        NativeSecp256k1.IsValidPrivateKey(privateKey);

    /// <summary>Writes the uncompressed public key X‖Y (64 bytes) of <paramref name="privateKey"/>.</summary>
    /// <exception cref="ChainException">Not a valid private key.</exception>
    public static void GetPublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(publicKey64.Length, PublicKeySize, nameof(publicKey64));
        var ok = NativeSecp256k1.TryGetPublicKey(privateKey, publicKey64);
        if (!ok)
        {
            throw new ChainException(ChainErrorReason.InvalidPrivateKey, "The private key is not a valid secp256k1 scalar.");
        }
    }

    /// <summary>The uncompressed public key X‖Y (64 bytes) of <paramref name="privateKey"/>.</summary>
    public static byte[] GetPublicKey(ReadOnlySpan<byte> privateKey)
    {
        var publicKey = new byte[PublicKeySize];
        GetPublicKey(privateKey, publicKey);
        return publicKey;
    }

    /// <summary>Signs a 32-byte hash (no prefixing or hashing here).</summary>
    /// <exception cref="ChainException">Invalid private key.</exception>
    public static EthSignature Sign(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> hash32)
    {
        if (hash32.Length != ScalarSize)
        {
            throw new ArgumentException("The message hash must be 32 bytes.", nameof(hash32));
        }

        Span<byte> signature = stackalloc byte[64];
        var ok = NativeSecp256k1.TrySign(privateKey32, hash32, signature, out var recoveryId);
        if (!ok)
        {
            throw new ChainException(ChainErrorReason.InvalidPrivateKey, "The private key is not a valid secp256k1 scalar.");
        }

        return new EthSignature(signature[..32].ToArray(), signature[32..].ToArray(), (byte)recoveryId);
    }

    /// <summary>Recovers the signer's uncompressed public key X‖Y (64 bytes).</summary>
    /// <exception cref="ChainException">Malformed, high-s or unrecoverable signature.</exception>
    public static byte[] RecoverPublicKey(ReadOnlySpan<byte> hash32, EthSignature signature)
    {
        var publicKey = new byte[PublicKeySize];
        if (!TryRecoverPublicKey(hash32, signature, publicKey))
        {
            throw new ChainException(ChainErrorReason.InvalidSignature, "The signature does not recover to a public key (malformed, high-s or invalid).");
        }

        return publicKey;
    }

    /// <summary>Recovers the signer's public key into 64 bytes; false for a malformed, high-s or unrecoverable signature.</summary>
    public static bool TryRecoverPublicKey(ReadOnlySpan<byte> hash32, EthSignature signature, Span<byte> publicKey64)
    {
        if (hash32.Length != ScalarSize || publicKey64.Length < PublicKeySize
            || signature.R is not { Length: ScalarSize } || signature.S is not { Length: ScalarSize } || signature.RecoveryId > 1
            || !IsLowS(signature.S))
        {
            return false;
        }

        Span<byte> compact = stackalloc byte[64];
        signature.WriteCompact(compact);
        return NativeSecp256k1.TryRecover(hash32, compact, signature.RecoveryId, publicKey64);
    }

    /// <summary>Recovers the signer's address.</summary>
    /// <exception cref="ChainException">Malformed, high-s or unrecoverable signature.</exception>
    public static EthAddress Recover(ReadOnlySpan<byte> hash32, EthSignature signature) =>
        TryRecover(hash32, signature, out var address)
            ? address
            : throw new ChainException(ChainErrorReason.InvalidSignature, "The signature does not recover to an address (malformed, high-s or invalid).");

    /// <summary>Recovers the signer's address from a 65-byte r‖s‖v signature.</summary>
    public static EthAddress Recover(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> signature65) =>
        Recover(hash32, EthSignature.FromBytes65(signature65));

    /// <summary>Recovers the signer's address; false for a malformed, high-s or unrecoverable signature.</summary>
    public static bool TryRecover(ReadOnlySpan<byte> hash32, EthSignature signature, out EthAddress address)
    {
        Span<byte> publicKey = stackalloc byte[PublicKeySize];
        if (!TryRecoverPublicKey(hash32, signature, publicKey))
        {
            address = default;
            return false;
        }

        address = EthAddress.FromPublicKey(publicKey);
        return true;
    }

    /// <summary>Whether the 32-byte big-endian s is at most n/2 (EIP-2).</summary>
    public static bool IsLowS(ReadOnlySpan<byte> s) => s.Length == ScalarSize && s.SequenceCompareTo(HalfOrder) <= 0;
}
