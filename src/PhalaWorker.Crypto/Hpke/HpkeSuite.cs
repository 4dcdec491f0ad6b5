using System.Buffers.Binary;

namespace PhalaWorker.Crypto.Hpke;

/// <summary>Suite constants and identifiers for DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / the three AEADs.</summary>
internal static class HpkeSuite
{
    /// <summary>Length of the HPKE suite_id: "HPKE" ‖ kem_id ‖ kdf_id ‖ aead_id.</summary>
    public const int SuiteIdLength = 10;

    /// <summary>Nn for every supported AEAD.</summary>
    public const int NonceLength = 12;

    /// <summary>Nt for every supported AEAD.</summary>
    public const int TagLength = 16;

    /// <summary>Throws <see cref="CryptoException"/> unless <paramref name="aead"/> is a supported AEAD.</summary>
    public static void Validate(HpkeAead aead)
    {
        if (aead is not (HpkeAead.Aes128Gcm or HpkeAead.Aes256Gcm or HpkeAead.ChaCha20Poly1305))
        {
            throw new CryptoException(CryptoErrorReason.UnsupportedAead, $"Unsupported HPKE AEAD id 0x{(ushort)aead:x4}.");
        }
    }

    /// <summary>Nk: the AEAD key length.</summary>
    public static int KeyLength(HpkeAead aead) => aead == HpkeAead.Aes128Gcm ? 16 : 32;

    private static readonly byte[][] SuiteIds = [CreateSuiteId(HpkeAead.Aes128Gcm), CreateSuiteId(HpkeAead.Aes256Gcm), CreateSuiteId(HpkeAead.ChaCha20Poly1305)];

    /// <summary>suite_id = "HPKE" ‖ I2OSP(kem_id, 2) ‖ I2OSP(kdf_id, 2) ‖ I2OSP(aead_id, 2) for a validated AEAD.</summary>
    public static ReadOnlySpan<byte> SuiteId(HpkeAead aead) => SuiteIds[(int)aead - 1];

    private static byte[] CreateSuiteId(HpkeAead aead)
    {
        var suiteId = new byte[SuiteIdLength];
        "HPKE"u8.CopyTo(suiteId);
        BinaryPrimitives.WriteUInt16BigEndian(suiteId.AsSpan(4), DhkemX25519.KemId);
        BinaryPrimitives.WriteUInt16BigEndian(suiteId.AsSpan(6), LabeledHkdf.KdfId);
        BinaryPrimitives.WriteUInt16BigEndian(suiteId.AsSpan(8), (ushort)aead);
        return suiteId;
    }
}
