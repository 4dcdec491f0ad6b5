using PhalaWorker.Crypto.Hpke;
using PhalaWorker.Crypto.Keys;

namespace PhalaWorker.Crypto.Envelopes;

/// <summary>
/// The job envelope: a serialized <c>JobRequest</c> sealed by the submitter to the node's HPKE key.
/// HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256; info = "phala-worker/v1 job";
/// aad = info ‖ job_id(32) ‖ node_address(20).
/// </summary>
public static class JobEnvelope
{
    /// <summary>The HPKE info string, also the AAD prefix.</summary>
    public static ReadOnlySpan<byte> Info => "phala-worker/v1 job"u8;

    /// <summary>Seals <paramref name="jobRequest"/> to the node.</summary>
    /// <exception cref="ArgumentException">The job id is not 32 bytes or the node address not 20.</exception>
    /// <exception cref="CryptoException">The node public key is malformed or the AEAD unsupported.</exception>
    public static HpkeSealed Seal(ReadOnlySpan<byte> nodeHpkePublicKey, ReadOnlySpan<byte> jobId32, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> jobRequest, HpkeAead aead = HpkeAead.ChaCha20Poly1305) =>
        EnvelopeFormat.Seal(Info, nodeHpkePublicKey, jobId32, nodeAddress20, jobRequest, aead);

    /// <summary>Opens a job envelope with the node's HPKE key; returns the serialized <c>JobRequest</c>.</summary>
    /// <exception cref="ArgumentException">The job id is not 32 bytes or the node address not 20.</exception>
    /// <exception cref="CryptoException">Tampered or truncated data, wrong node key, job id, node address or AEAD.</exception>
    public static byte[] Open(X25519KeyPair nodeKey, ReadOnlySpan<byte> jobId32, ReadOnlySpan<byte> nodeAddress20, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> ciphertext, HpkeAead aead) =>
        EnvelopeFormat.Open(Info, nodeKey, jobId32, nodeAddress20, enc, ciphertext, aead);
}
