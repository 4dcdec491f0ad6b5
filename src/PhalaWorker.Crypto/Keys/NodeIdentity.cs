using System.Security.Cryptography;

namespace PhalaWorker.Crypto.Keys;

/// <summary>
/// The node's in-memory identity: a secp256k1 signing key (its Ethereum address signs receipts and transactions)
/// and an X25519 key for HPKE. Neither private key leaves the process; <see cref="ToString"/> shows public data only.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    /// <summary>Length of the secp256k1 secret key.</summary>
    public const int SigningKeyLength = 32;

    /// <summary>The secp256k1 group order n, big-endian.</summary>
    private static ReadOnlySpan<byte> Secp256k1Order =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
        0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
    ];

    private readonly byte[] _signingKey;
    private bool _disposed;

    private NodeIdentity(byte[] signingKey, X25519KeyPair hpkeKey)
    {
        _signingKey = signingKey;
        HpkeKey = hpkeKey;
    }

    /// <summary>The X25519 key whose public half is bound into the quote's report_data; jobs are sealed to it.</summary>
    public X25519KeyPair HpkeKey { get; }

    /// <summary>Generates a fresh identity: a uniformly random secp256k1 scalar (rejection sampling) and an X25519 key pair.</summary>
    public static NodeIdentity Generate()
    {
        byte[] signingKey = GC.AllocateArray<byte>(SigningKeyLength, pinned: true);
        do
        {
            RandomNumberGenerator.Fill(signingKey);
        }
        while (!IsValidSigningKey(signingKey));

        return new NodeIdentity(signingKey, X25519KeyPair.Generate());
    }

    /// <summary>Builds an identity from existing keys (tests, restored state). Takes ownership of <paramref name="hpkeKey"/>.</summary>
    /// <exception cref="CryptoException">The signing key is not a valid secp256k1 scalar (0 &lt; k &lt; n).</exception>
    public static NodeIdentity FromKeys(ReadOnlySpan<byte> signingKey, X25519KeyPair hpkeKey)
    {
        ArgumentNullException.ThrowIfNull(hpkeKey);
        if (!IsValidSigningKey(signingKey))
        {
            throw new CryptoException(CryptoErrorReason.InvalidPrivateKey, "The signing key is not a valid secp256k1 secret key (32 bytes, 0 < k < n).");
        }

        byte[] copy = GC.AllocateArray<byte>(SigningKeyLength, pinned: true);
        signingKey.CopyTo(copy);
        return new NodeIdentity(copy, hpkeKey);
    }

    /// <summary>True if <paramref name="key"/> is 32 bytes encoding a scalar k with 0 &lt; k &lt; n (compared in constant time).</summary>
    public static bool IsValidSigningKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != SigningKeyLength)
        {
            return false;
        }

        // Branch-free big-endian comparisons: lt tracks key < n, nonZero any set bit.
        int lt = 0;
        int gt = 0;
        int nonZero = 0;
        ReadOnlySpan<byte> order = Secp256k1Order;
        for (int i = 0; i < SigningKeyLength; i++)
        {
            int k = key[i];
            int n = order[i];
            int undecided = ~(lt | gt) & 1;
            lt |= undecided & ((k - n) >>> 31);
            gt |= undecided & ((n - k) >>> 31);
            nonZero |= k;
        }

        return (lt & (nonZero != 0 ? 1 : 0)) == 1;
    }

    /// <summary>The 32-byte secp256k1 secret key, for the signer only. Valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> GetSigningKey()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _signingKey;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_signingKey);
            HpkeKey.Dispose();
        }
    }

    public override string ToString() => $"NodeIdentity(HpkePublicKey={Convert.ToHexStringLower(HpkeKey.PublicKeySpan)})";
}
