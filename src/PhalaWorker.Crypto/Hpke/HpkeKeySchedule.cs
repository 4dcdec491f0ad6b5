using System.Security.Cryptography;

namespace PhalaWorker.Crypto.Hpke;

/// <summary>KeySchedule (RFC 9180 §5.1) for HKDF-SHA256.</summary>
internal static class HpkeKeySchedule
{
    /// <summary>Derives the context from the KEM shared secret; checks the PSK inputs against the mode first.</summary>
    public static HpkeContext Derive(HpkeMode mode, HpkeAead aead, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId)
    {
        HpkeSuite.Validate(aead);
        VerifyPskInputs(mode, psk, pskId);
        ReadOnlySpan<byte> suiteId = HpkeSuite.SuiteId(aead);

        // key_schedule_context = mode ‖ psk_id_hash ‖ info_hash
        Span<byte> context = stackalloc byte[1 + 2 * LabeledHkdf.HashLength];
        context[0] = (byte)mode;
        LabeledHkdf.Extract(suiteId, [], "psk_id_hash"u8, pskId, context.Slice(1, LabeledHkdf.HashLength));
        LabeledHkdf.Extract(suiteId, [], "info_hash"u8, info, context[(1 + LabeledHkdf.HashLength)..]);

        Span<byte> secret = stackalloc byte[LabeledHkdf.HashLength];
        byte[] key = GC.AllocateArray<byte>(HpkeSuite.KeyLength(aead), pinned: true);
        byte[] baseNonce = GC.AllocateArray<byte>(HpkeSuite.NonceLength, pinned: true);
        byte[] exporterSecret = GC.AllocateArray<byte>(LabeledHkdf.HashLength, pinned: true);
        try
        {
            LabeledHkdf.Extract(suiteId, sharedSecret, "secret"u8, psk, secret);
            LabeledHkdf.Expand(suiteId, secret, "key"u8, context, key);
            LabeledHkdf.Expand(suiteId, secret, "base_nonce"u8, context, baseNonce);
            LabeledHkdf.Expand(suiteId, secret, "exp"u8, context, exporterSecret);
            return new HpkeContext(aead, key, baseNonce, exporterSecret);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(baseNonce);
            CryptographicOperations.ZeroMemory(exporterSecret);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>VerifyPSKInputs: psk and psk_id are both given or both empty, and given exactly in the PSK modes.</summary>
    private static void VerifyPskInputs(HpkeMode mode, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> pskId)
    {
        bool gotPsk = !psk.IsEmpty;
        bool gotPskId = !pskId.IsEmpty;
        if (gotPsk != gotPskId)
        {
            throw new CryptoException(CryptoErrorReason.InvalidPskInputs, "HPKE needs both a PSK and a PSK id, or neither.");
        }

        bool pskMode = mode is HpkeMode.Psk or HpkeMode.AuthPsk;
        if (gotPsk != pskMode)
        {
            throw new CryptoException(CryptoErrorReason.InvalidPskInputs, pskMode
                ? $"HPKE mode {mode} requires a PSK."
                : $"HPKE mode {mode} does not take a PSK.");
        }
    }
}
