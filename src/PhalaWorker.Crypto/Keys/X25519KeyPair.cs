using System.Security.Cryptography;
using NSec.Cryptography;

namespace PhalaWorker.Crypto.Keys;

/// <summary>
/// An X25519 key pair held by libsodium (through NSec) in guarded memory. The private key cannot be exported;
/// <see cref="ToString"/> shows the public key only.
/// </summary>
public sealed class X25519KeyPair : IDisposable
{
    /// <summary>Length of X25519 public and private keys.</summary>
    public const int KeyLength = 32;

    private static readonly KeyAgreementAlgorithm Algorithm = KeyAgreementAlgorithm.X25519;

    private readonly Key _key;
    private readonly byte[] _publicKey;
    private bool _disposed;

    private X25519KeyPair(Key key)
    {
        _key = key;
        _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The 32-byte public key (a copy).</summary>
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    internal ReadOnlySpan<byte> PublicKeySpan => _publicKey;

    /// <summary>Creates a fresh key pair from libsodium's CSPRNG.</summary>
    public static X25519KeyPair Generate() => new(Key.Create(Algorithm));

    /// <summary>Imports a 32-byte X25519 private key (clamped by X25519 itself, so every 32-byte string is a key).</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public static X25519KeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != KeyLength)
        {
            throw new ArgumentException($"An X25519 private key is {KeyLength} bytes, got {privateKey.Length}.", nameof(privateKey));
        }

        return new X25519KeyPair(Key.Import(Algorithm, privateKey, KeyBlobFormat.RawPrivateKey));
    }

    /// <summary>Raw X25519 (RFC 7748): writes DH(sk, peer) to <paramref name="sharedSecret"/>; false if the peer key is malformed or the output is all zero.</summary>
    internal bool TryAgree(ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedSecret)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (peerPublicKey.Length != KeyLength ||
            !NSec.Cryptography.PublicKey.TryImport(Algorithm, peerPublicKey, KeyBlobFormat.RawPublicKey, out NSec.Cryptography.PublicKey? peer))
        {
            return false;
        }

        // NSec returns null when libsodium rejects a small-order point (all-zero output), as RFC 9180 §7.1.4 requires.
        using SharedSecret? secret = Algorithm.Agree(_key, peer!, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        if (secret is null)
        {
            return false;
        }

        byte[] raw = secret.Export(SharedSecretBlobFormat.RawSharedSecret);
        raw.CopyTo(sharedSecret);
        CryptographicOperations.ZeroMemory(raw);
        return true;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _key.Dispose();
        }
    }

    public override string ToString() => $"X25519KeyPair(PublicKey={Convert.ToHexStringLower(_publicKey)})";
}
