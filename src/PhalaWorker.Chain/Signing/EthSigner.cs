using System.Security.Cryptography;
using PhalaWorker.Chain.Primitives;

namespace PhalaWorker.Chain.Signing;

/// <summary>
/// Holds one secp256k1 private key (copied into a pinned buffer, wiped on <see cref="Dispose"/>) and signs hashes with it.
/// Thread-safe.
/// </summary>
public sealed class EthSigner : IDisposable
{
    private readonly byte[] _privateKey;
    private volatile bool _disposed;

    /// <summary>Copies <paramref name="privateKey"/> (32 bytes); the caller keeps ownership of its buffer.</summary>
    /// <exception cref="ChainException">Not a valid secp256k1 private key.</exception>
    public EthSigner(ReadOnlySpan<byte> privateKey)
    {
        if (!Secp256k1.IsValidPrivateKey(privateKey))
        {
            throw new ChainException(ChainErrorReason.InvalidPrivateKey, "The private key is not a valid secp256k1 scalar.");
        }

        // Pinned so the GC never leaves copies of the key behind when it compacts.
        _privateKey = GC.AllocateArray<byte>(32, pinned: true);
        privateKey.CopyTo(_privateKey);
        PublicKey = Secp256k1.GetPublicKey(_privateKey);
        Address = EthAddress.FromPublicKey(PublicKey.Span);
    }

    /// <summary>The signer's address.</summary>
    public EthAddress Address { get; }

    /// <summary>The uncompressed public key X‖Y (64 bytes).</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>Creates a signer from 32 bytes of hex (<c>0x</c> optional); the decoded copy is wiped.</summary>
    public static EthSigner FromHex(string privateKeyHex)
    {
        ArgumentNullException.ThrowIfNull(privateKeyHex);
        Span<byte> key = stackalloc byte[32];
        try
        {
            if (!Hex.TryDecode(privateKeyHex.Trim(), key, out var written) || written != 32)
            {
                throw new ChainException(ChainErrorReason.InvalidPrivateKey, "A private key is 32 bytes of hex.");
            }

            return new EthSigner(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Creates a signer with a fresh random key.</summary>
    public static EthSigner Generate()
    {
        Span<byte> key = stackalloc byte[32];
        try
        {
            do
            {
                RandomNumberGenerator.Fill(key);
            }
            while (!Secp256k1.IsValidPrivateKey(key));
            return new EthSigner(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Signs a 32-byte hash as is.</summary>
    public EthSignature SignHash(Hash32 hash) => SignHash(hash.AsSpan());

    /// <summary>Signs a 32-byte hash as is.</summary>
    public EthSignature SignHash(ReadOnlySpan<byte> hash32)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Secp256k1.Sign(_privateKey, hash32);
    }

    /// <summary>personal_sign: signs the EIP-191 hash of <paramref name="message"/>.</summary>
    public EthSignature SignMessage(ReadOnlySpan<byte> message) => SignHash(Eip191.HashMessage(message));

    /// <summary>Wipes the key.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_privateKey);
    }
}
