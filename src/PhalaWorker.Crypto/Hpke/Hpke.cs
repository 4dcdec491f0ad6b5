using System.Security.Cryptography;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Hpke;

/// <summary>
/// HPKE (RFC 9180) with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305.
/// <see cref="Seal"/>/<see cref="Open"/> are the single-shot base-mode API used by the envelopes; the Setup methods
/// expose all four modes and multi-message contexts.
/// </summary>
public static class Hpke
{
    /// <summary>The KEM id (RFC 9180 §7.1) of the one suite: DHKEM(X25519, HKDF-SHA256), 0x0020.</summary>
    public const ushort KemId = DhkemX25519.KemId;

    /// <summary>The KDF id (RFC 9180 §7.2): HKDF-SHA256, 0x0001.</summary>
    public const ushort KdfId = LabeledHkdf.KdfId;

    /// <summary>The length of the encapsulated key <c>enc</c>: an X25519 public key, 32 bytes.</summary>
    public const int EncLength = DhkemX25519.Length;

    /// <summary>Encrypts one message to <paramref name="recipientPublicKey"/> in base mode with a fresh ephemeral key.</summary>
    /// <exception cref="CryptoException">The public key is malformed or the AEAD is unsupported.</exception>
    public static HpkeSealed Seal(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, HpkeAead aead = HpkeAead.ChaCha20Poly1305)
    {
        var enc = new byte[DhkemX25519.Length];
        using HpkeContext context = SetupSender(HpkeMode.Base, aead, recipientPublicKey, info, enc);
        return new HpkeSealed(enc, context.Seal(aad, plaintext));
    }

    /// <summary>Decrypts one base-mode message sealed to <paramref name="recipient"/>.</summary>
    /// <exception cref="CryptoException">Malformed enc or ciphertext, unsupported AEAD, or the ciphertext does not authenticate.</exception>
    public static byte[] Open(X25519KeyPair recipient, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, HpkeAead aead)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (ciphertext.Length < HpkeSuite.TagLength)
        {
            throw new CryptoException(CryptoErrorReason.CiphertextTooShort, $"The HPKE ciphertext is {ciphertext.Length} bytes, shorter than the {HpkeSuite.TagLength}-byte tag.");
        }

        using HpkeContext context = SetupRecipient(HpkeMode.Base, aead, recipient, enc, info);
        return context.Open(aad, ciphertext);
    }

    /// <summary>
    /// SetupBaseS / SetupPSKS / SetupAuthS / SetupAuthPSKS: encapsulates to <paramref name="recipientPublicKey"/>, writes enc
    /// (32 bytes) and returns the sender context. <paramref name="sender"/> is required in the auth modes;
    /// <paramref name="ephemeralPrivateKey"/> is for deterministic tests only (empty = fresh key).
    /// </summary>
    internal static HpkeContext SetupSender(
        HpkeMode mode,
        HpkeAead aead,
        ReadOnlySpan<byte> recipientPublicKey,
        ReadOnlySpan<byte> info,
        Span<byte> enc,
        ReadOnlySpan<byte> psk = default,
        ReadOnlySpan<byte> pskId = default,
        X25519KeyPair? sender = null,
        ReadOnlySpan<byte> ephemeralPrivateKey = default)
    {
        HpkeSuite.Validate(aead);
        bool authenticated = IsAuthMode(mode);
        if (authenticated != sender is not null)
        {
            throw new ArgumentException(authenticated ? $"HPKE mode {mode} needs the sender's key pair." : $"HPKE mode {mode} takes no sender key pair.", nameof(sender));
        }

        if (enc.Length < DhkemX25519.Length)
        {
            throw new ArgumentException($"The enc buffer must hold {DhkemX25519.Length} bytes.", nameof(enc));
        }

        if (!ephemeralPrivateKey.IsEmpty && ephemeralPrivateKey.Length != DhkemX25519.Length)
        {
            throw new ArgumentException($"An ephemeral X25519 private key is {DhkemX25519.Length} bytes.", nameof(ephemeralPrivateKey));
        }

        // The ephemeral key lives only on this stack frame (GenerateKeyPair of RFC 9180 §4 from the OS CSPRNG).
        Span<byte> ephemeralKey = stackalloc byte[DhkemX25519.Length];
        Span<byte> sharedSecret = stackalloc byte[DhkemX25519.Length];
        try
        {
            if (ephemeralPrivateKey.IsEmpty)
            {
                RandomNumberGenerator.Fill(ephemeralKey);
            }
            else
            {
                ephemeralPrivateKey.CopyTo(ephemeralKey);
            }

            DhkemX25519.Encap(recipientPublicKey, ephemeralKey, sender, enc, sharedSecret);
            return HpkeKeySchedule.Derive(mode, aead, sharedSecret, info, psk, pskId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeralKey);
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    /// <summary>
    /// SetupBaseR / SetupPSKR / SetupAuthR / SetupAuthPSKR: decapsulates <paramref name="enc"/> with
    /// <paramref name="recipient"/> and returns the recipient context. <paramref name="senderPublicKey"/> is required in the auth modes.
    /// </summary>
    internal static HpkeContext SetupRecipient(
        HpkeMode mode,
        HpkeAead aead,
        X25519KeyPair recipient,
        ReadOnlySpan<byte> enc,
        ReadOnlySpan<byte> info,
        ReadOnlySpan<byte> psk = default,
        ReadOnlySpan<byte> pskId = default,
        ReadOnlySpan<byte> senderPublicKey = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        HpkeSuite.Validate(aead);
        bool authenticated = IsAuthMode(mode);
        if (!authenticated && !senderPublicKey.IsEmpty)
        {
            throw new ArgumentException($"HPKE mode {mode} takes no sender public key.", nameof(senderPublicKey));
        }

        Span<byte> sharedSecret = stackalloc byte[DhkemX25519.Length];
        try
        {
            DhkemX25519.Decap(enc, recipient, senderPublicKey, authenticated, sharedSecret);
            return HpkeKeySchedule.Derive(mode, aead, sharedSecret, info, psk, pskId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    private static bool IsAuthMode(HpkeMode mode) => mode is HpkeMode.Auth or HpkeMode.AuthPsk;
}
