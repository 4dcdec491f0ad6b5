using System.Security.Cryptography;
using PhalaWorker.Crypto.Native;

namespace PhalaWorker.Crypto.Keys;

/// <summary>
/// An X25519 key pair; the Diffie-Hellman runs in libsodium (constant time). The private key lives in a pinned
/// array that is wiped on <see cref="Dispose"/>, cannot be exported, and is never shown by <see cref="ToString"/>.
/// </summary>
public sealed class X25519KeyPair : IDisposable
{
    /// <summary>Length of X25519 public and private keys.</summary>
    public const int KeyLength = 32;

    private readonly byte[] _privateKey;
    private readonly byte[] _publicKey;
    private bool _disposed;

    /// <summary>Takes ownership of a pinned 32-byte private key.</summary>
    private X25519KeyPair(byte[] privateKey)
    {
        _privateKey = privateKey;
        _publicKey = new byte[KeyLength];
        if (!TryComputePublicKey(privateKey, _publicKey))
        {
            CryptographicOperations.ZeroMemory(privateKey);
            throw new CryptoException(CryptoErrorReason.InvalidPrivateKey, "libsodium refused the X25519 private key.");
        }
    }

    /// <summary>The 32-byte public key (a copy).</summary>
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    internal ReadOnlySpan<byte> PublicKeySpan => _publicKey;

    /// <summary>Creates a fresh key pair from the OS CSPRNG.</summary>
    public static X25519KeyPair Generate()
    {
        byte[] privateKey = GC.AllocateArray<byte>(KeyLength, pinned: true);
        RandomNumberGenerator.Fill(privateKey);
        return new X25519KeyPair(privateKey);
    }

    /// <summary>Imports a 32-byte X25519 private key (X25519 clamps it, so every 32-byte string is a key).</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public static X25519KeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != KeyLength)
        {
            throw new ArgumentException($"An X25519 private key is {KeyLength} bytes, got {privateKey.Length}.", nameof(privateKey));
        }

        byte[] copy = GC.AllocateArray<byte>(KeyLength, pinned: true);
        privateKey.CopyTo(copy);
        return new X25519KeyPair(copy);
    }

    /// <summary>Raw X25519 (RFC 7748): writes DH(sk, peer); false if the peer key is not 32 bytes or is a small-order point.</summary>
    internal bool TryAgree(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedSecret)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return TryAgree(_privateKey, peerPublicKey, sharedSecret);
    }

    /// <summary>X25519(privateKey, 9).</summary>
    internal static bool TryComputePublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey) =>
        privateKey.Length == KeyLength && publicKey.Length >= KeyLength &&
        LibsodiumNativeMethods.crypto_scalarmult_curve25519_base(publicKey, privateKey) == 0;

    /// <summary>X25519(privateKey, peer); libsodium returns an error for small-order points (all-zero output, RFC 9180 §7.1.4).</summary>
    internal static bool TryAgree(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedSecret)
    {
        if (privateKey.Length != KeyLength || peerPublicKey.Length != KeyLength || sharedSecret.Length < KeyLength)
        {
            return false;
        }

        if (LibsodiumNativeMethods.crypto_scalarmult_curve25519(sharedSecret, privateKey, peerPublicKey) != 0)
        {
            CryptographicOperations.ZeroMemory(sharedSecret[..KeyLength]);
            return false;
        }

        return true;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_privateKey);
        }
    }

    public override string ToString() => $"X25519KeyPair(PublicKey={Convert.ToHexStringLower(_publicKey)})";
}
