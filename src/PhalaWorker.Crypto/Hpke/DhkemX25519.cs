using System.Security.Cryptography;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Hpke;

/// <summary>DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, §7.1.3). The Diffie-Hellman steps run in libsodium through <see cref="X25519KeyPair"/>.</summary>
internal static class DhkemX25519
{
    public const ushort KemId = 0x0020;

    /// <summary>Nenc, Npk, Nsk and Nsecret are all 32 bytes.</summary>
    public const int Length = 32;

    /// <summary>suite_id = "KEM" ‖ I2OSP(0x0020, 2).</summary>
    private static ReadOnlySpan<byte> SuiteId => [(byte)'K', (byte)'E', (byte)'M', 0x00, 0x20];

    /// <summary>DeriveKeyPair's secret-key half: sk = LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32).</summary>
    public static void DeriveSecretKey(ReadOnlySpan<byte> ikm, Span<byte> secretKey)
    {
        Span<byte> prk = stackalloc byte[LabeledHkdf.HashLength];
        try
        {
            LabeledHkdf.Extract(SuiteId, [], "dkp_prk"u8, ikm, prk);
            LabeledHkdf.Expand(SuiteId, prk, "sk"u8, [], secretKey[..Length]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }

    /// <summary>DeriveKeyPair(ikm) (RFC 9180 §7.1.3).</summary>
    public static X25519KeyPair DeriveKeyPair(ReadOnlySpan<byte> ikm)
    {
        Span<byte> secretKey = stackalloc byte[Length];
        try
        {
            DeriveSecretKey(ikm, secretKey);
            return X25519KeyPair.FromPrivateKey(secretKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secretKey);
        }
    }

    /// <summary>
    /// Encap (sender is null) or AuthEncap: writes enc = pkE and shared_secret. The ephemeral private key is the
    /// caller's: fresh for every message, fixed only by the RFC vector tests.
    /// </summary>
    public static void Encap(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> ephemeralPrivateKey, X25519KeyPair? sender, Span<byte> enc, Span<byte> sharedSecret)
    {
        if (recipientPublicKey.Length != Length)
        {
            throw new CryptoException(CryptoErrorReason.InvalidPublicKey, $"The recipient X25519 public key must be {Length} bytes, got {recipientPublicKey.Length}.");
        }

        if (!X25519KeyPair.TryComputePublicKey(ephemeralPrivateKey, enc))
        {
            throw new CryptoException(CryptoErrorReason.InvalidPrivateKey, "The ephemeral X25519 private key is invalid.");
        }

        int dhLength = sender is null ? Length : 2 * Length;
        Span<byte> dh = stackalloc byte[2 * Length];
        try
        {
            if (!X25519KeyPair.TryAgree(ephemeralPrivateKey, recipientPublicKey, dh[..Length]) ||
                (sender is not null && !sender.TryAgree(recipientPublicKey, dh[Length..])))
            {
                throw new CryptoException(CryptoErrorReason.InvalidPublicKey, "The recipient X25519 public key is invalid (small-order point).");
            }

            ExtractAndExpand(dh[..dhLength], enc[..Length], recipientPublicKey, sender is null ? [] : sender.PublicKeySpan, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>Decap (<paramref name="senderPublicKey"/> empty) or AuthDecap: writes shared_secret.</summary>
    public static void Decap(ReadOnlySpan<byte> enc, X25519KeyPair recipient, ReadOnlySpan<byte> senderPublicKey, bool authenticated, Span<byte> sharedSecret)
    {
        if (enc.Length != Length)
        {
            throw new CryptoException(CryptoErrorReason.InvalidEncapsulatedKey, $"The encapsulated key must be {Length} bytes, got {enc.Length}.");
        }

        if (authenticated && senderPublicKey.Length != Length)
        {
            throw new CryptoException(CryptoErrorReason.InvalidPublicKey, $"The sender X25519 public key must be {Length} bytes, got {senderPublicKey.Length}.");
        }

        int dhLength = authenticated ? 2 * Length : Length;
        Span<byte> dh = stackalloc byte[2 * Length];
        try
        {
            if (!recipient.TryAgree(enc, dh[..Length]))
            {
                throw new CryptoException(CryptoErrorReason.InvalidEncapsulatedKey, "The encapsulated key is invalid (small-order point).");
            }

            if (authenticated && !recipient.TryAgree(senderPublicKey, dh[Length..]))
            {
                throw new CryptoException(CryptoErrorReason.InvalidPublicKey, "The sender X25519 public key is invalid (small-order point).");
            }

            ExtractAndExpand(dh[..dhLength], enc, recipient.PublicKeySpan, authenticated ? senderPublicKey : [], sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>ExtractAndExpand(dh, kem_context = enc ‖ pkRm [‖ pkSm]).</summary>
    private static void ExtractAndExpand(ReadOnlySpan<byte> dh, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> senderPublicKey, Span<byte> sharedSecret)
    {
        Span<byte> kemContext = stackalloc byte[3 * Length];
        enc.CopyTo(kemContext);
        recipientPublicKey.CopyTo(kemContext[Length..]);
        senderPublicKey.CopyTo(kemContext[(2 * Length)..]);
        kemContext = kemContext[..(2 * Length + senderPublicKey.Length)];

        Span<byte> prk = stackalloc byte[LabeledHkdf.HashLength];
        try
        {
            LabeledHkdf.Extract(SuiteId, [], "eae_prk"u8, dh, prk);
            LabeledHkdf.Expand(SuiteId, prk, "shared_secret"u8, kemContext, sharedSecret[..Length]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }
}
