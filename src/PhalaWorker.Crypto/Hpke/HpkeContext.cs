using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PhalaWorker.Crypto.Hpke;

/// <summary>
/// An HPKE encryption context (RFC 9180 §5.2–5.3): AEAD key, base nonce, sequence number and exporter secret.
/// One context belongs to one sender or one recipient; it is not thread-safe. Dispose wipes the secrets.
/// </summary>
internal sealed class HpkeContext : IDisposable
{
    private readonly byte[] _key;
    private readonly byte[] _baseNonce;
    private readonly byte[] _exporterSecret;
    private readonly AesGcm? _aesGcm;
    private readonly ChaCha20Poly1305? _chaCha;
    private bool _disposed;

    /// <summary>Takes ownership of the three secret arrays (pinned, wiped on dispose).</summary>
    internal HpkeContext(HpkeAead aead, byte[] key, byte[] baseNonce, byte[] exporterSecret)
    {
        Aead = aead;
        _key = key;
        _baseNonce = baseNonce;
        _exporterSecret = exporterSecret;
        if (aead == HpkeAead.ChaCha20Poly1305)
        {
            _chaCha = new ChaCha20Poly1305(key);
        }
        else
        {
            _aesGcm = new AesGcm(key, HpkeSuite.TagLength);
        }
    }

    public HpkeAead Aead { get; }

    /// <summary>The sequence number of the next message (RFC 9180 §5.2). Settable only so tests can replay vector sequences.</summary>
    public ulong SequenceNumber { get; internal set; }

    internal ReadOnlySpan<byte> Key => _key;

    internal ReadOnlySpan<byte> BaseNonce => _baseNonce;

    internal ReadOnlySpan<byte> ExporterSecret => _exporterSecret;

    /// <summary>Encrypts the next message; the result is ciphertext ‖ tag.</summary>
    public byte[] Seal(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext)
    {
        var ciphertext = new byte[plaintext.Length + HpkeSuite.TagLength];
        Seal(aad, plaintext, ciphertext);
        return ciphertext;
    }

    /// <summary>Encrypts the next message into <paramref name="ciphertext"/> (plaintext length + 16 bytes).</summary>
    public void Seal(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ciphertext.Length != plaintext.Length + HpkeSuite.TagLength)
        {
            throw new ArgumentException($"The ciphertext buffer must be {plaintext.Length + HpkeSuite.TagLength} bytes.", nameof(ciphertext));
        }

        Span<byte> nonce = stackalloc byte[HpkeSuite.NonceLength];
        ComputeNonce(nonce);
        Span<byte> body = ciphertext[..plaintext.Length];
        Span<byte> tag = ciphertext[plaintext.Length..];
        if (_chaCha is not null)
        {
            _chaCha.Encrypt(nonce, plaintext, body, tag, aad);
        }
        else
        {
            _aesGcm!.Encrypt(nonce, plaintext, body, tag, aad);
        }

        IncrementSequence();
    }

    /// <summary>Decrypts the next message (ciphertext ‖ tag); throws <see cref="CryptoException"/> if it does not authenticate.</summary>
    public byte[] Open(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < HpkeSuite.TagLength)
        {
            throw TooShort(ciphertext.Length);
        }

        var plaintext = new byte[ciphertext.Length - HpkeSuite.TagLength];
        Open(aad, ciphertext, plaintext);
        return plaintext;
    }

    /// <summary>Decrypts the next message into <paramref name="plaintext"/> (ciphertext length − 16 bytes).</summary>
    public void Open(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ciphertext.Length < HpkeSuite.TagLength)
        {
            throw TooShort(ciphertext.Length);
        }

        int bodyLength = ciphertext.Length - HpkeSuite.TagLength;
        if (plaintext.Length != bodyLength)
        {
            throw new ArgumentException($"The plaintext buffer must be {bodyLength} bytes.", nameof(plaintext));
        }

        Span<byte> nonce = stackalloc byte[HpkeSuite.NonceLength];
        ComputeNonce(nonce);
        try
        {
            if (_chaCha is not null)
            {
                _chaCha.Decrypt(nonce, ciphertext[..bodyLength], ciphertext[bodyLength..], plaintext, aad);
            }
            else
            {
                _aesGcm!.Decrypt(nonce, ciphertext[..bodyLength], ciphertext[bodyLength..], plaintext, aad);
            }
        }
        catch (AuthenticationTagMismatchException ex)
        {
            // .NET already zeroes the plaintext buffer on tag mismatch.
            throw new CryptoException(CryptoErrorReason.DecryptionFailed, "HPKE decryption failed: the ciphertext does not authenticate under this key, suite and AAD.", ex);
        }

        IncrementSequence();
    }

    /// <summary>Secret export (RFC 9180 §5.3): LabeledExpand(exporter_secret, "sec", exporter_context, L).</summary>
    public byte[] Export(ReadOnlySpan<byte> exporterContext, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var output = new byte[length];
        Export(exporterContext, output);
        return output;
    }

    /// <summary>Secret export into <paramref name="output"/> (L = its length).</summary>
    public void Export(ReadOnlySpan<byte> exporterContext, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        LabeledHkdf.Expand(HpkeSuite.SuiteId(Aead), _exporterSecret, "sec"u8, exporterContext, output);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _aesGcm?.Dispose();
        _chaCha?.Dispose();
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(_baseNonce);
        CryptographicOperations.ZeroMemory(_exporterSecret);
    }

    private static CryptoException TooShort(int length) =>
        new(CryptoErrorReason.CiphertextTooShort, $"The HPKE ciphertext is {length} bytes, shorter than the {HpkeSuite.TagLength}-byte tag.");

    /// <summary>nonce = base_nonce XOR I2OSP(seq, Nn).</summary>
    private void ComputeNonce(Span<byte> nonce)
    {
        nonce.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[(HpkeSuite.NonceLength - sizeof(ulong))..], SequenceNumber);
        for (int i = 0; i < HpkeSuite.NonceLength; i++)
        {
            nonce[i] ^= _baseNonce[i];
        }
    }

    private void IncrementSequence()
    {
        // Nn = 12 gives a limit of 2^96 - 1; a 64-bit counter reaches its own limit first.
        if (SequenceNumber == ulong.MaxValue)
        {
            throw new CryptoException(CryptoErrorReason.MessageLimitReached, "The HPKE context's sequence number is exhausted.");
        }

        SequenceNumber++;
    }
}
