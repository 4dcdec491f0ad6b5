using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Protocol.V1;
using HpkeApi = PhalaWorker.Crypto.Hpke.Hpke;

namespace PhalaWorker.Protocol.Wire;

/// <summary>
/// The framing of a <see cref="SealedEnvelope"/> (job and result envelopes alike), defined once for the side that writes
/// it and the side that reads it:
/// <code>
/// version    = 1
/// suite      = { kem_id = 0x0020 DHKEM(X25519, HKDF-SHA256), kdf_id = 0x0001 HKDF-SHA256,
///                aead_id = 0x0001 AES-128-GCM | 0x0002 AES-256-GCM | 0x0003 ChaCha20-Poly1305 }
/// enc        = the 32-byte encapsulated key
/// ciphertext = the AEAD output, 16-byte tag appended
/// </code>
/// What is sealed inside (info, aad) is <see cref="Crypto.Envelopes.JobEnvelope"/> and <see cref="Crypto.Envelopes.ResultEnvelope"/>.
/// A reader refuses any other framing with the reason codes <see cref="ReasonCodes.EnvelopeMissing"/>,
/// <see cref="ReasonCodes.EnvelopeVersion"/>, <see cref="ReasonCodes.EnvelopeSuite"/> and <see cref="ReasonCodes.EnvelopeEncLength"/>.
/// </summary>
public static class SealedEnvelopes
{
    /// <summary>The envelope version.</summary>
    public const uint Version = 1;

    /// <summary>The HPKE KEM id.</summary>
    public const uint KemId = HpkeApi.KemId;

    /// <summary>The HPKE KDF id.</summary>
    public const uint KdfId = HpkeApi.KdfId;

    /// <summary>The length of <c>enc</c>.</summary>
    public const int EncLength = HpkeApi.EncLength;

    /// <summary>Frames the output of an HPKE seal under <paramref name="aead"/>.</summary>
    public static SealedEnvelope Create(HpkeSealed sealedData, HpkeAead aead)
    {
        ArgumentNullException.ThrowIfNull(sealedData);
        return new SealedEnvelope
        {
            Version = Version,
            Suite = new HpkeSuite { KemId = KemId, KdfId = KdfId, AeadId = (uint)aead },
            Enc = ByteString.CopyFrom(sealedData.Enc),
            Ciphertext = ByteString.CopyFrom(sealedData.Ciphertext),
        };
    }

    /// <summary>
    /// Checks the framing; on success gives the AEAD to open it with, else the reason code and a detail that names only
    /// framing values (no plaintext).
    /// </summary>
    public static bool TryGetAead(SealedEnvelope? envelope, out HpkeAead aead, [NotNullWhen(false)] out string? reason, [NotNullWhen(false)] out string? detail)
    {
        aead = default;
        reason = null;
        detail = null;
        if (envelope is null)
        {
            (reason, detail) = (ReasonCodes.EnvelopeMissing, "envelope is required");
        }
        else if (envelope.Version != Version)
        {
            (reason, detail) = (ReasonCodes.EnvelopeVersion, $"envelope version {envelope.Version} is not supported (expected {Version})");
        }
        else if (envelope.Suite is not { } suite || suite.KemId != KemId || suite.KdfId != KdfId || suite.AeadId is < 1 or > 3)
        {
            (reason, detail) = (ReasonCodes.EnvelopeSuite,
                $"HPKE suite kem=0x{envelope.Suite?.KemId:x4} kdf=0x{envelope.Suite?.KdfId:x4} aead=0x{envelope.Suite?.AeadId:x4} is not supported (kem 0x0020, kdf 0x0001, aead 0x0001..0x0003)");
        }
        else if (envelope.Enc.Length != EncLength)
        {
            (reason, detail) = (ReasonCodes.EnvelopeEncLength, $"enc must be {EncLength} bytes, got {envelope.Enc.Length}");
        }
        else
        {
            aead = (HpkeAead)suite.AeadId;
            return true;
        }

        return false;
    }
}
