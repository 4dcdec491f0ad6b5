using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Envelopes;

/// <summary>
/// The result envelope: a serialized <c>JobOutput</c> sealed by the node to the submitter's result key (<c>JobRequest.result_public_key</c>).
/// HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256; info = "phala-worker/v1 result";
/// aad = info ‖ job_id(32) ‖ node_address(20).
/// </summary>
public static class ResultEnvelope
{
    /// <summary>The HPKE info string, also the AAD prefix.</summary>
    public static ReadOnlySpan<byte> Info => "phala-worker/v1 result"u8;

    /// <summary>Seals <paramref name="jobOutput"/> to the submitter.</summary>
    /// <exception cref="ArgumentException">The job id is not 32 bytes or the node address not 20.</exception>
    /// <exception cref="CryptoException">The result public key is malformed or the AEAD unsupported.</exception>
    public static HpkeSealed Seal(ReadOnlySpan<byte> resultPublicKey, ReadOnlySpan<byte> jobId32, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> jobOutput, HpkeAead aead = HpkeAead.ChaCha20Poly1305) =>
        EnvelopeFormat.Seal(Info, resultPublicKey, jobId32, nodeAddress20, jobOutput, aead);

    /// <summary>Opens a result envelope with the submitter's result key; returns the serialized <c>JobOutput</c>.</summary>
    /// <exception cref="ArgumentException">The job id is not 32 bytes or the node address not 20.</exception>
    /// <exception cref="CryptoException">Tampered or truncated data, wrong result key, job id, node address or AEAD.</exception>
    public static byte[] Open(X25519KeyPair resultKey, ReadOnlySpan<byte> jobId32, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> ciphertext, HpkeAead aead) =>
        EnvelopeFormat.Open(Info, resultKey, jobId32, nodeAddress20, enc, ciphertext, aead);
}
